import { describe, expect, it } from 'vitest';
import { expandEnvironmentVariables, unsetEnvironmentVariables } from './env-vars';

describe('expandEnvironmentVariables (Python os.path.expandvars)', () => {
  const env = { BUCKET: 'feast-bucket', EMPTY: '', LOOP: '$BUCKET' };

  it('expands $NAME and ${NAME}', () => {
    expect(expandEnvironmentVariables('s3://$BUCKET/${BUCKET}x', env)).toBe(
      's3://feast-bucket/feast-bucketx',
    );
    expect(expandEnvironmentVariables('a${EMPTY}b', env)).toBe('ab');
  });

  it('leaves unset variables and lone dollars as written', () => {
    expect(expandEnvironmentVariables('$MISSING ${MISSING} $ ${unclosed', env)).toBe(
      '$MISSING ${MISSING} $ ${unclosed',
    );
  });

  it('does not expand substituted text again', () => {
    expect(expandEnvironmentVariables('$LOOP', env)).toBe('$BUCKET');
  });

  it('ends a name at the first character that is not an ASCII word character', () => {
    expect(expandEnvironmentVariables('$BUCKET-2', env)).toBe('feast-bucket-2');
    expect(expandEnvironmentVariables('$BUCKETé', env)).toBe('feast-bucketé');
  });

  it('lists referenced variables that are not set', () => {
    expect(unsetEnvironmentVariables('$A ${B} $BUCKET $A', env)).toEqual(['A', 'B']);
  });
});
