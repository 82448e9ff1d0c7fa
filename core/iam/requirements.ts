import type { RepoConfig } from '../config/model';
import { WorkbenchError } from '../contract/errors';
import { partitionForRegion, splitArn, subject, type ResourceSubject, type Slot } from './arn';

/** The three commands of Feast's documented permissions table. */
export const DOCUMENTED_COMMANDS = ['apply', 'materialize', 'get_historical_features'] as const;
export type DocumentedCommand = (typeof DOCUMENTED_COMMANDS)[number];

/** Operations Feast runs that the table leaves out; checked in enforced mode only. */
export const EXTRA_COMMANDS = ['write_batch', 'write_logged_features', 'saved_dataset'] as const;
export type FeastCommand = DocumentedCommand | (typeof EXTRA_COMMANDS)[number];
export const ALL_COMMANDS: readonly FeastCommand[] = [...DOCUMENTED_COMMANDS, ...EXTRA_COMMANDS];

export type CheckMode = 'documented' | 'enforced';

export function commandsForMode(mode: CheckMode): readonly FeastCommand[] {
  return mode === 'documented' ? DOCUMENTED_COMMANDS : ALL_COMMANDS;
}

export function isFeastCommand(value: string): value is FeastCommand {
  return (ALL_COMMANDS as readonly string[]).includes(value);
}

/** What the offline store config tells us about the resources, with the unknowns as slots. */
export interface OfflineStoreFacts {
  partition: string;
  region: string;
  /** The account ID, or a slot when neither --account nor the iam_role ARN gives it. */
  account: string | Slot;
  accountSource: 'option' | 'iam_role' | 'unknown';
  database: string;
  bucket: string;
  /** Key prefix of s3_staging_location, without leading or trailing slash; '' for a bare bucket. */
  prefix: string;
  iamRole: string;
  target:
    | { kind: 'cluster'; clusterId: string; user: string }
    | { kind: 'serverless'; workgroup: string; workgroupId: string | Slot };
  /** Things worth telling the user about how the facts were derived. */
  notes: string[];
}

export interface FactOptions {
  /** 12-digit account ID; defaults to the account of the iam_role ARN. */
  account?: string;
  /** The Serverless workgroup's ID (a UUID) or its full ARN. */
  workgroupId?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const WORKGROUP_ID_SLOT: Slot = { name: 'workgroup_id', kind: 'unknown', shape: 'uuid' };
export const ACCOUNT_SLOT: Slot = { name: 'account_id', kind: 'unknown', shape: 'digits12' };
const RUN_UUID: Slot = { name: 'uuid', kind: 'generated', shape: 'uuid' };
const ENTITY_TABLE_HEX: Slot = { name: 'hex', kind: 'generated', shape: 'hex32' };
const SAVED_TABLE: Slot = { name: 'table_name', kind: 'unknown', shape: 'text' };

/** Reads the facts the checker needs from the repo config; bad options throw InputInvalid. */
export function offlineStoreFacts(config: RepoConfig, options: FactOptions = {}): OfflineStoreFacts {
  const store = config.offlineStore;
  const notes: string[] = [];
  const staging = /^s3:\/\/([^/]+)\/?(.*)$/.exec(store.s3StagingLocation);
  if (!staging) {
    throw new WorkbenchError({
      kind: 'InputInvalid',
      file: `${config.repoDir}/feature_store.yaml`,
      reason: `offline_store.s3_staging_location must look like s3://<bucket>/<prefix>, not "${store.s3StagingLocation}"`,
    });
  }
  const bucket = staging[1] as string;
  const prefix = (staging[2] ?? '').replace(/^\/+|\/+$/g, '');

  const role = splitArn(store.iamRole);
  const roleAccount = role && /^[0-9]{12}$/.test(role.account) ? role.account : undefined;
  let account: string | Slot;
  let accountSource: OfflineStoreFacts['accountSource'];
  if (options.account !== undefined) {
    if (!/^[0-9]{12}$/.test(options.account)) {
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: '--account',
        reason: `"${options.account}" is not a 12-digit AWS account ID`,
      });
    }
    account = options.account;
    accountSource = 'option';
    if (roleAccount && roleAccount !== options.account) {
      notes.push(
        `--account ${options.account} differs from the account of iam_role (${roleAccount}); resources use ${options.account}`,
      );
    }
  } else if (roleAccount) {
    account = roleAccount;
    accountSource = 'iam_role';
  } else {
    account = ACCOUNT_SLOT;
    accountSource = 'unknown';
    notes.push(
      `iam_role "${store.iamRole}" holds no account ID; pass --account so ARNs can be checked exactly`,
    );
  }
  const partition =
    role && role.partition.startsWith('aws') ? role.partition : partitionForRegion(store.region);

  let target: OfflineStoreFacts['target'];
  if (store.target.kind === 'cluster') {
    if (options.workgroupId !== undefined) {
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: '--workgroup-id',
        reason: `the repo uses the provisioned cluster "${store.target.clusterId}", not a Serverless workgroup`,
      });
    }
    target = { kind: 'cluster', clusterId: store.target.clusterId, user: store.target.user };
  } else {
    let workgroupId: string | Slot = WORKGROUP_ID_SLOT;
    if (options.workgroupId !== undefined) {
      const fromArn = /:workgroup\/([^/]+)$/.exec(options.workgroupId);
      workgroupId = fromArn ? (fromArn[1] as string) : options.workgroupId;
      if (!UUID.test(workgroupId)) {
        notes.push(
          `--workgroup-id "${workgroupId}" does not look like a workgroup ID (a lower-case UUID); the ARN holds the ID, not the name`,
        );
      }
    } else {
      notes.push(
        `the workgroup ARN holds the workgroup ID, which feature_store.yaml does not give; pass --workgroup-id ` +
          `(aws redshift-serverless get-workgroup --workgroup-name ${store.target.workgroup} --query workgroup.workgroupId)`,
      );
    }
    target = { kind: 'serverless', workgroup: store.target.workgroup, workgroupId };
  }
  return {
    partition,
    region: store.region,
    account,
    accountSource,
    database: store.database,
    bucket,
    prefix,
    iamRole: store.iamRole,
    target,
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Resources

/** How a required resource relates to the documented table's resource column. */
export type ResourceKind =
  | 'cluster'
  | 'dbuser'
  | 'dbname'
  | 'workgroup'
  | 'bucket'
  /** The documented `arn:aws:s3:::<bucket>/*`, taken as literal text. */
  | 'bucket_objects'
  /** A real object key Feast reads or writes. */
  | 'object'
  /** `*`: actions with no resource type. */
  | 'none';

export function resourceFor(
  facts: OfflineStoreFacts,
  kind: Exclude<ResourceKind, 'object'>,
): ResourceSubject {
  const { partition: p, region, account } = facts;
  const t = facts.target;
  switch (kind) {
    case 'cluster':
    case 'dbuser':
    case 'dbname': {
      if (t.kind !== 'cluster') return resourceFor(facts, 'workgroup');
      const tail =
        kind === 'cluster'
          ? `cluster:${t.clusterId}`
          : kind === 'dbuser'
            ? `dbuser:${t.clusterId}/${t.user}`
            : `dbname:${t.clusterId}/${facts.database}`;
      return subject(`arn:${p}:redshift:${region}:`, account, `:${tail}`);
    }
    case 'workgroup': {
      if (t.kind !== 'serverless') throw new Error('a workgroup ARN needs a Serverless target');
      return subject(`arn:${p}:redshift-serverless:${region}:`, account, ':workgroup/', t.workgroupId);
    }
    case 'bucket':
      return subject(`arn:${p}:s3:::${facts.bucket}`);
    case 'bucket_objects':
      return subject(`arn:${p}:s3:::${facts.bucket}/*`);
    case 'none':
      return subject('*');
  }
}

/** Object keys under the staging location, as Feast names them. */
export type StagingArea = 'unload' | 'entity_df' | 'push' | 'logged_features' | 'features_df';

export function stagingObject(facts: OfflineStoreFacts, area: StagingArea): ResourceSubject {
  const base = `arn:${facts.partition}:s3:::${facts.bucket}/${facts.prefix ? `${facts.prefix}/` : ''}${area}/`;
  switch (area) {
    case 'unload':
      return subject(base, RUN_UUID, '/0000_part_00.parquet');
    case 'entity_df':
      return subject(`${base}feast_entity_df_`, ENTITY_TABLE_HEX, '.parquet');
    case 'push':
    case 'logged_features':
      return subject(base, RUN_UUID, '.parquet');
    case 'features_df':
      return subject(base, SAVED_TABLE, '.parquet');
  }
}

/** The pattern that covers everything under the staging location (for generated policies). */
export function stagingObjectsPattern(facts: OfflineStoreFacts): string {
  return `arn:${facts.partition}:s3:::${facts.bucket}/${facts.prefix ? `${facts.prefix}/` : ''}*`;
}

// ---------------------------------------------------------------------------------------------------------
// Requirements

export interface RequiredPair {
  action: string;
  resource: ResourceSubject;
  kind: ResourceKind;
  /** Why Feast needs this pair (enforced mode) or which table row it comes from (documented mode). */
  why: string;
  /** The pair (or, for object keys, its action on `<bucket>/*`) is in the documented table for this command. */
  documented: boolean;
}

export interface Difference {
  change: 'added' | 'not_enforced' | 'rescoped';
  action: string;
  resource: string;
  /** For `rescoped`: the documented resource the real keys replace. */
  documented_resource?: string;
  reason: string;
}

export interface CommandRequirements {
  command: FeastCommand;
  mode: CheckMode;
  pairs: RequiredPair[];
  /** Enforced mode only: every difference from the documented table, with its reason. */
  differences: Difference[];
}

const DOCUMENTED_ROWS: { command: DocumentedCommand; actions: string[]; kinds: ResourceKind[] }[] = [
  {
    command: 'apply',
    actions: ['redshift-data:DescribeTable', 'redshift:GetClusterCredentials'],
    kinds: ['dbuser', 'dbname', 'cluster'],
  },
  { command: 'materialize', actions: ['redshift-data:ExecuteStatement'], kinds: ['cluster'] },
  { command: 'materialize', actions: ['redshift-data:DescribeStatement'], kinds: ['none'] },
  {
    command: 'materialize',
    actions: ['s3:ListBucket', 's3:GetObject', 's3:DeleteObject'],
    kinds: ['bucket', 'bucket_objects'],
  },
  {
    command: 'get_historical_features',
    actions: ['redshift-data:ExecuteStatement', 'redshift:GetClusterCredentials'],
    kinds: ['dbuser', 'dbname', 'cluster'],
  },
  { command: 'get_historical_features', actions: ['redshift-data:DescribeStatement'], kinds: ['none'] },
  {
    command: 'get_historical_features',
    actions: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    kinds: ['bucket', 'bucket_objects'],
  },
];

const TABLE_ROW_NAME: Record<DocumentedCommand, string> = {
  apply: 'Apply',
  materialize: 'Materialize',
  get_historical_features: 'Get Historical Features',
};

function credentialsAction(facts: OfflineStoreFacts): string {
  return facts.target.kind === 'cluster'
    ? 'redshift:GetClusterCredentials'
    : 'redshift-serverless:GetCredentials';
}

/** The documented table for one command, as the cross product of each row (Serverless: the documented swap). */
function documentedPairs(command: DocumentedCommand, facts: OfflineStoreFacts): RequiredPair[] {
  const serverless = facts.target.kind === 'serverless';
  const pairs: RequiredPair[] = [];
  const seen = new Set<string>();
  for (const row of DOCUMENTED_ROWS.filter((r) => r.command === command)) {
    for (const written of row.actions) {
      const action =
        serverless && written === 'redshift:GetClusterCredentials' ? credentialsAction(facts) : written;
      for (const writtenKind of row.kinds) {
        const kind: ResourceKind =
          serverless && (writtenKind === 'cluster' || writtenKind === 'dbuser' || writtenKind === 'dbname')
            ? 'workgroup'
            : writtenKind;
        const resource = resourceFor(facts, kind as Exclude<ResourceKind, 'object'>);
        const key = `${action.toLowerCase()} ${resource.text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const swapped = serverless && (action !== written || kind !== writtenKind);
        pairs.push({
          action,
          resource,
          kind,
          why: `documented table, row ${TABLE_ROW_NAME[command]}${swapped ? ' (Serverless equivalent)' : ''}`,
          documented: true,
        });
      }
    }
  }
  return pairs;
}

interface EnforcedSpec {
  action: string;
  kind: ResourceKind;
  area?: StagingArea;
  why: string;
}

function enforcedSpecs(command: FeastCommand, facts: OfflineStoreFacts): EnforcedSpec[] {
  const serverless = facts.target.kind === 'serverless';
  const dataApi: ResourceKind = serverless ? 'workgroup' : 'cluster';
  const where = serverless ? 'the workgroup' : 'the cluster';
  const credentials: EnforcedSpec[] = serverless
    ? [
        {
          action: 'redshift-serverless:GetCredentials',
          kind: 'workgroup',
          why: 'every statement sent with WorkgroupName runs with credentials the Data API gets for the caller (authorized against the workgroup ARN)',
        },
      ]
    : [
        {
          action: 'redshift:GetClusterCredentials',
          kind: 'dbuser',
          why: 'every statement runs with temporary credentials for DbUser, which the Data API gets with this action (authorized against the dbuser ARN)',
        },
        {
          action: 'redshift:GetClusterCredentials',
          kind: 'dbname',
          why: 'the Data API also passes DbName when it gets those credentials, so the dbname ARN is checked too',
        },
      ];
  const execute = (why: string): EnforcedSpec => ({
    action: 'redshift-data:ExecuteStatement',
    kind: dataApi,
    why: `${why} (authorized against ${where} ARN)`,
  });
  const describe: EnforcedSpec = {
    action: 'redshift-data:DescribeStatement',
    kind: 'none',
    why: 'polls every statement until it finishes; the action has no resource type, so only Resource "*" grants it',
  };
  const result = (why: string): EnforcedSpec => ({
    action: 'redshift-data:GetStatementResult',
    kind: 'none',
    why: `${why}; the action has no resource type, so only Resource "*" grants it`,
  });
  const listBucket = (why: string): EnforcedSpec => ({
    action: 's3:ListBucket',
    kind: 'bucket',
    why: `${why} (authorized against the bucket ARN)`,
  });
  const object = (action: string, area: StagingArea, why: string): EnforcedSpec => ({
    action,
    kind: 'object',
    area,
    why,
  });
  const unloadRead: EnforcedSpec[] = [
    listBucket('lists the UNLOAD output under <staging>/unload/<uuid>/'),
    object(
      's3:GetObject',
      'unload',
      'downloads the UNLOAD output (Parquet files Redshift wrote with the iam_role)',
    ),
    object('s3:DeleteObject', 'unload', 'deletes the UNLOAD output after reading it'),
  ];

  switch (command) {
    case 'apply':
      return [
        {
          action: 'redshift-data:DescribeTable',
          kind: dataApi,
          why: `validates table-based RedshiftSources and reads their columns (authorized against ${where} ARN)`,
        },
        ...credentials,
        execute('validates query-based RedshiftSources with SELECT * FROM (<query>) LIMIT 1'),
        describe,
        result('reads the column names and types of that query-based source probe'),
      ];
    case 'materialize':
      return [
        execute('runs the pull query and UNLOADs the result to S3'),
        describe,
        ...credentials,
        ...unloadRead,
      ];
    case 'get_historical_features':
      return [
        execute('uploads the entity frame (CREATE TABLE + COPY), runs the point-in-time join and UNLOADs it'),
        ...credentials,
        describe,
        result('reads MIN/MAX of the entity timestamps when entity_df is a SQL query'),
        listBucket('lists the UNLOAD output under <staging>/unload/<uuid>/'),
        object('s3:PutObject', 'entity_df', 'uploads a pandas entity_df as Parquet for COPY'),
        object('s3:DeleteObject', 'entity_df', 'deletes the uploaded entity_df after COPY'),
        object('s3:GetObject', 'unload', 'downloads the UNLOAD output'),
        object('s3:DeleteObject', 'unload', 'deletes the UNLOAD output after reading it'),
      ];
    case 'write_batch':
      return [
        {
          action: 'redshift-data:DescribeTable',
          kind: dataApi,
          why: `reads the push source table's columns before writing (authorized against ${where} ARN)`,
        },
        execute(
          'runs CREATE TABLE IF NOT EXISTS + COPY into the source table (and the column probe of a query-based source)',
        ),
        ...credentials,
        describe,
        result('reads the column metadata of a query-based source'),
        object('s3:PutObject', 'push', 'uploads the pushed rows as Parquet for COPY'),
        object('s3:DeleteObject', 'push', 'deletes the uploaded file after COPY'),
      ];
    case 'write_logged_features':
      return [
        execute('runs CREATE TABLE IF NOT EXISTS + COPY into the logging table'),
        ...credentials,
        describe,
        object('s3:PutObject', 'logged_features', 'uploads the logged features as Parquet for COPY'),
        object('s3:DeleteObject', 'logged_features', 'deletes the uploaded file after COPY'),
      ];
    case 'saved_dataset':
      return [
        execute('persist runs CREATE TABLE AS; retrieval runs the query and UNLOADs it'),
        ...credentials,
        describe,
        listBucket('retrieval lists the UNLOAD output under <staging>/unload/<uuid>/'),
        object('s3:GetObject', 'unload', 'retrieval downloads the UNLOAD output'),
        object('s3:DeleteObject', 'unload', 'retrieval deletes the UNLOAD output after reading it'),
        object(
          's3:PutObject',
          'features_df',
          'persisting a dataset with on-demand features uploads the computed frame for COPY',
        ),
        object('s3:DeleteObject', 'features_df', 'deletes that upload after COPY'),
      ];
  }
}

/** Why a documented pair is not what AWS checks. */
function notEnforcedReason(action: string, kind: ResourceKind): string {
  const a = action.toLowerCase();
  if (a === 'redshift:getclustercredentials' && kind === 'cluster') {
    return 'AWS authorizes redshift:GetClusterCredentials against the dbuser and dbname ARNs, never the cluster ARN';
  }
  if (a.startsWith('redshift-data:') && (kind === 'dbuser' || kind === 'dbname')) {
    return `AWS authorizes ${action} against the cluster or workgroup ARN, never a ${kind} ARN`;
  }
  if (a === 's3:listbucket' && kind === 'bucket_objects') {
    return 's3:ListBucket is authorized against the bucket ARN only; granting it on objects does nothing';
  }
  if (a.startsWith('s3:') && kind === 'bucket') {
    return `${action} is authorized against object ARNs (<bucket>/<key>); the bucket ARN never applies`;
  }
  return 'Feast does not call this action for this command';
}

/** The pairs a command needs, in the chosen mode; enforced mode also lists every difference from the table. */
export function requirementsFor(
  command: FeastCommand,
  mode: CheckMode,
  facts: OfflineStoreFacts,
): CommandRequirements {
  const isDocumented = (DOCUMENTED_COMMANDS as readonly string[]).includes(command);
  if (mode === 'documented') {
    if (!isDocumented) {
      throw new WorkbenchError({
        kind: 'InputInvalid',
        file: '--command',
        reason: `${command} is not in the documented permissions table; check it with --mode enforced`,
      });
    }
    return { command, mode, pairs: documentedPairs(command as DocumentedCommand, facts), differences: [] };
  }

  const documented = isDocumented ? documentedPairs(command as DocumentedCommand, facts) : [];
  const documentedKey = (action: string, text: string) => `${action.toLowerCase()} ${text}`;
  const documentedKeys = new Set(documented.map((p) => documentedKey(p.action, p.resource.text)));
  const objectsText = resourceFor(facts, 'bucket_objects').text;
  const pairs: RequiredPair[] = [];
  const differences: Difference[] = [];
  const seen = new Set<string>();
  const rescopedFrom = new Set<string>();
  for (const spec of enforcedSpecs(command, facts)) {
    const resource =
      spec.kind === 'object' && spec.area
        ? stagingObject(facts, spec.area)
        : resourceFor(facts, spec.kind as Exclude<ResourceKind, 'object'>);
    const key = documentedKey(spec.action, resource.text);
    if (seen.has(key)) continue;
    seen.add(key);
    const same = documentedKeys.has(key);
    const rescoped = spec.kind === 'object' && documentedKeys.has(documentedKey(spec.action, objectsText));
    pairs.push({
      action: spec.action,
      resource,
      kind: spec.kind,
      why: spec.why,
      documented: same || rescoped,
    });
    if (rescoped) {
      rescopedFrom.add(documentedKey(spec.action, objectsText));
      differences.push({
        change: 'rescoped',
        action: spec.action,
        resource: resource.text,
        documented_resource: objectsText,
        reason: `checked against a real key under the staging prefix instead of the literal ${objectsText}, so a policy scoped to the prefix passes and a Deny on these keys is caught; needed: ${spec.why}`,
      });
    } else if (!same) {
      const where = isDocumented
        ? `not in the documented ${TABLE_ROW_NAME[command as DocumentedCommand]} row`
        : 'not in the documented table';
      differences.push({
        change: 'added',
        action: spec.action,
        resource: resource.text,
        reason: `${where}; needed: ${spec.why}`,
      });
    }
  }
  for (const pair of documented) {
    const key = documentedKey(pair.action, pair.resource.text);
    if (seen.has(key) || rescopedFrom.has(key)) continue;
    differences.push({
      change: 'not_enforced',
      action: pair.action,
      resource: pair.resource.text,
      reason: `${notEnforcedReason(pair.action, pair.kind)}; not checked (granting it is harmless)`,
    });
  }
  return { command, mode, pairs, differences };
}

// ---------------------------------------------------------------------------------------------------------
// The iam_role Redshift assumes for COPY and UNLOAD

export interface RoleRequirement {
  action: string;
  resource: ResourceSubject;
  /** Which statement Redshift runs with the role. */
  use: 'COPY' | 'UNLOAD';
  why: string;
  /** False for pairs that are advisable but not known to be required. */
  required: boolean;
}

const COPY_AREAS: Partial<Record<FeastCommand, StagingArea[]>> = {
  get_historical_features: ['entity_df'],
  write_batch: ['push'],
  write_logged_features: ['logged_features'],
  saved_dataset: ['features_df'],
};
const UNLOADS: readonly FeastCommand[] = ['materialize', 'get_historical_features', 'saved_dataset'];

/** What the iam_role's permission policy must allow for one command. */
export function roleRequirementsFor(command: FeastCommand, facts: OfflineStoreFacts): RoleRequirement[] {
  const out: RoleRequirement[] = [];
  const bucket = resourceFor(facts, 'bucket');
  const areas = COPY_AREAS[command] ?? [];
  if (areas.length > 0) {
    out.push({
      action: 's3:ListBucket',
      resource: bucket,
      use: 'COPY',
      why: 'COPY lists the objects under the uploaded key prefix',
      required: true,
    });
    for (const area of areas) {
      out.push({
        action: 's3:GetObject',
        resource: stagingObject(facts, area),
        use: 'COPY',
        why: `COPY reads the Parquet file Feast uploaded under ${area}/`,
        required: true,
      });
    }
  }
  if (UNLOADS.includes(command)) {
    out.push({
      action: 's3:PutObject',
      resource: stagingObject(facts, 'unload'),
      use: 'UNLOAD',
      why: 'UNLOAD writes the result files under unload/<uuid>/',
      required: true,
    });
    if (areas.length === 0) {
      out.push({
        action: 's3:ListBucket',
        resource: bucket,
        use: 'UNLOAD',
        why: 'commonly granted for UNLOAD; whether UNLOAD strictly needs it is not documented',
        required: false,
      });
    }
  }
  return out;
}
