/**
 * IAM wildcard matching (`*` any run of characters, `?` exactly one) between a policy pattern and a subject
 * that may hold unknown parts: a workgroup ID we were not told, or a UUID Feast generates on every run. The
 * subject is a sequence of positions, each a set of characters it may hold, or an unknown run of any length.
 */

export type PatternToken =
  | { t: 'lit'; c: string }
  /** `?`; with `inSegment` it cannot stand for a colon. */
  | { t: 'one'; inSegment?: boolean }
  /** `*`; with `inSegment` it cannot run across a colon. */
  | { t: 'any'; inSegment?: boolean }
  /** A policy variable whose value is unknown offline; it may stand for any text. */
  | { t: 'var'; name: string };

export type SubjectToken =
  /** One character drawn from `chars` (a single character for ordinary text). */
  | { t: 'char'; chars: string }
  /** Any text, any length (an unknown user-chosen name), without the characters in `except`. */
  | { t: 'run'; except?: string };

/** Turns a glob string into pattern tokens, wildcards free to span anything (action names). */
export function globTokens(pattern: string): PatternToken[] {
  return [...pattern].map((c) => (c === '*' ? { t: 'any' } : c === '?' ? { t: 'one' } : { t: 'lit', c }));
}

/** Subject tokens for plain text. */
export function textTokens(text: string): SubjectToken[] {
  return [...text].map((c) => ({ t: 'char', chars: c }));
}

function fold(c: string, ignoreCase: boolean): string {
  return ignoreCase ? c.toLowerCase() : c;
}

/** Characters a wildcard token may stand for, given its segment rule. */
function wildcardTakes(p: PatternToken, c: string): boolean {
  return !((p.t === 'one' || p.t === 'any') && p.inSegment && c === ':');
}

/**
 * True when some value of the subject matches the pattern. Each unknown position is chosen independently,
 * so one alignment of pattern and subject is enough, and a dynamic programme over both finds it.
 */
export function matchesSome(pattern: PatternToken[], subject: SubjectToken[], ignoreCase = false): boolean {
  const n = pattern.length;
  const m = subject.length;
  // can[i][j]: pattern[i..] matches some value of subject[j..].
  const can: boolean[][] = Array.from({ length: n + 1 }, () => new Array<boolean>(m + 1).fill(false));
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      const p = pattern[i];
      const s = subject[j];
      const row = can[i] as boolean[];
      const below = can[i + 1];
      if (p === undefined) {
        // Only unknown runs (taken as empty) may remain.
        row[j] = s === undefined || (s.t === 'run' && (row[j + 1] ?? false));
        continue;
      }
      let ok = false;
      if (p.t === 'any' || p.t === 'var') {
        // Skip the wildcard, or let it take the next subject position (a run can always be chosen to fit).
        const takes = s !== undefined && (s.t === 'run' || [...s.chars].some((c) => wildcardTakes(p, c)));
        ok = (below?.[j] ?? false) || (takes && (row[j + 1] ?? false));
      }
      if (!ok && s?.t === 'run') {
        // The run may be empty, or absorb this pattern token.
        const absorbs = p.t !== 'lit' || !(s.except ?? '').includes(p.c);
        ok = (row[j + 1] ?? false) || (absorbs && (below?.[j] ?? false));
      }
      if (!ok && s?.t === 'char') {
        const fits =
          p.t === 'var' ||
          ((p.t === 'one' || p.t === 'any') && [...s.chars].some((c) => wildcardTakes(p, c))) ||
          (p.t === 'lit' && [...s.chars].some((c) => fold(c, ignoreCase) === fold(p.c, ignoreCase)));
        if (fits) ok = below?.[j + 1] ?? false;
      }
      row[j] = ok;
    }
  }
  return can[0]?.[0] ?? false;
}

/**
 * True when every value of the subject matches the pattern. This is a sufficient test: it looks for one
 * alignment that works whatever the unknown positions hold (a literal only meets a position that can hold
 * nothing else; an unknown run only meets `*`). Variables never count as covering. For plain text subjects it
 * is exact and equals {@link matchesSome}.
 */
export function matchesAll(pattern: PatternToken[], subject: SubjectToken[]): boolean {
  if (pattern.some((p) => p.t === 'var')) return false;
  const n = pattern.length;
  const m = subject.length;
  const all: boolean[][] = Array.from({ length: n + 1 }, () => new Array<boolean>(m + 1).fill(false));
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      const p = pattern[i];
      const s = subject[j];
      const row = all[i] as boolean[];
      const below = all[i + 1];
      if (p === undefined) {
        row[j] = s === undefined;
        continue;
      }
      let ok = false;
      if (p.t === 'any') {
        const takesEvery =
          s !== undefined &&
          (s.t === 'run'
            ? !p.inSegment || (s.except ?? '').includes(':')
            : [...s.chars].every((c) => wildcardTakes(p, c)));
        ok = (below?.[j] ?? false) || (takesEvery && (row[j + 1] ?? false));
      }
      if (!ok && s?.t === 'char') {
        const fits =
          (p.t === 'one' && [...s.chars].every((c) => wildcardTakes(p, c))) ||
          (p.t === 'lit' && s.chars === p.c);
        if (fits) ok = below?.[j + 1] ?? false;
      }
      row[j] = ok;
    }
  }
  return all[0]?.[0] ?? false;
}

/** Plain glob match of a pattern string against a text (used for action names). */
export function globMatch(pattern: string, text: string, ignoreCase: boolean): boolean {
  return matchesSome(globTokens(pattern), textTokens(text), ignoreCase);
}
