import type { RepoConfig } from '../config/model';
import type { ResourceSubject } from './arn';
import {
  evaluatePair,
  type Decision,
  type ElementMatch,
  type PairEvaluation,
  type UnknownCause,
} from './evaluate';
import {
  assertPolicyValid,
  type ConditionEntry,
  type Effect,
  type ParsedPolicy,
  type PolicyFinding,
} from './policy';
import {
  commandsForMode,
  offlineStoreFacts,
  requirementsFor,
  roleRequirementsFor,
  type CheckMode,
  type Difference,
  type FactOptions,
  type FeastCommand,
  type OfflineStoreFacts,
} from './requirements';
import { checkTrustPolicy, notCheckedItems, type NotCheckedItem, type TrustCheck } from './role';

/** A statement as results name it: document, index, Sid, JSON path and position. */
export interface StatementJson {
  policy: string;
  index: number;
  sid?: string;
  path: string;
  line?: number;
  column?: number;
  effect: Effect;
}

export interface PairJson {
  action: string;
  resource: string;
}

/** Everything about one pair: the decision, the statement that made it, and why, in words. */
export interface PairDetail extends PairJson {
  decision: Decision;
  statement: StatementJson | null;
  matched?: { action?: ElementMatch; resource?: ElementMatch };
  unknown_cause?: UnknownCause;
  condition?: ConditionEntry[];
  reason: string;
  notes: string[];
  /** Why the command needs the pair. */
  required_because: string;
  /** The pair (or its documented `<bucket>/*` form) appears in the documented table for this command. */
  documented: boolean;
}

export interface RolePairDetail extends PairDetail {
  use: 'COPY' | 'UNLOAD';
  required: boolean;
}

export interface RoleReport {
  ok: boolean;
  trust?: TrustCheck;
  permissions?: {
    ok: boolean;
    missing: PairJson[];
    conditional_pairs: PairJson[];
    pairs: RolePairDetail[];
  };
}

/** One command's result; the first eight fields are the `fwb iam check --json` contract. */
export interface CommandCheck {
  command: FeastCommand;
  mode: CheckMode;
  /** True only when `missing` and `conditional_pairs` are both empty. */
  allowed: boolean;
  /** Every implicitly or explicitly denied pair. */
  missing: PairJson[];
  /** The subset of `missing` an explicit Deny blocks. */
  explicit_deny: (PairJson & { statement: StatementJson })[];
  conditional: boolean;
  conditional_pairs: PairJson[];
  pairs: PairDetail[];
  /** Enforced mode: every difference from the documented table, with its reason. */
  differences: Difference[];
  /** Lint findings on the policy documents (unknown actions, malformed ARNs, ...). */
  warnings: PolicyFinding[];
  /** The iam_role, when its trust or permission policy was given. */
  role?: RoleReport;
  /** What no policy document can show. */
  not_checked: NotCheckedItem[];
  /** How placeholders were filled, and what is unknown. */
  notes: string[];
}

export interface CheckOptions extends FactOptions {
  /** Commands to check; defaults to every command of the mode. */
  commands?: readonly FeastCommand[];
  mode?: CheckMode;
  /** The iam_role's trust policy (kind 'trust') and permission policy (kind 'identity'). */
  roleTrust?: ParsedPolicy;
  rolePolicy?: ParsedPolicy;
}

function statementJson(evaluation: PairEvaluation): StatementJson | null {
  const verdict = evaluation.decidedBy;
  if (!verdict) return null;
  const { ref } = verdict;
  return {
    policy: ref.policy,
    index: ref.index,
    ...(ref.sid === undefined ? {} : { sid: ref.sid }),
    path: ref.path,
    ...(ref.line === undefined ? {} : { line: ref.line, column: ref.column }),
    effect: verdict.effect,
  };
}

function detail(
  policies: ParsedPolicy[],
  action: string,
  resource: ResourceSubject,
  why: string,
  documented: boolean,
): PairDetail {
  const evaluation = evaluatePair(policies, action, resource);
  const verdict = evaluation.decidedBy;
  const matched =
    verdict && (verdict.action || verdict.resource)
      ? {
          ...(verdict.action ? { action: verdict.action } : {}),
          ...(verdict.resource ? { resource: verdict.resource } : {}),
        }
      : undefined;
  return {
    action,
    resource: resource.text,
    decision: evaluation.decision,
    statement: statementJson(evaluation),
    ...(matched ? { matched } : {}),
    ...(verdict?.unknownCause && evaluation.decision === 'conditional'
      ? { unknown_cause: verdict.unknownCause }
      : {}),
    ...(verdict?.condition && evaluation.decision === 'conditional' ? { condition: verdict.condition } : {}),
    reason: evaluation.reason,
    notes: evaluation.notes,
    required_because: why,
    documented,
  };
}

const isMissing = (p: PairDetail) => p.decision === 'implicit_deny' || p.decision === 'explicit_deny';
const pairOf = (p: PairDetail): PairJson => ({ action: p.action, resource: p.resource });

function checkRole(
  command: FeastCommand,
  facts: OfflineStoreFacts,
  options: CheckOptions,
): RoleReport | undefined {
  if (!options.roleTrust && !options.rolePolicy) return undefined;
  const report: RoleReport = { ok: true };
  if (options.roleTrust) {
    report.trust = checkTrustPolicy(options.roleTrust, facts);
    report.ok &&= report.trust.ok;
  }
  if (options.rolePolicy) {
    const pairs = roleRequirementsFor(command, facts).map((r): RolePairDetail => ({
      ...detail([options.rolePolicy as ParsedPolicy], r.action, r.resource, `${r.use}: ${r.why}`, false),
      use: r.use,
      required: r.required,
    }));
    const required = pairs.filter((p) => p.required);
    const missing = required.filter(isMissing).map(pairOf);
    const conditional = required.filter((p) => p.decision === 'conditional').map(pairOf);
    const ok = missing.length === 0 && conditional.length === 0;
    report.permissions = { ok, missing, conditional_pairs: conditional, pairs };
    report.ok &&= ok;
  }
  return report;
}

/**
 * Checks identity policies against what each command needs, with no AWS call. Policies with errors (a
 * document AWS would refuse) throw InputInvalid; warnings travel with the results.
 */
export function checkPermissions(
  config: RepoConfig,
  policies: ParsedPolicy[],
  options: CheckOptions = {},
): CommandCheck[] {
  for (const policy of [
    ...policies,
    ...(options.roleTrust ? [options.roleTrust] : []),
    ...(options.rolePolicy ? [options.rolePolicy] : []),
  ]) {
    assertPolicyValid(policy);
  }
  const mode = options.mode ?? 'enforced';
  const facts = offlineStoreFacts(config, options);
  const commands = options.commands ?? commandsForMode(mode);
  const warnings = [
    policies,
    options.roleTrust ? [options.roleTrust] : [],
    options.rolePolicy ? [options.rolePolicy] : [],
  ]
    .flat()
    .flatMap((p) => p.findings.filter((f) => f.severity === 'warning'));
  const notChecked = notCheckedItems(facts, {
    roleTrust: !!options.roleTrust,
    rolePolicy: !!options.rolePolicy,
  });

  return commands.map((command): CommandCheck => {
    const requirements = requirementsFor(command, mode, facts);
    const pairs = requirements.pairs.map((r) => detail(policies, r.action, r.resource, r.why, r.documented));
    const missing = pairs.filter(isMissing).map(pairOf);
    const explicitDeny = pairs
      .filter((p) => p.decision === 'explicit_deny' && p.statement)
      .map((p) => ({ ...pairOf(p), statement: p.statement as StatementJson }));
    const conditionalPairs = pairs.filter((p) => p.decision === 'conditional').map(pairOf);
    const role = checkRole(command, facts, options);
    return {
      command,
      mode,
      allowed: missing.length === 0 && conditionalPairs.length === 0,
      missing,
      explicit_deny: explicitDeny,
      conditional: conditionalPairs.length > 0,
      conditional_pairs: conditionalPairs,
      pairs,
      differences: requirements.differences,
      warnings,
      ...(role ? { role } : {}),
      not_checked: notChecked,
      notes: facts.notes,
    };
  });
}

/** Exit status for a set of results: 0 when every command (and the role, if checked) passes, else 1. */
export function checkExitCode(results: CommandCheck[]): 0 | 1 {
  return results.every((r) => r.allowed && (r.role?.ok ?? true)) ? 0 : 1;
}
