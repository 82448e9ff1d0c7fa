import { matchResource, type ResourceMatch, type ResourceSubject } from './arn';
import type {
  ActionPatternEntry,
  ConditionEntry,
  Effect,
  ParsedPolicy,
  PolicyStatement,
  ResourcePatternEntry,
  StatementRef,
} from './policy';
import { globMatch } from './wildcard';

export type Decision = 'allowed' | 'explicit_deny' | 'implicit_deny' | 'conditional';

/** Which element of a statement matched, and through which pattern. */
export interface ElementMatch {
  element: 'Action' | 'NotAction' | 'Resource' | 'NotResource';
  /** For Action/Resource the pattern that matched; for NotAction/NotResource the whole list (none matched). */
  patterns: string[];
  /** JSON path of the matching pattern (Action/Resource) or of the element (NotAction/NotResource). */
  path: string;
}

/** Why a statement may or may not apply when that cannot be settled offline. */
export type UnknownCause = 'condition' | 'policy_variable' | 'unknown_value' | 'malformed_arn';

export interface StatementVerdict {
  ref: StatementRef;
  effect: Effect;
  applies: 'yes' | 'no' | 'unknown';
  action?: ElementMatch;
  resource?: ElementMatch;
  /** The statement's Condition, when it has one. */
  condition?: ConditionEntry[];
  unknownCause?: UnknownCause;
  /** One line, in words. */
  reason: string;
}

export interface PairEvaluation {
  action: string;
  resource: string;
  decision: Decision;
  /** The statement that decided the pair (none for an implicit deny). */
  decidedBy?: StatementVerdict;
  reason: string;
  /** Other statements worth knowing about: near misses, further unknown statements. */
  notes: string[];
}

export function describeRef(ref: StatementRef, withPolicy = false): string {
  const sid = ref.sid ? ` "${ref.sid}"` : '';
  return `statement ${ref.index}${sid}${withPolicy ? ` of ${ref.policy}` : ''}`;
}

function matchAction(
  statement: PolicyStatement,
  action: string,
): { matched: boolean; match?: ElementMatch; text: string } {
  if (statement.action) {
    const hit = statement.action.find((p) => globMatch(p.text, action, true));
    if (hit) {
      const how = hit.text === action ? '' : ` matches ${action}`;
      return {
        matched: true,
        match: { element: 'Action', patterns: [hit.text], path: hit.path },
        text: `Action ${hit.text}${how}`,
      };
    }
    return { matched: false, text: `Action does not include ${action}` };
  }
  const list: ActionPatternEntry[] = statement.notAction ?? [];
  const hit = list.find((p) => globMatch(p.text, action, true));
  const path = list[0]?.path.replace(/\[\d+\]$/, '') ?? `${statement.ref.path}.NotAction`;
  if (hit)
    return {
      matched: false,
      text: `NotAction lists ${action} (via ${hit.text}), so the statement excludes it`,
    };
  return {
    matched: true,
    match: { element: 'NotAction', patterns: list.map((p) => p.text), path },
    text: `NotAction [${list.map((p) => p.text).join(', ')}] does not list ${action}`,
  };
}

interface ResourceOutcome {
  applies: 'yes' | 'no' | 'unknown';
  match?: ElementMatch;
  unknownCause?: UnknownCause;
  text: string;
}

function uncertainty(entry: ResourcePatternEntry, target: ResourceSubject): UnknownCause | 'generated' {
  if (entry.pattern.variables.length > 0) return 'policy_variable';
  if (!entry.pattern.definitive) return 'malformed_arn';
  return target.slots.some((s) => s.kind === 'unknown') ? 'unknown_value' : 'generated';
}

function unknownWords(cause: UnknownCause, entry: ResourcePatternEntry, target: ResourceSubject): string {
  switch (cause) {
    case 'policy_variable':
      return `Resource ${entry.text} uses ${entry.pattern.variables.map((v) => `\${${v}}`).join(', ')}, which cannot be resolved offline`;
    case 'malformed_arn':
      return `Resource ${entry.text} is not a well-formed ARN; AWS may reject it or read it differently`;
    case 'unknown_value': {
      const names = target.slots.filter((s) => s.kind === 'unknown').map((s) => `{${s.name}}`);
      return `Resource ${entry.text} matches ${target.text} only for some values of ${names.join(', ')}: it depends on the real value`;
    }
    case 'condition':
      return '';
  }
}

function matchResources(statement: PolicyStatement, target: ResourceSubject): ResourceOutcome {
  const negated = statement.resource === undefined;
  const list = statement.resource ?? statement.notResource ?? [];
  const results: { entry: ResourcePatternEntry; result: ResourceMatch }[] = list.map((entry) => ({
    entry,
    result: matchResource(entry.pattern, target),
  }));
  const full = results.find((r) => r.result.all);
  const partial = results.find((r) => r.result.some && !r.result.all);
  const elementPath = list[0]?.path.replace(/\[\d+\]$/, '') ?? `${statement.ref.path}.NotResource`;

  if (!negated) {
    if (full) {
      const how = full.entry.text === target.text ? '' : ` matches ${target.text}`;
      return {
        applies: 'yes',
        match: { element: 'Resource', patterns: [full.entry.text], path: full.entry.path },
        text: `Resource ${full.entry.text}${how}`,
      };
    }
    if (partial) {
      const match: ElementMatch = {
        element: 'Resource',
        patterns: [partial.entry.text],
        path: partial.entry.path,
      };
      const cause = uncertainty(partial.entry, target);
      if (cause === 'generated') {
        // Feast makes a fresh key on every run: an Allow must cover them all, a Deny that hits some bites.
        return statement.effect === 'Allow'
          ? {
              applies: 'no',
              text: `Resource ${partial.entry.text} covers only some of the keys Feast generates per run (${target.text})`,
            }
          : {
              applies: 'yes',
              match,
              text: `Resource ${partial.entry.text} denies some of the keys Feast generates per run (${target.text})`,
            };
      }
      return {
        applies: 'unknown',
        match,
        unknownCause: cause,
        text: unknownWords(cause, partial.entry, target),
      };
    }
    const caseHint = results.find((r) => r.result.mismatch?.includes('differs in case'));
    const first = caseHint ?? results[0];
    return { applies: 'no', text: first?.result.mismatch ?? `Resource does not match ${target.text}` };
  }

  const patterns = list.map((e) => e.text);
  if (full)
    return { applies: 'no', text: `NotResource lists ${full.entry.text}, which covers ${target.text}` };
  const match: ElementMatch = { element: 'NotResource', patterns, path: elementPath };
  if (partial) {
    const cause = uncertainty(partial.entry, target);
    if (cause === 'generated') {
      return statement.effect === 'Allow'
        ? {
            applies: 'no',
            text: `NotResource ${partial.entry.text} excludes some of the keys Feast generates per run (${target.text})`,
          }
        : {
            applies: 'yes',
            match,
            text: `NotResource [${patterns.join(', ')}] leaves some of the keys Feast generates per run (${target.text}) denied`,
          };
    }
    return {
      applies: 'unknown',
      match,
      unknownCause: cause,
      text: unknownWords(cause, partial.entry, target),
    };
  }
  return {
    applies: 'yes',
    match,
    text: `NotResource [${patterns.join(', ')}] does not include ${target.text}`,
  };
}

function conditionWords(condition: ConditionEntry[]): string {
  return condition.map((c) => `${c.operator} ${c.key}`).join(', ');
}

/** Whether one statement applies to an (action, resource) pair, and why. */
export function judgeStatement(
  statement: PolicyStatement,
  action: string,
  target: ResourceSubject,
): StatementVerdict {
  const base = { ref: statement.ref, effect: statement.effect };
  const actionResult = matchAction(statement, action);
  if (!actionResult.matched) return { ...base, applies: 'no', reason: actionResult.text };
  const resourceResult = matchResources(statement, target);
  const verdict: StatementVerdict = {
    ...base,
    applies: resourceResult.applies,
    ...(actionResult.match ? { action: actionResult.match } : {}),
    ...(resourceResult.match ? { resource: resourceResult.match } : {}),
    ...(resourceResult.unknownCause ? { unknownCause: resourceResult.unknownCause } : {}),
    reason: `${actionResult.text}; ${resourceResult.text}`,
  };
  if (resourceResult.applies === 'no') return verdict;
  const condition = statement.condition ?? [];
  if (condition.length > 0) {
    verdict.condition = condition;
    verdict.applies = 'unknown';
    verdict.unknownCause ??= 'condition';
    verdict.reason += `; only if its Condition holds (${conditionWords(condition)}), which cannot be evaluated offline`;
  }
  return verdict;
}

/**
 * Evaluates one pair against identity policies, as AWS does within one account: default deny, any matching
 * Deny wins, otherwise any matching Allow allows. Statements that cannot be settled offline (a Condition, an
 * unresolved variable, an unknown workgroup ID) make the answer conditional rather than a guess.
 */
export function evaluatePair(
  policies: ParsedPolicy[],
  action: string,
  target: ResourceSubject,
): PairEvaluation {
  const withPolicy = policies.length > 1;
  const verdicts = policies.flatMap((p) => p.statements.map((s) => judgeStatement(s, action, target)));
  const denies = verdicts.filter((v) => v.effect === 'Deny');
  const allows = verdicts.filter((v) => v.effect === 'Allow');
  const denyYes = denies.find((v) => v.applies === 'yes');
  const denyUnknown = denies.filter((v) => v.applies === 'unknown');
  const allowYes = allows.find((v) => v.applies === 'yes');
  const allowUnknown = allows.filter((v) => v.applies === 'unknown');
  const base = { action, resource: target.text };
  const name = (v: StatementVerdict) => describeRef(v.ref, withPolicy);

  if (denyYes) {
    const notes = allowYes ? [`${name(allowYes)} allows it, but an explicit Deny always wins`] : [];
    return {
      ...base,
      decision: 'explicit_deny',
      decidedBy: denyYes,
      reason: `Denied by ${name(denyYes)}: ${denyYes.reason}`,
      notes,
    };
  }
  if (allowYes && denyUnknown.length === 0) {
    return {
      ...base,
      decision: 'allowed',
      decidedBy: allowYes,
      reason: `Allowed by ${name(allowYes)}: ${allowYes.reason}`,
      notes: [],
    };
  }
  if (allowYes) {
    const deny = denyUnknown[0] as StatementVerdict;
    return {
      ...base,
      decision: 'conditional',
      decidedBy: deny,
      reason: `Allowed by ${name(allowYes)}, but ${name(deny)} may deny it: ${deny.reason}`,
      notes: denyUnknown.slice(1).map((v) => `${name(v)} may also deny it: ${v.reason}`),
    };
  }
  if (allowUnknown.length > 0) {
    const allow = allowUnknown[0] as StatementVerdict;
    return {
      ...base,
      decision: 'conditional',
      decidedBy: allow,
      reason: `Only ${name(allow)} may allow it: ${allow.reason}`,
      notes: [
        ...allowUnknown.slice(1).map((v) => `${name(v)} may also allow it: ${v.reason}`),
        ...denyUnknown.map((v) => `${name(v)} may deny it: ${v.reason}`),
      ],
    };
  }
  // Near misses: Allow statements that name the action but not this resource.
  const nearMisses = allows.filter((v) => v.action !== undefined).map((v) => `${name(v)}: ${v.reason}`);
  return {
    ...base,
    decision: 'implicit_deny',
    reason:
      nearMisses.length > 0
        ? `No statement allows ${action} on ${target.text}; closest: ${nearMisses[0]}`
        : `No statement allows ${action} on ${target.text}`,
    notes: nearMisses.slice(1),
  };
}
