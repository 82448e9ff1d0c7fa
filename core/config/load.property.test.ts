import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRepoConfig } from './load';
import { PROVISIONED_YAML, SERVERLESS_YAML } from './test-fixtures';

/** Fragments that steer random text towards YAML structure and the keys the validator reads. */
const fragment = fc.oneof(
  fc.constantFrom(
    'project: ',
    'registry:',
    'offline_store:\n',
    '  type: redshift\n',
    '  region: us-west-2\n',
    '  cluster_id: ',
    '  workgroup: ',
    'path: ',
    'cache_ttl_seconds: ',
    ':',
    ': ',
    '\n',
    '  ',
    '\t',
    '\r\n',
    '- ',
    '"',
    "'",
    '{',
    '}',
    '[',
    ']',
    ',',
    '#',
    '&a ',
    '*a',
    '<<: ',
    '!!str ',
    '!custom ',
    '|\n',
    '>-\n',
    '---\n',
    '...\n',
    '? ',
    '%YAML 1.1\n',
    '${VAR}',
    '$HOME',
    'yes',
    '0777',
    'é',
    '😀',
    '\u0000',
  ),
  fc.string(),
);
const yamlLike = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));

/** Valid files with one random span replaced: close to real mistakes. */
const damaged = fc
  .tuple(fc.constantFrom(PROVISIONED_YAML, SERVERLESS_YAML), fc.nat(), fc.nat(20), yamlLike)
  .map(([text, at, length, insert]) => {
    const start = at % (text.length + 1);
    return text.slice(0, start) + insert + text.slice(start + length);
  });

describe('parseRepoConfig on arbitrary text (property)', () => {
  it('never throws, and every problem lies within the text', () => {
    fc.assert(
      fc.property(fc.oneof(yamlLike, damaged, fc.string({ unit: 'binary' })), (text) => {
        const result = parseRepoConfig(text, {
          file: 'feature_store.yaml',
          repoDir: '/repo',
          env: { VAR: 'a: b', HOME: '/home/u' },
        });
        const lines = text.split('\n');
        for (const problem of result.problems) {
          expect(problem.file).toBe('feature_store.yaml');
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.line).toBeLessThanOrEqual(lines.length);
          expect(problem.column).toBeGreaterThanOrEqual(1);
          expect(problem.column).toBeLessThanOrEqual((lines[problem.line - 1] ?? '').length + 1);
          expect(problem.message.length).toBeGreaterThan(0);
        }
        // Exactly one of: a config, or at least one problem.
        expect(result.config === undefined).toBe(result.problems.length > 0);
        const positions = result.problems.map((p) => [p.line, p.column] as const);
        const sorted = [...positions].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(positions).toEqual(sorted);
      }),
      { numRuns: 3000 },
    );
  });
});
