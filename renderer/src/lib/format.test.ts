import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../../core/contract/errors';
import { errorText } from './errors';
import { formatBytes, formatDuration, percentOf, timezoneSentence } from './format';

describe('formatting for the UI', () => {
  it('says how the frame timestamps were read', () => {
    expect(timezoneSentence({ withOffset: 2310, naive: 14, dateOnly: 0 })).toBe(
      '2,310 rows had offsets, 14 were naive: read as UTC',
    );
    expect(timezoneSentence({ withOffset: 1, naive: 1, dateOnly: 2 })).toBe(
      '1 row had an offset, 1 was naive: read as UTC, 2 were dates only: midnight UTC',
    );
  });

  it('formats sizes, durations and shares', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12 * 1024 * 1024)).toBe('12 MB');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(61_000)).toBe('1 min 1 s');
    expect(percentOf(80_000, 100_000)).toBe(80);
  });
});

describe('error sentences', () => {
  const samples: EngineError[] = [
    { kind: 'ConfigInvalid', problems: [{ file: 'feature_store.yaml', line: 3, column: 9, message: 'bad' }] },
    { kind: 'InputInvalid', file: 'e.csv', line: 4, column: 2, reason: 'not a number' },
    { kind: 'RegistryInvalid', source: 'r.db', reason: 'truncated' },
    { kind: 'NotFound', what: 'feature', name: 'v:f', hint: 'did you mean v:g?' },
    { kind: 'PlanInvalid', reason: 'no join key' },
    { kind: 'AccessDenied', action: 'redshift-data:ExecuteStatement', resource: 'arn:x', message: 'denied' },
    { kind: 'StatementFailed', statementId: 's-1', message: 'syntax', sqlExcerpt: 'SELECT' },
    { kind: 'Throttled', operation: 'ExecuteStatement', attempts: 3 },
    { kind: 'TimedOut', operation: 'UNLOAD', seconds: 60 },
    { kind: 'Cancelled', phase: 'unload' },
    { kind: 'AwsError', service: 's3', code: 'NoSuchBucket', message: 'gone' },
    { kind: 'DependencyMissing', what: 'pandas', fix: 'apt-get install python3-pandas' },
    { kind: 'TransformFailed', name: 'odfv', message: 'KeyError' },
    { kind: 'RequestInvalid', method: 'plan.preview', issues: [] },
    { kind: 'Internal', message: 'oops' },
  ];

  it('has a sentence, a next step and details for every kind', () => {
    for (const error of samples) {
      const text = errorText(error);
      expect(text.sentence.length, error.kind).toBeGreaterThan(5);
      expect(text.next.length, error.kind).toBeGreaterThan(5);
      expect(text.details.startsWith(`${error.kind}: `)).toBe(true);
    }
    expect(errorText(samples[5]!).next).toBe('Open Permissions to see which policy statement is missing.');
    expect(errorText(samples[1]!).sentence).toBe('e.csv, line 4, column 2: not a number');
  });
});
