import { WorkbenchError } from '../contract/errors';
import { catalogedActions, isKnownServicePrefix, knownServicePrefixes } from './action-catalog';
import {
  matchResource,
  parseResourcePattern,
  PARTITIONS,
  subject,
  type ResourcePattern,
  type Slot,
} from './arn';
import {
  jsonPath,
  parseJsonWithPositions,
  type JsonLocation,
  type PositionedJson,
} from '../text/json-positions';
import { globMatch } from './wildcard';

export type Effect = 'Allow' | 'Deny';
export type PolicyKind = 'identity' | 'trust';

/** Where a statement sits: which document, its index and Sid, its JSON path and position. */
export interface StatementRef {
  policy: string;
  index: number;
  sid?: string;
  path: string;
  line?: number;
  column?: number;
}

export interface ActionPatternEntry {
  text: string;
  path: string;
}

export interface ResourcePatternEntry {
  text: string;
  path: string;
  pattern: ResourcePattern;
}

export interface ConditionEntry {
  operator: string;
  key: string;
  values: string[];
}

/** A Principal element, normalised: `"*"` becomes `any`. */
export interface PrincipalEntry {
  any: boolean;
  services: string[];
  aws: string[];
  federated: string[];
  canonicalUser: string[];
}

export interface PolicyStatement {
  ref: StatementRef;
  effect: Effect;
  action?: ActionPatternEntry[];
  notAction?: ActionPatternEntry[];
  resource?: ResourcePatternEntry[];
  notResource?: ResourcePatternEntry[];
  principal?: PrincipalEntry;
  notPrincipal?: PrincipalEntry;
  condition?: ConditionEntry[];
}

export interface PolicyFinding {
  severity: 'error' | 'warning';
  /** Access-Analyzer-style code, e.g. UNKNOWN_ACTION, MALFORMED_ARN, RESOURCE_MISMATCH. */
  code: string;
  message: string;
  file: string;
  path: string;
  line?: number;
  column?: number;
}

export interface ParsedPolicy {
  /** How statements from this document are named in results (the file name). */
  name: string;
  file: string;
  kind: PolicyKind;
  version?: string;
  /** Policy variables are substituted only under Version 2012-10-17; otherwise `${...}` is literal text. */
  variablesEnabled: boolean;
  /** Valid statements only; a statement with an error is left out and reported in `findings`. */
  statements: PolicyStatement[];
  findings: PolicyFinding[];
}

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  'Condition',
]);
const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Closest catalogued name, for "did you mean" hints. */
function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const distance = levenshtein(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Resource shapes each well-known action is authorized against, for RESOURCE_MISMATCH warnings.
const anyText: Slot = { name: 'x', kind: 'unknown', shape: 'text' };
const aName: Slot = { name: 'x', kind: 'unknown', shape: 'name' };
const SHAPES = {
  bucket: { label: 'the bucket ARN arn:aws:s3:::<bucket>', subject: subject('arn:', aName, ':s3:::', aName) },
  object: {
    label: 'object ARNs arn:aws:s3:::<bucket>/<key>',
    subject: subject('arn:', aName, ':s3:::', aName, '/', anyText),
  },
  cluster: {
    label: 'the cluster ARN arn:aws:redshift:<region>:<account>:cluster:<cluster>',
    subject: subject('arn:', aName, ':redshift:', aName, ':', aName, ':cluster:', anyText),
  },
  workgroup: {
    label: 'the workgroup ARN arn:aws:redshift-serverless:<region>:<account>:workgroup/<workgroup-id>',
    subject: subject('arn:', aName, ':redshift-serverless:', aName, ':', aName, ':workgroup/', anyText),
  },
  dbuser: {
    label: 'the dbuser ARN arn:aws:redshift:<region>:<account>:dbuser:<cluster>/<user>',
    subject: subject('arn:', aName, ':redshift:', aName, ':', aName, ':dbuser:', anyText),
  },
  dbname: {
    label: 'the dbname ARN arn:aws:redshift:<region>:<account>:dbname:<cluster>/<database>',
    subject: subject('arn:', aName, ':redshift:', aName, ':', aName, ':dbname:', anyText),
  },
  star: { label: '"*" (the action has no resource type)', subject: subject('*') },
} as const;
type Shape = keyof typeof SHAPES;

const ACTION_SHAPES: Record<string, Shape[]> = {
  's3:listbucket': ['bucket'],
  's3:getobject': ['object'],
  's3:putobject': ['object'],
  's3:deleteobject': ['object'],
  'redshift:getclustercredentials': ['dbuser'],
  'redshift-serverless:getcredentials': ['workgroup'],
  'redshift-data:executestatement': ['cluster', 'workgroup'],
  'redshift-data:batchexecutestatement': ['cluster', 'workgroup'],
  'redshift-data:describetable': ['cluster', 'workgroup'],
  'redshift-data:listdatabases': ['cluster', 'workgroup'],
  'redshift-data:listschemas': ['cluster', 'workgroup'],
  'redshift-data:listtables': ['cluster', 'workgroup'],
  'redshift-data:describestatement': ['star'],
  'redshift-data:getstatementresult': ['star'],
  'redshift-data:cancelstatement': ['star'],
  'redshift-data:liststatements': ['star'],
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Parses and validates a policy document. JSON syntax errors throw InputInvalid; other problems are findings. */
export function parsePolicy(
  text: string,
  options: { file: string; kind: PolicyKind; name?: string },
): ParsedPolicy {
  const json = parseJsonWithPositions(text, options.file);
  return readPolicy(json, options);
}

/** Throws InputInvalid for the first error finding (a document AWS would refuse), naming how many more there are. */
export function assertPolicyValid(policy: ParsedPolicy): void {
  const errors = policy.findings.filter((f) => f.severity === 'error');
  const first = errors[0];
  if (!first) return;
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  throw new WorkbenchError({
    kind: 'InputInvalid',
    file: first.file,
    ...(first.line === undefined ? {} : { line: first.line, column: first.column }),
    reason: `${first.message} [${first.code}] at ${first.path}${more}`,
  });
}

function readPolicy(
  json: PositionedJson,
  options: { file: string; kind: PolicyKind; name?: string },
): ParsedPolicy {
  const { file, kind } = options;
  const findings: PolicyFinding[] = [];
  const at = (path: string): Partial<JsonLocation> => {
    const location = json.locate(path);
    return location ? { line: location.line, column: location.column } : {};
  };
  const report = (severity: PolicyFinding['severity'], code: string, path: string, message: string) => {
    findings.push({ severity, code, message, file, path, ...at(path) });
  };
  for (const duplicate of json.duplicateKeys) {
    findings.push({
      severity: 'warning',
      code: 'DUPLICATE_KEY',
      message: `the key is written more than once; only the last value is used`,
      file,
      path: duplicate.path,
      line: duplicate.location.line,
      column: duplicate.location.column,
    });
  }

  const policy: ParsedPolicy = {
    name: options.name ?? file,
    file,
    kind,
    variablesEnabled: false,
    statements: [],
    findings,
  };
  const doc = json.value;
  if (!isRecord(doc)) {
    report(
      'error',
      'NOT_A_POLICY',
      '$',
      'a policy document must be a JSON object with a "Statement" element',
    );
    return policy;
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.has(key)) {
      report(
        'error',
        'UNKNOWN_ELEMENT',
        jsonPath('$', key),
        `"${key}" is not a policy element (expected Version, Id, Statement)`,
      );
    }
  }
  const version = doc['Version'];
  if (version !== undefined) {
    if (typeof version !== 'string' || !VERSIONS.has(version)) {
      report('error', 'INVALID_VERSION', '$.Version', 'Version must be "2012-10-17" or "2008-10-17"');
    } else {
      policy.version = version;
      policy.variablesEnabled = version === '2012-10-17';
    }
  }

  const statementValue = doc['Statement'];
  const entries: { value: unknown; path: string; index: number }[] = [];
  if (statementValue === undefined)
    report('error', 'MISSING_STATEMENT', '$', 'the document has no "Statement" element');
  else if (Array.isArray(statementValue)) {
    statementValue.forEach((value, index) => entries.push({ value, path: `$.Statement[${index}]`, index }));
    if (statementValue.length === 0)
      report('error', 'MISSING_STATEMENT', '$.Statement', 'Statement is an empty list');
  } else entries.push({ value: statementValue, path: '$.Statement', index: 0 });

  const sids = new Map<string, string>();
  let sawVariable = false;
  for (const entry of entries) {
    const before = findings.filter((f) => f.severity === 'error').length;
    const statement = readStatement(entry, policy, report, at);
    if (!statement) continue;
    const sid = statement.ref.sid;
    if (sid !== undefined) {
      const earlier = sids.get(sid);
      if (earlier)
        report('warning', 'DUPLICATE_SID', `${entry.path}.Sid`, `Sid "${sid}" is also used by ${earlier}`);
      else sids.set(sid, entry.path);
    }
    for (const list of [statement.resource, statement.notResource]) {
      for (const r of list ?? []) if (/\$\{[^}]*\}/.test(r.text)) sawVariable = true;
    }
    if (findings.filter((f) => f.severity === 'error').length === before) policy.statements.push(statement);
  }
  if (sawVariable && !policy.variablesEnabled) {
    report(
      'warning',
      'MISSING_VERSION',
      version === undefined ? '$' : '$.Version',
      'the policy uses ${...} but its Version is not "2012-10-17", so AWS reads the variables as literal text',
    );
  }
  return policy;
}

type Report = (severity: PolicyFinding['severity'], code: string, path: string, message: string) => void;

function readStringList(
  value: unknown,
  path: string,
  element: string,
  report: Report,
): { text: string; path: string }[] | undefined {
  if (typeof value === 'string') return [{ text: value, path }];
  if (Array.isArray(value)) {
    if (value.length === 0) {
      report('error', 'EMPTY_LIST', path, `${element} is an empty list`);
      return undefined;
    }
    const out: { text: string; path: string }[] = [];
    value.forEach((item, i) => {
      if (typeof item === 'string') out.push({ text: item, path: `${path}[${i}]` });
      else report('error', 'INVALID_VALUE_TYPE', `${path}[${i}]`, `${element} entries must be strings`);
    });
    return out.length === value.length ? out : undefined;
  }
  report('error', 'INVALID_VALUE_TYPE', path, `${element} must be a string or a list of strings`);
  return undefined;
}

function readPrincipal(value: unknown, path: string, report: Report): PrincipalEntry | undefined {
  const principal: PrincipalEntry = { any: false, services: [], aws: [], federated: [], canonicalUser: [] };
  if (value === '*') return { ...principal, any: true };
  if (!isRecord(value)) {
    report(
      'error',
      'INVALID_PRINCIPAL',
      path,
      'Principal must be "*" or an object such as {"Service": "redshift.amazonaws.com"}',
    );
    return undefined;
  }
  const slots: Record<string, keyof Omit<PrincipalEntry, 'any'>> = {
    Service: 'services',
    AWS: 'aws',
    Federated: 'federated',
    CanonicalUser: 'canonicalUser',
  };
  for (const [key, raw] of Object.entries(value)) {
    const slot = slots[key];
    const keyPath = jsonPath(path, key);
    if (!slot) {
      report(
        'error',
        'INVALID_PRINCIPAL',
        keyPath,
        `"${key}" is not a principal type (Service, AWS, Federated, CanonicalUser)`,
      );
      continue;
    }
    const list = readStringList(raw, keyPath, `Principal.${key}`, report);
    if (list) principal[slot].push(...list.map((l) => l.text));
  }
  if (principal.aws.includes('*')) principal.any = true;
  return principal;
}

function readStatement(
  entry: { value: unknown; path: string; index: number },
  policy: ParsedPolicy,
  report: Report,
  at: (path: string) => Partial<JsonLocation>,
): PolicyStatement | undefined {
  const { value, path, index } = entry;
  if (!isRecord(value)) {
    report('error', 'STATEMENT_NOT_OBJECT', path, 'each statement must be a JSON object');
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!STATEMENT_KEYS.has(key)) {
      report(
        'error',
        'UNKNOWN_ELEMENT',
        jsonPath(path, key),
        `"${key}" is not a statement element (expected Sid, Effect, Action/NotAction, Resource/NotResource, Condition${
          policy.kind === 'trust' ? ', Principal' : ''
        })`,
      );
    }
  }
  const ref: StatementRef = { policy: policy.name, index, path, ...at(path) };
  const sid = value['Sid'];
  if (sid !== undefined) {
    if (typeof sid !== 'string') report('error', 'INVALID_VALUE_TYPE', `${path}.Sid`, 'Sid must be a string');
    else {
      ref.sid = sid;
      if (policy.kind === 'identity' && !/^[A-Za-z0-9]*$/.test(sid)) {
        report(
          'warning',
          'INVALID_SID',
          `${path}.Sid`,
          'Sids in identity policies may contain only letters and digits',
        );
      }
    }
  }
  const effect = value['Effect'];
  if (effect === undefined) report('error', 'MISSING_EFFECT', path, 'the statement has no Effect');
  else if (effect !== 'Allow' && effect !== 'Deny') {
    report(
      'error',
      'INVALID_EFFECT',
      `${path}.Effect`,
      `Effect must be "Allow" or "Deny" (exactly), not ${JSON.stringify(effect)}`,
    );
  }
  const statement: PolicyStatement = { ref, effect: effect === 'Deny' ? 'Deny' : 'Allow' };

  // Action / NotAction
  if (value['Action'] !== undefined && value['NotAction'] !== undefined) {
    report(
      'error',
      'BOTH_ACTION_AND_NOTACTION',
      path,
      'a statement has either Action or NotAction, not both',
    );
  } else if (value['Action'] === undefined && value['NotAction'] === undefined) {
    report('error', 'MISSING_ACTION', path, 'the statement has neither Action nor NotAction');
  }
  for (const element of ['Action', 'NotAction'] as const) {
    if (value[element] === undefined) continue;
    const list = readStringList(value[element], `${path}.${element}`, element, report);
    if (!list) continue;
    for (const item of list) lintAction(item.text, item.path, report);
    if (element === 'Action') statement.action = list;
    else statement.notAction = list;
  }

  // Resource / NotResource
  const hasResource = value['Resource'] !== undefined || value['NotResource'] !== undefined;
  if (value['Resource'] !== undefined && value['NotResource'] !== undefined) {
    report(
      'error',
      'BOTH_RESOURCE_AND_NOTRESOURCE',
      path,
      'a statement has either Resource or NotResource, not both',
    );
  } else if (!hasResource && policy.kind === 'identity') {
    report('error', 'MISSING_RESOURCE', path, 'an identity policy statement needs Resource or NotResource');
  } else if (hasResource && policy.kind === 'trust') {
    report(
      'warning',
      'RESOURCE_IN_TRUST_POLICY',
      path,
      'a trust policy applies to its own role; Resource is not used there',
    );
  }
  for (const element of ['Resource', 'NotResource'] as const) {
    if (value[element] === undefined) continue;
    const list = readStringList(value[element], `${path}.${element}`, element, report);
    if (!list) continue;
    const patterns = list.map((item) => {
      const pattern = parseResourcePattern(item.text, policy.variablesEnabled);
      lintResource(pattern, item.path, report);
      return { ...item, pattern };
    });
    if (element === 'Resource') statement.resource = patterns;
    else statement.notResource = patterns;
  }
  if (statement.action && statement.resource)
    lintResourceKinds(statement.action, statement.resource, path, report);

  // Principal
  for (const element of ['Principal', 'NotPrincipal'] as const) {
    if (value[element] === undefined) continue;
    if (policy.kind === 'identity') {
      report(
        'error',
        'PRINCIPAL_IN_IDENTITY_POLICY',
        `${path}.${element}`,
        `${element} is not allowed in an identity policy (is this the role's trust policy?)`,
      );
      continue;
    }
    const principal = readPrincipal(value[element], `${path}.${element}`, report);
    if (principal && element === 'Principal') statement.principal = principal;
    if (principal && element === 'NotPrincipal') statement.notPrincipal = principal;
  }
  if (policy.kind === 'trust' && value['Principal'] === undefined && value['NotPrincipal'] === undefined) {
    report('error', 'MISSING_PRINCIPAL', path, 'a trust policy statement needs a Principal');
  }

  // Condition
  const condition = value['Condition'];
  if (condition !== undefined) {
    const conditionPath = `${path}.Condition`;
    if (!isRecord(condition))
      report('error', 'INVALID_CONDITION', conditionPath, 'Condition must be an object of operators');
    else {
      const entries: ConditionEntry[] = [];
      for (const [operator, block] of Object.entries(condition)) {
        const operatorPath = jsonPath(conditionPath, operator);
        if (!isRecord(block)) {
          report('error', 'INVALID_CONDITION', operatorPath, `${operator} must map condition keys to values`);
          continue;
        }
        for (const [key, raw] of Object.entries(block)) {
          const values = (Array.isArray(raw) ? raw : [raw]).map((v) =>
            typeof v === 'string' ? v : JSON.stringify(v),
          );
          entries.push({ operator, key, values });
        }
      }
      statement.condition = entries;
    }
  }
  return statement;
}

function lintAction(text: string, path: string, report: Report): void {
  if (text === '*') return;
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    report(
      'warning',
      'MALFORMED_ACTION',
      path,
      `"${text}" is not an action name (expected service:Action, e.g. s3:GetObject)`,
    );
    return;
  }
  const prefix = text.slice(0, colon);
  const name = text.slice(colon + 1);
  const knownPrefixes = [...knownServicePrefixes()];
  if (/[*?]/.test(prefix)) {
    const matched = knownPrefixes.some((p) => globMatch(prefix, p, true));
    report(
      'warning',
      matched ? 'MALFORMED_ACTION' : 'UNKNOWN_PREFIX',
      path,
      matched
        ? `"${text}" has a wildcard in the service prefix, which AWS does not accept; name the service (e.g. redshift-data:*)`
        : `no AWS service prefix matches "${prefix}"`,
    );
    return;
  }
  if (!isKnownServicePrefix(prefix)) {
    const hint = closest(prefix, knownPrefixes);
    report(
      'warning',
      'UNKNOWN_PREFIX',
      path,
      `"${prefix}" is not an AWS service prefix${hint ? ` (did you mean ${hint}?)` : ''}`,
    );
    return;
  }
  const catalogue = catalogedActions(prefix);
  if (!catalogue) return;
  if ([...catalogue.keys()].some((known) => globMatch(name, known, true))) return;
  const proper = /[*?]/.test(name) ? undefined : closest(name, catalogue.values());
  report(
    'warning',
    'UNKNOWN_ACTION',
    path,
    `${text} matches no ${prefix.toLowerCase()} action${proper ? ` (did you mean ${prefix.toLowerCase()}:${proper}?)` : ''}`,
  );
}

function lintResource(pattern: ResourcePattern, path: string, report: Report): void {
  if (pattern.text === '*') return;
  if (pattern.malformed.length > 0) {
    report('warning', 'MALFORMED_ARN', path, `"${pattern.text}" ${pattern.malformed.join('; ')}`);
    return;
  }
  const literal = (k: number): string | undefined => {
    const tokens = pattern.segments?.[k] ?? [];
    return tokens.every((t) => t.t === 'lit')
      ? tokens.map((t) => (t.t === 'lit' ? t.c : '')).join('')
      : undefined;
  };
  const partition = literal(1);
  const service = literal(2);
  const region = literal(3);
  const account = literal(4);
  const resource = literal(5);
  if (partition !== undefined && !PARTITIONS.includes(partition)) {
    report(
      'warning',
      'MALFORMED_ARN',
      path,
      `"${partition}" is not an AWS partition (aws, aws-cn, aws-us-gov, ...)`,
    );
  }
  if (service !== undefined && !isKnownServicePrefix(service)) {
    report('warning', 'MALFORMED_ARN', path, `"${service}" is not an AWS service in ${pattern.text}`);
  }
  if (
    service === 's3' &&
    ((region !== undefined && region !== '') || (account !== undefined && account !== ''))
  ) {
    report(
      'warning',
      'MALFORMED_ARN',
      path,
      `S3 bucket and object ARNs have empty region and account parts (arn:aws:s3:::<bucket>)`,
    );
  }
  if (account !== undefined && account !== '' && !/^[0-9]{12}$/.test(account) && account !== 'aws') {
    report('warning', 'MALFORMED_ARN', path, `the account "${account}" is not a 12-digit AWS account ID`);
  }
  if (service === 'redshift-serverless' && resource?.startsWith('workgroup/')) {
    const id = resource.slice('workgroup/'.length);
    if (!UUID.test(id)) {
      report(
        'warning',
        'WORKGROUP_NAME_IN_ARN',
        path,
        `the workgroup ARN ends in "${id}", but it must hold the workgroup ID (a UUID), not its name; find it with ` +
          '`aws redshift-serverless get-workgroup --workgroup-name <name> --query workgroup.workgroupId`',
      );
    }
  }
}

/** Warns when an explicitly named action is only granted on resources AWS never checks it against. */
function lintResourceKinds(
  actions: ActionPatternEntry[],
  resources: ResourcePatternEntry[],
  path: string,
  report: Report,
) {
  for (const action of actions) {
    const shapes = ACTION_SHAPES[action.text.toLowerCase()];
    if (!shapes || /[*?]/.test(action.text)) continue;
    const fits = resources.some((r) =>
      shapes.some((shape) => matchResource(r.pattern, SHAPES[shape].subject).some),
    );
    if (!fits) {
      const expected = shapes.map((s) => SHAPES[s].label).join(' or ');
      report(
        'warning',
        'RESOURCE_MISMATCH',
        `${path}.Resource`,
        `${action.text} is authorized against ${expected}; none of this statement's resources is one, so it grants nothing for ${action.text}`,
      );
    }
  }
}
