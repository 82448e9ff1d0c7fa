import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatch, globTokens, matchesAll, matchesSome, textTokens, type SubjectToken } from './wildcard';

/** Reference: the glob as a regular expression. */
function viaRegex(pattern: string, text: string, ignoreCase: boolean): boolean {
  const source = [...pattern]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(text);
}

const hex: SubjectToken = { t: 'char', chars: '0123456789abcdef' };
const uuid: SubjectToken[] = [...'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'].map((c) =>
  c === '-' ? { t: 'char', chars: '-' } : hex,
);

describe('globMatch', () => {
  it.each([
    ['s3:*', 's3:GetObject', true],
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['s3:?etObject', 's3:GetObject', true],
    ['s3:?etObject', 's3:etObject', false],
    ['*', '', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['redshift-data:*Statement', 'redshift-data:DescribeStatement', true],
  ])('%s against %s is %s', (pattern, text, expected) => {
    expect(globMatch(pattern, text, false)).toBe(expected);
  });

  it('ignores case only when asked', () => {
    expect(globMatch('REDSHIFT-DATA:executestatement', 'redshift-data:ExecuteStatement', true)).toBe(true);
    expect(globMatch('REDSHIFT-DATA:executestatement', 'redshift-data:ExecuteStatement', false)).toBe(false);
  });

  it('agrees with a regular expression on any pattern and text', () => {
    const chars = fc.constantFrom('a', 'b', '*', '?', ':', '/');
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 8 }),
        fc.array(fc.constantFrom('a', 'b', ':', '/', '*'), { maxLength: 8 }),
        (p, t) => {
          const pattern = p.join('');
          const text = t.join('');
          expect(globMatch(pattern, text, false)).toBe(viaRegex(pattern, text, false));
          expect(matchesAll(globTokens(pattern), textTokens(text))).toBe(viaRegex(pattern, text, false));
        },
      ),
    );
  });
});

describe('matching subjects with unknown parts', () => {
  const id = (...parts: (string | SubjectToken[])[]) =>
    parts.flatMap((p) => (typeof p === 'string' ? textTokens(p) : p));

  it('a * covers every UUID; a fixed ID matches only some', () => {
    const subject = id('workgroup/', uuid);
    expect(matchesAll(globTokens('workgroup/*'), subject)).toBe(true);
    expect(matchesAll(globTokens('workgroup/????????-????-????-????-????????????'), subject)).toBe(true);
    const fixed = globTokens('workgroup/7f3c2a10-1b2c-4d5e-8f90-0123456789ab');
    expect(matchesSome(fixed, subject)).toBe(true);
    expect(matchesAll(fixed, subject)).toBe(false);
  });

  it('a name where the ID belongs can never match', () => {
    expect(matchesSome(globTokens('workgroup/feast-workgroup'), id('workgroup/', uuid))).toBe(false);
    // Upper-case hex is not a UUID as AWS writes it.
    expect(
      matchesSome(globTokens('workgroup/7F3C2A10-1B2C-4D5E-8F90-0123456789AB'), id('workgroup/', uuid)),
    ).toBe(false);
  });

  it('a literal in the middle of a UUID depends on it', () => {
    expect(matchesSome(globTokens('*a*'), uuid)).toBe(true);
    expect(matchesAll(globTokens('*a*'), uuid)).toBe(false);
    expect(matchesAll(globTokens('*-*'), uuid)).toBe(true);
  });

  it('an unknown run is covered only by *', () => {
    const run: SubjectToken[] = [{ t: 'run' }];
    expect(matchesAll(globTokens('features_df/*'), id('features_df/', run, '.parquet'))).toBe(true);
    expect(matchesAll(globTokens('features_df/?*.parquet'), id('features_df/', run, '.parquet'))).toBe(false);
    expect(matchesSome(globTokens('features_df/x.parquet'), id('features_df/', run, '.parquet'))).toBe(true);
    expect(matchesSome(globTokens('features_df/x.csv'), id('features_df/', run, '.parquet'))).toBe(false);
  });

  it('a run that excludes / cannot absorb one', () => {
    const bucket: SubjectToken[] = [{ t: 'run', except: '/' }];
    expect(matchesSome(globTokens('arn:aws:s3:::b*'), id('arn:aws:s3:::', bucket))).toBe(true);
    expect(matchesSome(globTokens('arn:aws:s3:::b/*'), id('arn:aws:s3:::', bucket))).toBe(false);
  });

  it('variables stand for any text but never cover', () => {
    const pattern = [
      ...globTokens('home/'),
      { t: 'var' as const, name: 'aws:username' },
      ...globTokens('/*'),
    ];
    expect(matchesSome(pattern, textTokens('home/alice/x'))).toBe(true);
    expect(matchesAll(pattern, textTokens('home/alice/x'))).toBe(false);
    expect(matchesSome(pattern, textTokens('other/alice/x'))).toBe(false);
  });
});
