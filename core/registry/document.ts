/**
 * A registry as stored: every project, field names as in proto3 JSON (lowerCamelCase), proto3 defaults filled
 * in ('' / false / 0 / [] / {}), absent sub-messages left out, enums as their numbers. This is what the
 * decoders produce and the encoder takes; `completeDocument` fills in defaults for hand-built documents.
 * The shapes mirror the message table in schema.ts (tests round-trip both ways to keep them in step).
 */

import { WorkbenchError } from '../contract/errors';
import { REGISTRY, type FieldDef, type MessageDef, type ScalarType } from './schema';

export interface TimestampDoc {
  seconds: number;
  nanos: number;
}

/** Same shape as a timestamp; nanos carries the sign of seconds. */
export type DurationDoc = TimestampDoc;

export type StringMap = Record<string, string>;

export interface ObjectMetaDoc {
  createdTimestamp?: TimestampDoc;
  lastUpdatedTimestamp?: TimestampDoc;
}

export interface FeatureSpecDoc {
  name: string;
  valueType: number;
  tags: StringMap;
  description: string;
}

export interface RedshiftOptionsDoc {
  table: string;
  query: string;
  schema: string;
  database: string;
}

export interface RequestDataOptionsDoc {
  /** Request-source schema of Feast versions before FeatureSpecV2 lists: field name -> ValueType number. */
  deprecatedSchema: Record<string, number>;
  schema: FeatureSpecDoc[];
}

export interface DataSourceDoc {
  type: number;
  fieldMapping: StringMap;
  timestampField: string;
  datePartitionColumn: string;
  createdTimestampColumn: string;
  /** oneof options (only the members the workbench reads; others are skipped as unknown). */
  redshiftOptions?: RedshiftOptionsDoc;
  dataSourceClassType: string;
  requestDataOptions?: RequestDataOptionsDoc;
  name: string;
  project: string;
  pushOptions?: Record<string, never>;
  description: string;
  tags: StringMap;
  owner: string;
  batchSource?: DataSourceDoc;
  timestampFieldType: string;
  meta?: {
    earliestEventTimestamp?: TimestampDoc;
    latestEventTimestamp?: TimestampDoc;
    createdTimestamp?: TimestampDoc;
    lastUpdatedTimestamp?: TimestampDoc;
  };
}

export interface EntityDoc {
  spec?: {
    name: string;
    valueType: number;
    description: string;
    joinKey: string;
    tags: StringMap;
    project: string;
    owner: string;
  };
  meta?: ObjectMetaDoc;
}

export interface FeatureViewSpecDoc {
  name: string;
  project: string;
  entities: string[];
  features: FeatureSpecDoc[];
  tags: StringMap;
  ttl?: DurationDoc;
  batchSource?: DataSourceDoc;
  online: boolean;
  description: string;
  owner: string;
  entityColumns: FeatureSpecDoc[];
  offline: boolean;
}

export interface FeatureViewDoc {
  spec?: FeatureViewSpecDoc;
  meta?: ObjectMetaDoc;
}

export interface FeatureViewProjectionDoc {
  featureViewName: string;
  featureColumns: FeatureSpecDoc[];
  featureViewNameAlias: string;
  joinKeyMap: StringMap;
}

export interface FeatureServiceDoc {
  spec?: {
    name: string;
    project: string;
    features: FeatureViewProjectionDoc[];
    tags: StringMap;
    description: string;
    owner: string;
    loggingConfig?: {
      sampleRate: number;
      /** oneof destination. */
      redshiftDestination?: { tableName: string };
    };
  };
  meta?: ObjectMetaDoc;
}

export interface UserDefinedFunctionDoc {
  name: string;
  /** dill-pickled function; the workbench never unpickles it. */
  body: Uint8Array;
  bodyText: string;
}

export interface OnDemandSourceDoc {
  /** oneof source. */
  featureView?: FeatureViewDoc;
  requestDataSource?: DataSourceDoc;
  featureViewProjection?: FeatureViewProjectionDoc;
}

export interface OnDemandFeatureViewDoc {
  spec?: {
    name: string;
    project: string;
    features: FeatureSpecDoc[];
    sources: Record<string, OnDemandSourceDoc>;
    /** The older, deprecated place of the transformation. */
    userDefinedFunction?: UserDefinedFunctionDoc;
    description: string;
    tags: StringMap;
    owner: string;
    featureTransformation?: {
      /** oneof transformation. */
      userDefinedFunction?: UserDefinedFunctionDoc & { mode: string };
      substraitTransformation?: { substraitPlan: Uint8Array; ibisFunction: Uint8Array };
    };
    mode: string;
  };
  meta?: ObjectMetaDoc;
}

export interface SavedDatasetDoc {
  spec?: {
    name: string;
    project: string;
    features: string[];
    joinKeys: string[];
    fullFeatureNames: boolean;
    /** oneof kind inside: only Redshift storage is read. */
    storage?: { redshiftStorage?: RedshiftOptionsDoc };
    tags: StringMap;
    featureServiceName: string;
  };
  meta?: ObjectMetaDoc & { minEventTimestamp?: TimestampDoc; maxEventTimestamp?: TimestampDoc };
}

export interface ProjectDoc {
  spec?: { name: string; description: string; tags: StringMap; owner: string };
  meta?: ObjectMetaDoc;
}

export interface RegistryDocument {
  entities: EntityDoc[];
  registrySchemaVersion: string;
  versionId: string;
  lastUpdated?: TimestampDoc;
  featureViews: FeatureViewDoc[];
  featureServices: FeatureServiceDoc[];
  onDemandFeatureViews: OnDemandFeatureViewDoc[];
  savedDatasets: SavedDatasetDoc[];
  dataSources: DataSourceDoc[];
  /** Deprecated in Feast in favour of `projects`, still written. */
  projectMetadata: { project: string; projectUuid: string }[];
  projects: ProjectDoc[];
}

/** Recursively optional, for documents written by hand (tests, the demo). */
export type DeepPartial<T> = T extends Uint8Array
  ? T
  : T extends (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

export function scalarDefault(type: ScalarType): unknown {
  switch (type) {
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'bool':
      return false;
    default:
      return 0;
  }
}

/** Sets an own property even for keys like "__proto__", which plain assignment would not. */
export function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A message object with every scalar, repeated and map field at its default. */
export function emptyMessage(def: MessageDef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of def.fields) {
    if (field.kind === 'map') out[field.json] = {};
    else if (field.repeated) out[field.json] = [];
    else if (field.kind === 'scalar') out[field.json] = scalarDefault(field.type);
  }
  return out;
}

function completeValue(field: FieldDef, value: unknown, path: string): unknown {
  if (field.kind === 'scalar') return value;
  if (field.kind === 'message') {
    const def = field.message();
    if (field.repeated) {
      if (!Array.isArray(value)) throw notShaped(path, 'an array');
      return value.map((item, i) => completeMessage(def, item, `${path}[${i}]`));
    }
    return completeMessage(def, value, path);
  }
  if (typeof value !== 'object' || value === null) throw notShaped(path, 'an object');
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setEntry(
      out,
      key,
      field.value.kind === 'message' ? completeMessage(field.value.message(), item, `${path}.${key}`) : item,
    );
  }
  return out;
}

function notShaped(path: string, expected: string): WorkbenchError {
  return new WorkbenchError({ kind: 'Internal', message: `registry document: ${path} must be ${expected}` });
}

function completeMessage(def: MessageDef, partial: unknown, path: string): Record<string, unknown> {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial))
    throw notShaped(path, 'an object');
  const source = partial as Record<string, unknown>;
  const out = emptyMessage(def);
  for (const field of def.fields) {
    const value = source[field.json];
    if (value !== undefined) out[field.json] = completeValue(field, value, `${path}.${field.json}`);
  }
  return out;
}

/** Fills in proto3 defaults everywhere, so a hand-written document has exactly the decoder's shape. */
export function completeDocument(partial: DeepPartial<RegistryDocument>): RegistryDocument {
  return completeMessage(REGISTRY, partial, 'registry') as unknown as RegistryDocument;
}
