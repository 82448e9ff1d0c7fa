import type { Decision } from './evaluate';
import type { ConditionEntry, ParsedPolicy, PolicyStatement, StatementRef } from './policy';
import type { OfflineStoreFacts } from './requirements';
import { globMatch } from './wildcard';

export const REDSHIFT_SERVICE = 'redshift.amazonaws.com';
export const REDSHIFT_SERVERLESS_SERVICE = 'redshift-serverless.amazonaws.com';

/** The service principals that must be able to assume the iam_role. */
export function trustedServicesFor(facts: OfflineStoreFacts): string[] {
  return facts.target.kind === 'serverless'
    ? [REDSHIFT_SERVICE, REDSHIFT_SERVERLESS_SERVICE]
    : [REDSHIFT_SERVICE];
}

export interface TrustVerdict {
  service: string;
  decision: Decision;
  statement?: StatementRef;
  reason: string;
}

export interface TrustCheck {
  ok: boolean;
  services: TrustVerdict[];
  /** Things that are not wrong but worth a look (a Principal of "*", a guard that cannot be resolved). */
  notes: string[];
}

type Tri = 'yes' | 'no' | 'unknown';

/** Keys whose value we know when Redshift assumes the role: absent (undefined) or a fixed string. */
function knownContext(facts: OfflineStoreFacts, service: string): Map<string, string | undefined> {
  const context = new Map<string, string | undefined>();
  // Redshift never sends an external ID, so conditions requiring one can never hold for it.
  context.set('sts:externalid', undefined);
  context.set('aws:principalservicename', service);
  if (typeof facts.account === 'string') context.set('aws:sourceaccount', facts.account);
  return context;
}

/** Evaluates one condition entry against known context values; unknown keys give 'unknown'. */
function evaluateCondition(
  entry: ConditionEntry,
  context: Map<string, string | undefined>,
): { result: Tri; why: string } {
  const key = entry.key.toLowerCase();
  if (!context.has(key))
    return { result: 'unknown', why: `${entry.operator} ${entry.key} cannot be evaluated offline` };
  if (/^For(Any|All)Value:/i.test(entry.operator)) {
    return { result: 'unknown', why: `${entry.operator} ${entry.key} cannot be evaluated offline` };
  }
  const value = context.get(key);
  let operator = entry.operator;
  const ifExists = /IfExists$/.test(operator);
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);
  if (operator === 'Null') {
    const wantsAbsent = entry.values.some((v) => v === 'true');
    const holds = (value === undefined) === wantsAbsent;
    return { result: holds ? 'yes' : 'no', why: `Null ${entry.key} ${holds ? 'holds' : 'fails'}` };
  }
  const negated = /Not(Equals|Like|IpAddress)/.test(operator) || /^ArnNot/.test(operator);
  if (value === undefined) {
    const holds = negated || ifExists;
    const why =
      key === 'sts:externalid'
        ? `${entry.operator} sts:ExternalId ${holds ? 'holds' : 'fails'}: Redshift does not send an external ID`
        : `${entry.operator} ${entry.key} ${holds ? 'holds' : 'fails'}: the key is absent`;
    return { result: holds ? 'yes' : 'no', why };
  }
  let matches: boolean;
  if (/Like$/.test(operator)) matches = entry.values.some((v) => globMatch(v, value, false));
  else if (/^String(Not)?EqualsIgnoreCase$/.test(operator))
    matches = entry.values.some((v) => v.toLowerCase() === value.toLowerCase());
  else if (/^(String|Arn)(Not)?Equals$/.test(operator)) matches = entry.values.includes(value);
  else return { result: 'unknown', why: `${entry.operator} ${entry.key} cannot be evaluated offline` };
  const holds = negated ? !matches : matches;
  return {
    result: holds ? 'yes' : 'no',
    why: `${entry.operator} ${entry.key} ${holds ? 'holds' : 'fails'} for ${value}`,
  };
}

function principalNames(statement: PolicyStatement, service: string): Tri {
  const has = (list: string[]) => list.some((s) => s.toLowerCase() === service);
  if (statement.principal) return statement.principal.any || has(statement.principal.services) ? 'yes' : 'no';
  if (statement.notPrincipal) return has(statement.notPrincipal.services) ? 'no' : 'yes';
  return 'no';
}

function judgeTrust(
  statement: PolicyStatement,
  service: string,
  context: Map<string, string | undefined>,
): { applies: Tri; why: string } {
  const action = 'sts:AssumeRole';
  const actionHit = statement.action
    ? statement.action.some((p) => globMatch(p.text, action, true))
    : !(statement.notAction ?? []).some((p) => globMatch(p.text, action, true));
  if (!actionHit) return { applies: 'no', why: `does not grant ${action}` };
  if (principalNames(statement, service) === 'no')
    return { applies: 'no', why: `does not name the principal ${service}` };
  let applies: Tri = 'yes';
  const whys: string[] = [];
  for (const entry of statement.condition ?? []) {
    const result = evaluateCondition(entry, context);
    whys.push(result.why);
    if (result.result === 'no') return { applies: 'no', why: result.why };
    if (result.result === 'unknown') applies = 'unknown';
  }
  return {
    applies,
    why:
      whys.length > 0
        ? `names ${service} for ${action}; ${whys.join('; ')}`
        : `names ${service} for ${action}`,
  };
}

/** Checks that Redshift (and, for Serverless, Redshift Serverless) can assume the role. */
export function checkTrustPolicy(trust: ParsedPolicy, facts: OfflineStoreFacts): TrustCheck {
  const notes: string[] = [];
  for (const statement of trust.statements) {
    if (statement.effect === 'Allow' && statement.principal?.any) {
      notes.push(
        `statement ${statement.ref.index} lets any principal ("*") assume the role; name the Redshift service instead`,
      );
    }
  }
  const services = trustedServicesFor(facts).map((service): TrustVerdict => {
    const context = knownContext(facts, service);
    const verdicts = trust.statements.map((s) => ({ s, ...judgeTrust(s, service, context) }));
    const deny = verdicts.find((v) => v.s.effect === 'Deny' && v.applies === 'yes');
    const denyUnknown = verdicts.find((v) => v.s.effect === 'Deny' && v.applies === 'unknown');
    const allow = verdicts.find((v) => v.s.effect === 'Allow' && v.applies === 'yes');
    const allowUnknown = verdicts.find((v) => v.s.effect === 'Allow' && v.applies === 'unknown');
    const label = (v: { s: PolicyStatement }) =>
      `statement ${v.s.ref.index}${v.s.ref.sid ? ` "${v.s.ref.sid}"` : ''}`;
    if (deny)
      return {
        service,
        decision: 'explicit_deny',
        statement: deny.s.ref,
        reason: `Denied by ${label(deny)}: ${deny.why}`,
      };
    if (allow && !denyUnknown)
      return { service, decision: 'allowed', statement: allow.s.ref, reason: `${label(allow)} ${allow.why}` };
    if (allow && denyUnknown) {
      return {
        service,
        decision: 'conditional',
        statement: denyUnknown.s.ref,
        reason: `${label(allow)} allows it, but ${label(denyUnknown)} may deny: ${denyUnknown.why}`,
      };
    }
    if (allowUnknown)
      return {
        service,
        decision: 'conditional',
        statement: allowUnknown.s.ref,
        reason: `Only ${label(allowUnknown)} may allow it: ${allowUnknown.why}`,
      };
    const near =
      verdicts.find((v) => v.s.effect === 'Allow' && v.why.startsWith(`names`)) ??
      verdicts.find((v) => v.s.effect === 'Allow');
    return {
      service,
      decision: 'implicit_deny',
      reason: near
        ? `No statement lets ${service} call sts:AssumeRole; ${label(near)} ${near.why}`
        : `No statement lets ${service} call sts:AssumeRole`,
    };
  });
  return { ok: services.every((s) => s.decision === 'allowed'), services, notes };
}

export interface NotCheckedItem {
  item: string;
  detail: string;
}

/** What no policy document given to the checker can show; always reported. */
export function notCheckedItems(
  facts: OfflineStoreFacts,
  supplied: { roleTrust: boolean; rolePolicy: boolean },
): NotCheckedItem[] {
  const serverless = facts.target.kind === 'serverless';
  const home =
    facts.target.kind === 'serverless'
      ? `the namespace of workgroup ${facts.target.workgroup}`
      : `cluster ${facts.target.clusterId}`;
  const items: NotCheckedItem[] = [
    {
      item: 'role association',
      detail: `iam_role ${facts.iamRole} must be associated with ${home} (status in-sync); check with ${
        serverless ? 'aws redshift-serverless get-namespace' : 'aws redshift describe-clusters'
      }. Associating it needs iam:PassRole once, by whoever attaches it; Feast itself never needs PassRole.`,
    },
    {
      item: 'bucket policy',
      detail: `a bucket policy on ${facts.bucket} can deny (or grant) access regardless of these identity policies`,
    },
    {
      item: 'organization and boundary policies',
      detail: 'assumes no SCP, RCP, permission boundary or session policy restricts the caller or the role',
    },
    {
      item: 'KMS',
      detail: `if ${facts.bucket} uses SSE-KMS with a customer managed key, its key policy must allow kms:Decrypt and kms:GenerateDataKey to both the caller and the role`,
    },
    {
      item: 'database grants',
      detail:
        'the database user needs CREATE on the schema where Feast makes entity tables, and ASSUMEROLE on the iam_role if it was revoked from PUBLIC (SELECT has_assumerole_privilege(...))',
    },
    {
      item: 'bucket region',
      detail: `the staging bucket should be in ${facts.region}, the region of the offline store`,
    },
    {
      item: 'per-source databases',
      detail: `sources that set their own database need ${
        serverless ? 'credentials for that database' : 'redshift:GetClusterCredentials on that dbname ARN'
      }; only offline_store.database (${facts.database}) is checked`,
    },
    {
      item: 'registry and online store',
      detail:
        'permissions for the registry (S3 or SQL) and the online store (e.g. DynamoDB) are outside the offline store and not checked',
    },
  ];
  if (!supplied.roleTrust)
    items.push({
      item: 'role trust policy',
      detail: 'not supplied; pass --role-trust FILE to check who can assume the role',
    });
  if (!supplied.rolePolicy)
    items.push({
      item: 'role permission policy',
      detail: 'not supplied; pass --role-policy FILE to check the S3 access COPY and UNLOAD need',
    });
  return items;
}
