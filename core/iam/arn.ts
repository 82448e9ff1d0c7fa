import { matchesAll, matchesSome, textTokens, type PatternToken, type SubjectToken } from './wildcard';

/** The six colon-separated parts of an ARN; the last one may itself contain colons. */
export const ARN_SEGMENTS = ['prefix', 'partition', 'service', 'region', 'account', 'resource'] as const;
export type ArnSegment = (typeof ARN_SEGMENTS)[number];

export const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

/** The partition a region belongs to. */
export function partitionForRegion(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

/** Splits a plain ARN into its six parts, or undefined when it has fewer than six or does not start with arn. */
export function splitArn(arn: string): Record<ArnSegment, string> | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [prefix, partition, service, region, account] = parts as [string, string, string, string, string];
  return { prefix, partition, service, region, account, resource: parts.slice(5).join(':') };
}

// ---------------------------------------------------------------------------------------------------------
// Subjects: the resources a command needs, possibly with unknown parts.

export type SlotKind =
  /** One fixed value we were not told (the workgroup ID, the account): a partial match "depends" on it. */
  | 'unknown'
  /** A fresh value on every run (UUIDs in staging keys): an Allow must cover all of them. */
  | 'generated';

export interface Slot {
  /** Shown in the resource text as `{name}`. */
  name: string;
  kind: SlotKind;
  /** `text`: any text; `name`: any text without `/` (a bucket, a cluster...). */
  shape: 'uuid' | 'hex32' | 'digits12' | 'text' | 'name';
}

const HEX = '0123456789abcdef';
const DIGITS = '0123456789';

function slotTokens(slot: Slot): SubjectToken[] {
  switch (slot.shape) {
    case 'uuid':
      return [...'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'].map((c) =>
        c === '-' ? { t: 'char', chars: '-' } : { t: 'char', chars: HEX },
      );
    case 'hex32':
      return Array.from({ length: 32 }, () => ({ t: 'char', chars: HEX }));
    case 'digits12':
      return Array.from({ length: 12 }, () => ({ t: 'char', chars: DIGITS }));
    case 'text':
      return [{ t: 'run' }];
    case 'name':
      return [{ t: 'run', except: '/' }];
  }
}

/** A resource the checker asks about: an ARN (or `*`), possibly with unknown parts. */
export interface ResourceSubject {
  /** The text shown to users; unknown parts appear as `{name}`. */
  text: string;
  /** Tokens per ARN part, or undefined for a non-ARN subject such as `*`, matched as a whole. */
  segments?: SubjectToken[][];
  whole: SubjectToken[];
  slots: Slot[];
  /** The literal text and slots it was built from, for rendering with other placeholders. */
  parts: (string | Slot)[];
}

/** Builds a subject from literal strings and slots. */
export function subject(...parts: (string | Slot)[]): ResourceSubject {
  const whole: SubjectToken[] = [];
  const slots: Slot[] = [];
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      text += part;
      whole.push(...textTokens(part));
    } else {
      text += `{${part.name}}`;
      whole.push(...slotTokens(part));
      slots.push(part);
    }
  }
  const segments: SubjectToken[][] = [[]];
  for (const token of whole) {
    const current = segments[segments.length - 1] as SubjectToken[];
    if (token.t === 'char' && token.chars === ':' && segments.length < 6) segments.push([]);
    else current.push(token);
  }
  const isArn = segments.length === 6 && text.startsWith('arn:');
  return { text, whole, slots, parts, ...(isArn ? { segments } : {}) };
}

// ---------------------------------------------------------------------------------------------------------
// Patterns: Resource / NotResource values from a policy.

export interface ResourcePattern {
  text: string;
  /**
   * The pattern as tokens. `*` and `?` stay inside a colon-separated part, except that a `*` ending a part
   * may run across colons (as the IAM User Guide describes for Resource).
   */
  whole: PatternToken[];
  /** Tokens per ARN part (the sixth holds the rest), for saying which part differs. */
  segments?: PatternToken[][];
  /** Policy variables left unresolved (their names). */
  variables: string[];
  /** Why the text is not a well-formed ARN pattern; empty when it is (or is the lone `*`). */
  malformed: string[];
  /** False when AWS would reject or might read the text differently; a match then stays uncertain. */
  definitive: boolean;
}

/**
 * Reads a Resource value. With `variables` (Version 2012-10-17) `${...}` is a policy variable: `${*}`, `${?}`
 * and `${$}` stand for the literal characters, anything else is unknown offline. Without it, `${...}` is text.
 */
export function parseResourcePattern(text: string, variables: boolean): ResourcePattern {
  const whole: PatternToken[] = [];
  const names: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (variables && text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end > i) {
        const inner = text.slice(i + 2, end).trim();
        if (inner === '*' || inner === '?' || inner === '$') whole.push({ t: 'lit', c: inner });
        else {
          const name = (inner.split(',')[0] ?? '').trim();
          whole.push({ t: 'var', name });
          names.push(name);
        }
        i = end + 1;
        continue;
      }
    }
    const c = text[i] as string;
    whole.push(c === '*' ? { t: 'any' } : c === '?' ? { t: 'one', inSegment: true } : { t: 'lit', c });
    i++;
  }
  whole.forEach((token, k) => {
    const next = whole[k + 1];
    const endsPart = next === undefined || (next.t === 'lit' && next.c === ':');
    if (token.t === 'any' && !endsPart) token.inSegment = true;
  });
  const segments: PatternToken[][] = [[]];
  for (const token of whole) {
    const current = segments[segments.length - 1] as PatternToken[];
    if (token.t === 'lit' && token.c === ':' && segments.length < 6) segments.push([]);
    else current.push(token);
  }
  const malformed: string[] = [];
  let definitive = true;
  if (text !== '*') {
    if (!text.startsWith('arn:')) {
      malformed.push('does not start with "arn:"');
      definitive = false;
    } else if (segments.length < 6) {
      const last = whole[whole.length - 1];
      malformed.push(
        last?.t === 'any'
          ? `has ${segments.length} colon-separated parts instead of 6 (arn:partition:service:region:account:resource); its final * stands for the rest`
          : `has ${segments.length} colon-separated parts; an ARN has at least 6 (arn:partition:service:region:account:resource), so it matches nothing`,
      );
    }
    if (segments[2]?.some((t) => t.t !== 'lit')) {
      malformed.push('has a wildcard or variable in the service part, which AWS does not allow');
      definitive = false;
    }
  }
  return {
    text,
    whole,
    variables: names,
    malformed,
    definitive,
    ...(text.startsWith('arn:') ? { segments } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Matching.

export interface ResourceMatch {
  /** Some value of the subject matches (variables taken as any text). */
  some: boolean;
  /** Every value of the subject matches, with certainty (no variables, a definitive pattern). */
  all: boolean;
  /** When `some` is false: in words, why not. */
  mismatch?: string;
}

function tokensText(tokens: PatternToken[]): string {
  return tokens
    .map((t) => (t.t === 'lit' ? t.c : t.t === 'one' ? '?' : t.t === 'any' ? '*' : `\${${t.name}}`))
    .join('');
}

function subjectText(tokens: SubjectToken[]): string {
  return tokens.map((t) => (t.t === 'run' ? '…' : t.chars.length === 1 ? t.chars : '?')).join('');
}

function mismatchReason(pattern: ResourcePattern, target: ResourceSubject): string {
  if (target.text === '*') {
    return `this action has no resource type, so AWS checks it against "*", which only Resource "*" matches; ${pattern.text} does not`;
  }
  const caseOnly = matchesSome(pattern.whole, target.whole, true);
  if (pattern.segments && target.segments && pattern.segments.length === 6) {
    for (let k = 0; k < 6; k++) {
      const tokens = pattern.segments[k] ?? [];
      const subjectTokens = target.segments[k] ?? [];
      if (matchesSome(tokens, subjectTokens)) continue;
      const name = ARN_SEGMENTS[k] as ArnSegment;
      const differsInCase = caseOnly && matchesSome(tokens, subjectTokens, true);
      if (name === 'resource') {
        return differsInCase
          ? `Resource ${pattern.text} differs in case from ${target.text}`
          : `Resource ${pattern.text} does not match ${target.text}`;
      }
      const written = tokensText(tokens);
      const expected = subjectText(subjectTokens);
      return differsInCase
        ? `the ${name} "${written}" differs in case from "${expected}"`
        : `the ${name} "${written}" does not match "${expected}" in ${target.text}`;
    }
  }
  return caseOnly
    ? `Resource ${pattern.text} differs in case from ${target.text}`
    : `Resource ${pattern.text} does not match ${target.text}`;
}

/** Matches one Resource pattern against one subject, case-sensitively. */
export function matchResource(pattern: ResourcePattern, target: ResourceSubject): ResourceMatch {
  const some = matchesSome(pattern.whole, target.whole);
  if (!some) return { some, all: false, mismatch: mismatchReason(pattern, target) };
  const all = pattern.definitive && pattern.variables.length === 0 && matchesAll(pattern.whole, target.whole);
  return { some, all };
}
