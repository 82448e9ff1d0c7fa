/** IAM permission checking for the Redshift offline store: requirements, evaluation, minimal policies. */
export { parsePolicy, assertPolicyValid } from './policy';
export type { ParsedPolicy, PolicyFinding, PolicyKind, PolicyStatement, StatementRef } from './policy';
export { evaluatePair, judgeStatement } from './evaluate';
export type { Decision, PairEvaluation, StatementVerdict, ElementMatch, UnknownCause } from './evaluate';
export {
  ALL_COMMANDS,
  DOCUMENTED_COMMANDS,
  EXTRA_COMMANDS,
  commandsForMode,
  isFeastCommand,
  offlineStoreFacts,
  requirementsFor,
  roleRequirementsFor,
} from './requirements';
export type {
  CheckMode,
  FeastCommand,
  DocumentedCommand,
  OfflineStoreFacts,
  Difference,
  RequiredPair,
} from './requirements';
export { checkPermissions, checkExitCode } from './check';
export type { CommandCheck, PairDetail, PairJson, RoleReport, StatementJson, CheckOptions } from './check';
export { checkTrustPolicy, notCheckedItems } from './role';
export type { TrustCheck, NotCheckedItem } from './role';
export { minimalPolicy, minimalRolePolicy, minimalTrustPolicy } from './minimal-policy';
export type { GeneratedPolicy, PolicyDocumentJson, TrustPolicyJson } from './minimal-policy';
export { formatCheckText } from './text-report';
export { parseJsonWithPositions } from '../text/json-positions';
