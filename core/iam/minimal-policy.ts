import type { RepoConfig } from '../config/model';
import type { ResourceSubject } from './arn';
import {
  commandsForMode,
  offlineStoreFacts,
  requirementsFor,
  roleRequirementsFor,
  stagingObjectsPattern,
  type CheckMode,
  type FactOptions,
  type FeastCommand,
  type OfflineStoreFacts,
  type ResourceKind,
} from './requirements';
import { trustedServicesFor } from './role';

export interface PolicyStatementJson {
  Sid: string;
  Effect: 'Allow';
  Action: string | string[];
  Resource: string | string[];
}

export interface PolicyDocumentJson {
  Version: '2012-10-17';
  Statement: PolicyStatementJson[];
}

export interface TrustPolicyJson {
  Version: '2012-10-17';
  Statement: { Effect: 'Allow'; Principal: { Service: string | string[] }; Action: 'sts:AssumeRole' }[];
}

export interface GeneratedPolicy<T = PolicyDocumentJson> {
  policy: T;
  /** Placeholders to replace and what the policy deliberately leaves out. */
  notes: string[];
}

export interface MinimalPolicyOptions extends FactOptions {
  commands?: readonly FeastCommand[];
  mode?: CheckMode;
}

/** Placeholder text for unknown parts of an ARN; `<...>` can never match a real ID, so it cannot pass by accident. */
function render(resource: ResourceSubject): string {
  return resource.parts.map((p) => (typeof p === 'string' ? p : `<${p.name.replace(/_/g, '-')}>`)).join('');
}

const KIND_ORDER: ResourceKind[] = [
  'cluster',
  'workgroup',
  'none',
  'dbuser',
  'dbname',
  'bucket',
  'bucket_objects',
  'object',
];

function sidFor(kinds: Set<ResourceKind>): string {
  const has = (k: ResourceKind) => kinds.has(k);
  if (kinds.size === 1 && has('none')) return 'DataApiStatements';
  if (kinds.size === 1 && has('cluster')) return 'DataApiOnCluster';
  if (kinds.size === 1 && has('workgroup')) return 'ServerlessWorkgroup';
  if ([...kinds].every((k) => k === 'dbuser' || k === 'dbname')) return 'TempDbCredentials';
  if ([...kinds].every((k) => k === 'cluster' || k === 'dbuser' || k === 'dbname')) return 'RedshiftCluster';
  if (kinds.size === 1 && has('bucket')) return 'StagingList';
  if ([...kinds].every((k) => k === 'object' || k === 'bucket_objects')) return 'StagingObjects';
  if ([...kinds].every((k) => k === 'bucket' || k === 'bucket_objects' || k === 'object'))
    return 'StagingBucket';
  return 'FeastAccess';
}

interface Grant {
  action: string;
  resource: string;
  kind: ResourceKind;
}

/** Groups grants by resource, then merges resources that need the same actions into one statement. */
function statementsFrom(grants: Grant[]): PolicyStatementJson[] {
  const byResource = new Map<string, { kind: ResourceKind; actions: string[] }>();
  for (const grant of grants) {
    const entry = byResource.get(grant.resource) ?? { kind: grant.kind, actions: [] };
    if (!entry.actions.includes(grant.action)) entry.actions.push(grant.action);
    byResource.set(grant.resource, entry);
  }
  const groups = new Map<string, { actions: string[]; resources: string[]; kinds: Set<ResourceKind> }>();
  const ordered = [...byResource.entries()].sort(
    (a, b) => KIND_ORDER.indexOf(a[1].kind) - KIND_ORDER.indexOf(b[1].kind),
  );
  for (const [resource, { kind, actions }] of ordered) {
    const sorted = [...actions].sort();
    const key = sorted.join(' ');
    const group = groups.get(key) ?? { actions: sorted, resources: [], kinds: new Set<ResourceKind>() };
    group.resources.push(resource);
    group.kinds.add(kind);
    groups.set(key, group);
  }
  const used = new Map<string, number>();
  return [...groups.values()].map((group) => {
    const base = sidFor(group.kinds);
    const count = (used.get(base) ?? 0) + 1;
    used.set(base, count);
    return {
      Sid: count === 1 ? base : `${base}${count}`,
      Effect: 'Allow',
      Action: group.actions.length === 1 ? (group.actions[0] as string) : group.actions,
      Resource: group.resources.length === 1 ? (group.resources[0] as string) : group.resources,
    };
  });
}

function placeholderNotes(facts: OfflineStoreFacts): string[] {
  const notes: string[] = [];
  if (facts.target.kind === 'serverless' && typeof facts.target.workgroupId !== 'string') {
    notes.push(
      `Replace <workgroup-id> with the ID of workgroup ${facts.target.workgroup} (aws redshift-serverless get-workgroup ` +
        `--workgroup-name ${facts.target.workgroup} --query workgroup.workgroupId), or pass --workgroup-id.`,
    );
  }
  if (typeof facts.account !== 'string')
    notes.push('Replace <account-id> with your 12-digit account ID, or pass --account.');
  return notes;
}

/** The least-privilege identity policy for the chosen commands, in the chosen mode (enforced by default). */
export function minimalPolicy(config: RepoConfig, options: MinimalPolicyOptions = {}): GeneratedPolicy {
  const mode = options.mode ?? 'enforced';
  const facts = offlineStoreFacts(config, options);
  const commands = options.commands ?? commandsForMode(mode);
  const grants: Grant[] = [];
  for (const command of commands) {
    for (const pair of requirementsFor(command, mode, facts).pairs) {
      const resource = pair.kind === 'object' ? stagingObjectsPattern(facts) : render(pair.resource);
      grants.push({ action: pair.action, resource, kind: pair.kind });
    }
  }
  const notes = placeholderNotes(facts);
  notes.push(
    mode === 'enforced'
      ? `Covers ${commands.join(', ')} as AWS enforces them; object actions are scoped to ${stagingObjectsPattern(facts)}.`
      : `Reproduces the documented table for ${commands.join(', ')}; it grants pairs AWS never checks and misses calls Feast makes (check it with --mode enforced).`,
  );
  return { policy: { Version: '2012-10-17', Statement: statementsFrom(grants) }, notes };
}

/** The least-privilege permission policy for the iam_role Redshift uses for COPY and UNLOAD. */
export function minimalRolePolicy(config: RepoConfig, options: MinimalPolicyOptions = {}): GeneratedPolicy {
  const facts = offlineStoreFacts(config, options);
  const commands = options.commands ?? commandsForMode('enforced');
  const grants: Grant[] = [];
  for (const command of commands) {
    for (const r of roleRequirementsFor(command, facts)) {
      const isBucket = r.action === 's3:ListBucket';
      grants.push({
        action: r.action,
        resource: isBucket ? render(r.resource) : stagingObjectsPattern(facts),
        kind: isBucket ? 'bucket' : 'object',
      });
    }
  }
  return {
    policy: { Version: '2012-10-17', Statement: statementsFrom(grants) },
    notes: [
      `Attach to ${facts.iamRole}. COPY needs s3:GetObject and s3:ListBucket, UNLOAD needs s3:PutObject; add kms:Decrypt and kms:GenerateDataKey if the bucket uses SSE-KMS.`,
    ],
  };
}

/** The trust policy that lets Redshift (and Redshift Serverless) assume the iam_role. */
export function minimalTrustPolicy(
  config: RepoConfig,
  options: FactOptions = {},
): GeneratedPolicy<TrustPolicyJson> {
  const facts = offlineStoreFacts(config, options);
  const services = trustedServicesFor(facts);
  return {
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: services.length === 1 ? (services[0] as string) : services },
          Action: 'sts:AssumeRole',
        },
      ],
    },
    notes: [
      'The role must also be associated with the cluster or namespace; that needs iam:PassRole once, by the administrator.',
    ],
  };
}
