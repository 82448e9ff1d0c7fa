/**
 * The workbench's own schema for the parts of `feast.core.Registry` it reads. Field numbers and names are facts
 * of Feast's registry format (looked up in Feast's protos); the definitions here are written for this codec.
 *
 * Why a hand-written, table-driven codec instead of protobufjs reflection: the registry is user input, so every
 * decoding error must say where it happened (byte offset and field path, e.g.
 * `featureViews[3].spec.batchSource.redshiftOptions.table`), which protobufjs does not report; the same table
 * also drives the proto3 JSON mapping of `feast registry-dump` output (with positions for JSON mistakes) and the
 * encoder, so the three can never drift apart. Fields not listed here are skipped, which is what keeps
 * registries from newer Feast versions readable.
 */

import { SOURCE_TYPE_NUMBERS, VALUE_TYPE_NUMBERS } from './value-types';

export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'float' | 'enum';

export interface EnumDef {
  name: string;
  numbers: Readonly<Record<string, number>>;
}

interface FieldBase {
  /** Field number on the wire. */
  no: number;
  /** Name in the .proto (snake_case); proto3 JSON accepts it too. */
  name: string;
  /** lowerCamelCase JSON name, also the property name in documents. */
  json: string;
}

export type MapValueDef =
  { kind: 'scalar'; type: ScalarType; enumDef?: EnumDef } | { kind: 'message'; message: () => MessageDef };

export type FieldDef =
  | (FieldBase & { kind: 'scalar'; type: ScalarType; enumDef?: EnumDef; repeated: boolean })
  | (FieldBase & { kind: 'message'; message: () => MessageDef; repeated: boolean; oneof?: string })
  | (FieldBase & { kind: 'map'; value: MapValueDef });

export interface MessageDef {
  /** Full proto name, used in error messages. */
  name: string;
  /** In field-number order, which is also the order the encoder writes. */
  fields: FieldDef[];
  /** Timestamp and Duration have their own JSON forms. */
  wellKnown?: 'timestamp' | 'duration';
  byNumber: Map<number, FieldDef>;
  /** JSON name and proto name -> field. */
  byJsonKey: Map<string, FieldDef>;
  /** For each oneof member, the JSON names of the other members of its oneof. */
  oneofSiblings: Map<FieldDef, string[]>;
}

function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function message(name: string, fields: FieldDef[], wellKnown?: 'timestamp' | 'duration'): MessageDef {
  const sorted = [...fields].sort((a, b) => a.no - b.no);
  const byJsonKey = new Map<string, FieldDef>();
  for (const field of sorted) {
    byJsonKey.set(field.json, field);
    byJsonKey.set(field.name, field);
  }
  const oneofSiblings = new Map<FieldDef, string[]>();
  for (const field of sorted) {
    if (field.kind !== 'message' || !field.oneof) continue;
    const group = field.oneof;
    oneofSiblings.set(
      field,
      sorted.filter((f) => f !== field && f.kind === 'message' && f.oneof === group).map((f) => f.json),
    );
  }
  return {
    name,
    fields: sorted,
    wellKnown,
    byNumber: new Map(sorted.map((f) => [f.no, f])),
    byJsonKey,
    oneofSiblings,
  };
}

const scalar =
  (type: ScalarType) =>
  (no: number, name: string): FieldDef => ({
    kind: 'scalar',
    type,
    no,
    name,
    json: jsonName(name),
    repeated: false,
  });
const str = scalar('string');
const bool = scalar('bool');
const bytes = scalar('bytes');
const float = scalar('float');
const int32 = scalar('int32');
const int64 = scalar('int64');

function repeatedStr(no: number, name: string): FieldDef {
  return { kind: 'scalar', type: 'string', no, name, json: jsonName(name), repeated: true };
}

function enumField(no: number, name: string, enumDef: EnumDef): FieldDef {
  return { kind: 'scalar', type: 'enum', enumDef, no, name, json: jsonName(name), repeated: false };
}

function msg(no: number, name: string, def: () => MessageDef, oneof?: string): FieldDef {
  return { kind: 'message', message: def, no, name, json: jsonName(name), repeated: false, oneof };
}

function repeatedMsg(no: number, name: string, def: () => MessageDef): FieldDef {
  return { kind: 'message', message: def, no, name, json: jsonName(name), repeated: true };
}

function stringMap(no: number, name: string): FieldDef {
  return { kind: 'map', value: { kind: 'scalar', type: 'string' }, no, name, json: jsonName(name) };
}

export const VALUE_TYPE_ENUM: EnumDef = { name: 'feast.types.ValueType.Enum', numbers: VALUE_TYPE_NUMBERS };
export const SOURCE_TYPE_ENUM: EnumDef = {
  name: 'feast.core.DataSource.SourceType',
  numbers: SOURCE_TYPE_NUMBERS,
};

export const TIMESTAMP: MessageDef = message(
  'google.protobuf.Timestamp',
  [int64(1, 'seconds'), int32(2, 'nanos')],
  'timestamp',
);
export const DURATION: MessageDef = message(
  'google.protobuf.Duration',
  [int64(1, 'seconds'), int32(2, 'nanos')],
  'duration',
);

/** The created/updated pair every object's meta message starts with. */
function objectMeta(name: string, extra: FieldDef[] = []): MessageDef {
  return message(name, [
    msg(1, 'created_timestamp', () => TIMESTAMP),
    msg(2, 'last_updated_timestamp', () => TIMESTAMP),
    ...extra,
  ]);
}

export const FEATURE_SPEC: MessageDef = message('feast.core.FeatureSpecV2', [
  str(1, 'name'),
  enumField(2, 'value_type', VALUE_TYPE_ENUM),
  stringMap(3, 'tags'),
  str(4, 'description'),
]);

export const REDSHIFT_OPTIONS: MessageDef = message('feast.core.DataSource.RedshiftOptions', [
  str(1, 'table'),
  str(2, 'query'),
  str(3, 'schema'),
  str(4, 'database'),
]);

export const REQUEST_DATA_OPTIONS: MessageDef = message('feast.core.DataSource.RequestDataOptions', [
  {
    kind: 'map',
    value: { kind: 'scalar', type: 'enum', enumDef: VALUE_TYPE_ENUM },
    no: 2,
    name: 'deprecated_schema',
    json: 'deprecatedSchema',
  },
  repeatedMsg(3, 'schema', () => FEATURE_SPEC),
]);

export const PUSH_OPTIONS: MessageDef = message('feast.core.DataSource.PushOptions', []);

export const SOURCE_META: MessageDef = message('feast.core.DataSource.SourceMeta', [
  msg(1, 'earliestEventTimestamp', () => TIMESTAMP),
  msg(2, 'latestEventTimestamp', () => TIMESTAMP),
  msg(3, 'created_timestamp', () => TIMESTAMP),
  msg(4, 'last_updated_timestamp', () => TIMESTAMP),
]);

export const DATA_SOURCE: MessageDef = message('feast.core.DataSource', [
  enumField(1, 'type', SOURCE_TYPE_ENUM),
  stringMap(2, 'field_mapping'),
  str(3, 'timestamp_field'),
  str(4, 'date_partition_column'),
  str(5, 'created_timestamp_column'),
  msg(15, 'redshift_options', () => REDSHIFT_OPTIONS, 'options'),
  str(17, 'data_source_class_type'),
  msg(18, 'request_data_options', () => REQUEST_DATA_OPTIONS, 'options'),
  str(20, 'name'),
  str(21, 'project'),
  msg(22, 'push_options', () => PUSH_OPTIONS, 'options'),
  str(23, 'description'),
  stringMap(24, 'tags'),
  str(25, 'owner'),
  msg(26, 'batch_source', () => DATA_SOURCE),
  str(28, 'timestamp_field_type'),
  msg(50, 'meta', () => SOURCE_META),
]);

export const ENTITY: MessageDef = message('feast.core.Entity', [
  msg(1, 'spec', () =>
    message('feast.core.EntitySpecV2', [
      str(1, 'name'),
      enumField(2, 'value_type', VALUE_TYPE_ENUM),
      str(3, 'description'),
      str(4, 'join_key'),
      stringMap(8, 'tags'),
      str(9, 'project'),
      str(10, 'owner'),
    ]),
  ),
  msg(2, 'meta', () => ENTITY_META),
]);
const ENTITY_META = objectMeta('feast.core.EntityMeta');

export const FEATURE_VIEW_SPEC: MessageDef = message('feast.core.FeatureViewSpec', [
  str(1, 'name'),
  str(2, 'project'),
  repeatedStr(3, 'entities'),
  repeatedMsg(4, 'features', () => FEATURE_SPEC),
  stringMap(5, 'tags'),
  msg(6, 'ttl', () => DURATION),
  msg(7, 'batch_source', () => DATA_SOURCE),
  bool(8, 'online'),
  str(10, 'description'),
  str(11, 'owner'),
  repeatedMsg(12, 'entity_columns', () => FEATURE_SPEC),
  bool(13, 'offline'),
]);

export const FEATURE_VIEW: MessageDef = message('feast.core.FeatureView', [
  msg(1, 'spec', () => FEATURE_VIEW_SPEC),
  msg(2, 'meta', () => FEATURE_VIEW_META),
]);
const FEATURE_VIEW_META = objectMeta('feast.core.FeatureViewMeta');

export const FEATURE_VIEW_PROJECTION: MessageDef = message('feast.core.FeatureViewProjection', [
  str(1, 'feature_view_name'),
  repeatedMsg(2, 'feature_columns', () => FEATURE_SPEC),
  str(3, 'feature_view_name_alias'),
  stringMap(4, 'join_key_map'),
]);

export const LOGGING_CONFIG: MessageDef = message('feast.core.LoggingConfig', [
  float(1, 'sample_rate'),
  msg(
    5,
    'redshift_destination',
    () => message('feast.core.LoggingConfig.RedshiftDestination', [str(1, 'table_name')]),
    'destination',
  ),
]);

export const FEATURE_SERVICE: MessageDef = message('feast.core.FeatureService', [
  msg(1, 'spec', () =>
    message('feast.core.FeatureServiceSpec', [
      str(1, 'name'),
      str(2, 'project'),
      repeatedMsg(3, 'features', () => FEATURE_VIEW_PROJECTION),
      stringMap(4, 'tags'),
      str(5, 'description'),
      str(6, 'owner'),
      msg(7, 'logging_config', () => LOGGING_CONFIG),
    ]),
  ),
  msg(2, 'meta', () => FEATURE_SERVICE_META),
]);
const FEATURE_SERVICE_META = objectMeta('feast.core.FeatureServiceMeta');

export const USER_DEFINED_FUNCTION: MessageDef = message('feast.core.UserDefinedFunction', [
  str(1, 'name'),
  bytes(2, 'body'),
  str(3, 'body_text'),
]);

export const FEATURE_TRANSFORMATION: MessageDef = message('feast.core.FeatureTransformationV2', [
  msg(
    1,
    'user_defined_function',
    () =>
      message('feast.core.UserDefinedFunctionV2', [
        str(1, 'name'),
        bytes(2, 'body'),
        str(3, 'body_text'),
        str(4, 'mode'),
      ]),
    'transformation',
  ),
  msg(
    2,
    'substrait_transformation',
    () =>
      message('feast.core.SubstraitTransformationV2', [
        bytes(1, 'substrait_plan'),
        bytes(2, 'ibis_function'),
      ]),
    'transformation',
  ),
]);

export const ON_DEMAND_SOURCE: MessageDef = message('feast.core.OnDemandSource', [
  msg(1, 'feature_view', () => FEATURE_VIEW, 'source'),
  msg(2, 'request_data_source', () => DATA_SOURCE, 'source'),
  msg(3, 'feature_view_projection', () => FEATURE_VIEW_PROJECTION, 'source'),
]);

export const ON_DEMAND_FEATURE_VIEW: MessageDef = message('feast.core.OnDemandFeatureView', [
  msg(1, 'spec', () =>
    message('feast.core.OnDemandFeatureViewSpec', [
      str(1, 'name'),
      str(2, 'project'),
      repeatedMsg(3, 'features', () => FEATURE_SPEC),
      {
        kind: 'map',
        value: { kind: 'message', message: () => ON_DEMAND_SOURCE },
        no: 4,
        name: 'sources',
        json: 'sources',
      },
      msg(5, 'user_defined_function', () => USER_DEFINED_FUNCTION),
      str(6, 'description'),
      stringMap(7, 'tags'),
      str(8, 'owner'),
      msg(10, 'feature_transformation', () => FEATURE_TRANSFORMATION),
      str(11, 'mode'),
    ]),
  ),
  msg(2, 'meta', () => ODFV_META),
]);
const ODFV_META = objectMeta('feast.core.OnDemandFeatureViewMeta');

export const SAVED_DATASET: MessageDef = message('feast.core.SavedDataset', [
  msg(1, 'spec', () =>
    message('feast.core.SavedDatasetSpec', [
      str(1, 'name'),
      str(2, 'project'),
      repeatedStr(3, 'features'),
      repeatedStr(4, 'join_keys'),
      bool(5, 'full_feature_names'),
      msg(6, 'storage', () =>
        message('feast.core.SavedDatasetStorage', [
          msg(6, 'redshift_storage', () => REDSHIFT_OPTIONS, 'kind'),
        ]),
      ),
      stringMap(7, 'tags'),
      str(8, 'feature_service_name'),
    ]),
  ),
  msg(2, 'meta', () => SAVED_DATASET_META),
]);
const SAVED_DATASET_META = objectMeta('feast.core.SavedDatasetMeta', [
  msg(3, 'min_event_timestamp', () => TIMESTAMP),
  msg(4, 'max_event_timestamp', () => TIMESTAMP),
]);

export const PROJECT: MessageDef = message('feast.core.Project', [
  msg(1, 'spec', () =>
    message('feast.core.ProjectSpec', [
      str(1, 'name'),
      str(2, 'description'),
      stringMap(3, 'tags'),
      str(4, 'owner'),
    ]),
  ),
  msg(2, 'meta', () => PROJECT_META),
]);
const PROJECT_META = objectMeta('feast.core.ProjectMeta');

export const PROJECT_METADATA: MessageDef = message('feast.core.ProjectMetadata', [
  str(1, 'project'),
  str(2, 'project_uuid'),
]);

export const REGISTRY: MessageDef = message('feast.core.Registry', [
  repeatedMsg(1, 'entities', () => ENTITY),
  str(3, 'registry_schema_version'),
  str(4, 'version_id'),
  msg(5, 'last_updated', () => TIMESTAMP),
  repeatedMsg(6, 'feature_views', () => FEATURE_VIEW),
  repeatedMsg(7, 'feature_services', () => FEATURE_SERVICE),
  repeatedMsg(8, 'on_demand_feature_views', () => ON_DEMAND_FEATURE_VIEW),
  repeatedMsg(11, 'saved_datasets', () => SAVED_DATASET),
  repeatedMsg(12, 'data_sources', () => DATA_SOURCE),
  repeatedMsg(15, 'project_metadata', () => PROJECT_METADATA),
  repeatedMsg(17, 'projects', () => PROJECT),
]);
