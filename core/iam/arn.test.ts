import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchResource, parseResourcePattern, partitionForRegion, splitArn, subject, type Slot } from './arn';
import { matchesAll, matchesSome, textTokens } from './wildcard';

const match = (pattern: string, target: string, variables = true) =>
  matchResource(parseResourcePattern(pattern, variables), subject(target));

describe('ARN patterns', () => {
  it('splits an ARN into six parts; the resource keeps its colons', () => {
    expect(splitArn('arn:aws:redshift:us-west-2:123456789012:dbuser:c/u')).toEqual({
      prefix: 'arn',
      partition: 'aws',
      service: 'redshift',
      region: 'us-west-2',
      account: '123456789012',
      resource: 'dbuser:c/u',
    });
    expect(splitArn('arn:aws:s3')).toBeUndefined();
  });

  it('knows the partition of a region', () => {
    expect(partitionForRegion('us-west-2')).toBe('aws');
    expect(partitionForRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionForRegion('us-gov-west-1')).toBe('aws-us-gov');
  });

  it('flags patterns that are not well-formed ARNs', () => {
    expect(parseResourcePattern('*', true).malformed).toEqual([]);
    expect(parseResourcePattern('arn:aws:s3:::b', true).malformed).toEqual([]);
    expect(parseResourcePattern('arn:aws:s3::b', true).malformed[0]).toContain(
      'has 5 colon-separated parts; an ARN has at least 6',
    );
    expect(parseResourcePattern('s3:::b', true).malformed[0]).toContain('does not start with "arn:"');
  });

  it('keeps * and ? inside a part, except a * that ends a part, which may run across colons', () => {
    const cluster = 'arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster';
    expect(match('arn:aws:redshift:*:*:cluster:feast-cluster', cluster).all).toBe(true);
    expect(
      match('arn:aws:redshift:us-west-2:1234*:*', 'arn:aws:redshift:us-west-2:123456789012:dbuser:c/u').all,
    ).toBe(true);
    expect(match('arn:aws:s3:::feast-*', 'arn:aws:s3:::feast-bucket/redshift/x').all).toBe(true);
    expect(match('arn:aws:s3:::feast-*', 'arn:aws:s3:::feast-bucket').all).toBe(true);
    expect(match('arn:aws:s3:*:*:feast-bucket', 'arn:aws:s3:::feast-bucket').all).toBe(true);
    expect(match('arn:aws:s3:::feast-bucket/*/x', 'arn:aws:s3:::feast-bucket/a/b/x').all).toBe(true);
    // A * that ends the region part may run across the account part (IAM User Guide, Resource element).
    expect(match('arn:aws:redshift:*:cluster:feast-cluster', cluster).all).toBe(true);
    // A * inside a part, or a ?, never stands for a colon.
    expect(match('arn:aws:redshift:us-*2:cluster:feast-cluster', cluster).some).toBe(false);
    expect(match('arn:aws:redshift:us-west-2:123456789012?cluster:feast-cluster', cluster).some).toBe(false);
    expect(match('arn:aws:redshift:us-west-2:123456789012:*-cluster', cluster).some).toBe(false);
    expect(match('arn:aws:redshift:us-west-2:123456789012:cluster:*-cluster', cluster).all).toBe(true);
    expect(match('arn:aws:redshift:us-west-2:123456789012:c*-cluster', cluster).some).toBe(false);
  });

  it('a short ARN ending in * stands for the rest; without it, it matches nothing', () => {
    const short = parseResourcePattern('arn:aws:redshift:*', true);
    expect(short.malformed[0]).toContain('its final * stands for the rest');
    expect(matchResource(short, subject('arn:aws:redshift:us-west-2:123456789012:cluster:c'))).toEqual({
      some: true,
      all: true,
    });
    expect(match('arn:aws:s3::feast-bucket', 'arn:aws:s3:::feast-bucket').some).toBe(false);
  });

  it('does not trust a pattern AWS would reject', () => {
    const serviceWildcard = parseResourcePattern('arn:aws:redshift*:us-west-2:123456789012:cluster:c', true);
    expect(serviceWildcard.definitive).toBe(false);
    expect(serviceWildcard.malformed).toEqual([
      'has a wildcard or variable in the service part, which AWS does not allow',
    ]);
    expect(
      matchResource(serviceWildcard, subject('arn:aws:redshift:us-west-2:123456789012:cluster:c')),
    ).toEqual({ some: true, all: false });
    const notArn = parseResourcePattern('feast-*', true);
    expect(notArn.definitive).toBe(false);
    expect(matchResource(notArn, subject('feast-bucket'))).toEqual({ some: true, all: false });
  });

  it('is case-sensitive and says so when only the case differs', () => {
    const result = match('arn:aws:s3:::Feast-Bucket', 'arn:aws:s3:::feast-bucket');
    expect(result.some).toBe(false);
    expect(result.mismatch).toBe(
      'Resource arn:aws:s3:::Feast-Bucket differs in case from arn:aws:s3:::feast-bucket',
    );
    expect(
      match(
        'arn:aws:redshift:US-WEST-2:123456789012:cluster:c',
        'arn:aws:redshift:us-west-2:123456789012:cluster:c',
      ).mismatch,
    ).toBe('the region "US-WEST-2" differs in case from "us-west-2"');
  });

  it('names the part that differs', () => {
    expect(
      match(
        'arn:aws:redshift:us-east-1:123456789012:cluster:c',
        'arn:aws:redshift:us-west-2:123456789012:cluster:c',
      ).mismatch,
    ).toBe(
      'the region "us-east-1" does not match "us-west-2" in arn:aws:redshift:us-west-2:123456789012:cluster:c',
    );
    expect(
      match(
        'arn:aws:redshift:us-west-2:999999999999:cluster:c',
        'arn:aws:redshift:us-west-2:123456789012:cluster:c',
      ).mismatch,
    ).toContain('the account "999999999999"');
  });

  it('only "*" matches the resource of actions without a resource type', () => {
    expect(match('*', '*').all).toBe(true);
    expect(match('arn:aws:redshift:us-west-2:123456789012:cluster:c', '*').mismatch).toContain(
      'no resource type',
    );
    expect(match('arn:*', '*').some).toBe(false);
  });

  it('takes the documented bucket/* as literal text', () => {
    expect(match('arn:aws:s3:::feast-bucket/*', 'arn:aws:s3:::feast-bucket/*').all).toBe(true);
    expect(match('arn:aws:s3:::feast-bucket/redshift/*', 'arn:aws:s3:::feast-bucket/*').some).toBe(false);
  });

  it('reads policy variables only when asked; escapes stand for their characters', () => {
    const withVars = parseResourcePattern('arn:aws:s3:::b/${aws:username}/*', true);
    expect(withVars.variables).toEqual(['aws:username']);
    expect(matchResource(withVars, subject('arn:aws:s3:::b/alice/x'))).toEqual({ some: true, all: false });
    const literal = parseResourcePattern('arn:aws:s3:::b/${aws:username}/*', false);
    expect(literal.variables).toEqual([]);
    expect(matchResource(literal, subject('arn:aws:s3:::b/alice/x')).some).toBe(false);
    expect(matchResource(literal, subject('arn:aws:s3:::b/${aws:username}/x')).all).toBe(true);
    const escaped = parseResourcePattern('arn:aws:s3:::b/${*}', true);
    expect(matchResource(escaped, subject('arn:aws:s3:::b/*')).all).toBe(true);
    expect(matchResource(escaped, subject('arn:aws:s3:::b/x')).some).toBe(false);
    const withDefault = parseResourcePattern("arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*", true);
    expect(withDefault.variables).toEqual(['aws:PrincipalTag/team']);
  });

  it('shows unknown parts as {name} and matches them three ways', () => {
    const id: Slot = { name: 'workgroup_id', kind: 'unknown', shape: 'uuid' };
    const target = subject('arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/', id);
    expect(target.text).toBe('arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/{workgroup_id}');
    const m = (p: string) => matchResource(parseResourcePattern(p, true), target);
    expect(m('arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/*')).toEqual({
      some: true,
      all: true,
    });
    expect(
      m('arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/7f3c2a10-1b2c-4d5e-8f90-0123456789ab'),
    ).toEqual({ some: true, all: false });
    expect(m('arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/feast-workgroup').some).toBe(
      false,
    );
  });
});

describe('resource pattern matching against a reference', () => {
  /** The rule as a regular expression: * stays in its part unless it ends one; ? never stands for a colon. */
  function reference(pattern: string, text: string): boolean {
    const source = [...pattern]
      .map((c, i) => {
        if (c === '?') return '[^:]';
        if (c === '*') return i === pattern.length - 1 || pattern[i + 1] === ':' ? '.*' : '[^:]*';
        return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    return new RegExp(`^${source}$`, 's').test(text);
  }

  it('agrees on any pattern and text', () => {
    const patternChar = fc.constantFrom('a', 'B', ':', '/', '*', '?');
    const textChar = fc.constantFrom('a', 'b', 'B', ':', '/');
    fc.assert(
      fc.property(fc.array(patternChar, { maxLength: 9 }), fc.array(textChar, { maxLength: 9 }), (p, t) => {
        const pattern = `arn:${p.join('')}`;
        const text = `arn:${t.join('')}`;
        const parsed = parseResourcePattern(pattern, false);
        const expected = reference(pattern, text);
        expect(matchesSome(parsed.whole, textTokens(text))).toBe(expected);
        expect(matchesAll(parsed.whole, textTokens(text))).toBe(expected);
      }),
    );
  });
});
