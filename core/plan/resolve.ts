/**
 * First layer of the planner: checks a retrieval request against the registry and the entity frame and resolves it
 * into feature-view groups, output columns and on-demand inputs, the way Feast resolves feature references, before
 * any SQL exists. Every mistake a user can make is reported here as a WorkbenchError.
 */

import { WorkbenchError } from '../contract/errors';
import type { EntityColumn, EntityColumnType } from '../frames/types';
import type {
  DataSource,
  FeatureView,
  FeatureViewProjection,
  Field,
  OnDemandFeatureView,
  RegistryModel,
  ValueTypeName,
} from '../registry/model';
import { quoteQualified } from './sql';
import { hintFor } from './suggest';
import {
  MAX_IDENTIFIER_BYTES,
  RESERVED_PREFIX,
  type OnDemandPlan,
  type OutputColumn,
  type PlanGroup,
  type PlanSource,
  type RetrievalRequest,
} from './types';

/** A group before the SQL layer adds its steps. */
export type ResolvedGroup = Omit<PlanGroup, 'steps'>;

export interface ResolvedRequest {
  entityColumns: EntityColumn[];
  entityTimestampColumn: string;
  groups: ResolvedGroup[];
  outputColumns: OutputColumn[];
  onDemand: OnDemandPlan[];
  fullFeatureNames: boolean;
  filterByCreatedTimestamp: boolean;
  warnings: string[];
}

/** Feast's name for the event timestamp column of an entity frame. */
export const DEFAULT_ENTITY_TIMESTAMP_COLUMN = 'event_timestamp';

/** Feast's placeholder join key of entityless views; the registry loader hides it, this is a second guard. */
const DUMMY_JOIN_KEY = '__dummy_id';

/** Value types Redshift stores as SUPER (or that Feast maps from SUPER/JSON): they cannot be ordered. */
function isOrderable(valueType: ValueTypeName): boolean {
  switch (valueType) {
    case 'STRING':
    case 'INT32':
    case 'INT64':
    case 'DOUBLE':
    case 'FLOAT':
    case 'BOOL':
    case 'UNIX_TIMESTAMP':
    case 'BYTES':
    case 'DECIMAL':
    case 'UUID':
    case 'TIME_UUID':
      return true;
    default:
      return false;
  }
}

/** Entity frame column types that compare correctly with a join key of the given value type in Redshift. */
function compatibleEntityTypes(valueType: ValueTypeName): EntityColumnType[] | undefined {
  switch (valueType) {
    case 'INT32':
    case 'INT64':
      return ['int64'];
    case 'FLOAT':
    case 'DOUBLE':
    case 'DECIMAL':
      return ['float64', 'int64'];
    case 'STRING':
    case 'BYTES':
    case 'UUID':
    case 'TIME_UUID':
      return ['string'];
    case 'BOOL':
      return ['bool'];
    case 'UNIX_TIMESTAMP':
      return ['timestamp'];
    default:
      return undefined;
  }
}

const ENTITY_TYPE_WORDS: Record<EntityColumnType, string> = {
  int64: 'whole numbers',
  float64: 'decimal numbers',
  bool: 'true/false values',
  timestamp: 'timestamps',
  string: 'text',
};

function invalid(reason: string): WorkbenchError {
  return new WorkbenchError({ kind: 'PlanInvalid', reason });
}

function notFound(what: string, name: string, hint?: string): WorkbenchError {
  return new WorkbenchError({ kind: 'NotFound', what, name, ...(hint ? { hint } : {}) });
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function hasReservedPrefix(name: string): boolean {
  return name.toLowerCase().startsWith(RESERVED_PREFIX);
}

/** One requested feature, in request order: from a `view:feature` reference or a feature service projection. */
interface Requested {
  /** The reference as Feast spells it: `name_to_use:feature`. */
  ref: string;
  /** alias or view name */
  viewName: string;
  feature: string;
  /** Set when the request came from a feature service projection. */
  projection?: FeatureViewProjection;
}

function parseReference(ref: string): { viewName: string; feature: string } {
  const colon = ref.indexOf(':');
  if (colon <= 0 || colon === ref.length - 1) {
    throw invalid(
      `"${ref}" is not a feature reference; write it as feature_view:feature, for example driver_hourly_stats:conv_rate.`,
    );
  }
  const viewPart = ref.slice(0, colon);
  const feature = ref.slice(colon + 1);
  const at = viewPart.indexOf('@');
  if (at < 0) return { viewName: viewPart, feature };
  const version = viewPart.slice(at + 1);
  if (version === '' || version.toLowerCase() === 'latest')
    return { viewName: viewPart.slice(0, at), feature };
  throw invalid(
    `"${ref}" asks for version ${version} of a feature view; versioned references are not supported for historical ` +
      `retrieval. Use ${viewPart.slice(0, at)}:${feature} for the current version.`,
  );
}

function requestedFeatures(request: RetrievalRequest, registry: RegistryModel): Requested[] {
  const hasRefs = request.features !== undefined;
  const hasService = request.featureService !== undefined && request.featureService !== '';
  if (hasRefs === hasService) {
    throw invalid(
      'Ask for either a list of feature references or one feature service, not both and not neither.',
    );
  }
  if (hasRefs) {
    const refs = request.features ?? [];
    if (refs.length === 0) throw invalid('No features were requested.');
    return refs.map((ref) => ({ ref, ...parseReference(ref) }));
  }
  const serviceName = request.featureService!;
  const service = registry.featureServices.find((candidate) => candidate.name === serviceName);
  if (!service) {
    throw notFound(
      'feature service',
      serviceName,
      hintFor(
        serviceName,
        registry.featureServices.map((s) => s.name),
        `feature services in project ${registry.project}`,
      ),
    );
  }
  const requested = service.projections.flatMap((projection) => {
    const viewName = projection.alias || projection.featureViewName;
    return projection.features.map((field) => ({
      ref: `${viewName}:${field.name}`,
      viewName,
      feature: field.name,
      projection,
    }));
  });
  if (requested.length === 0) throw invalid(`The feature service ${serviceName} lists no features.`);
  return requested;
}

/** Feast's FeatureNameCollisionError rule, applied to the references the user asked for. */
function checkFeastCollisions(requested: Requested[], fullFeatureNames: boolean): void {
  const byKey = new Map<string, string[]>();
  for (const item of requested) {
    const key = fullFeatureNames ? item.ref : item.feature;
    byKey.set(key, [...(byKey.get(key) ?? []), item.ref]);
  }
  for (const [key, refs] of byKey) {
    if (refs.length < 2) continue;
    if (fullFeatureNames) {
      throw invalid(
        `${key} is requested more than once, which would give two columns named ${key.replace(':', '__')}. ` +
          'To join the same feature view twice on different entities, give each projection its own name ' +
          '(with_name) in the feature service.',
      );
    }
    throw invalid(
      `Several requested features are named ${key} (${[...new Set(refs)].join(', ')}), so the output would have ` +
        'two columns of that name. Use full feature names (view__feature), or request features with different names.',
    );
  }
}

function findFeature(fields: readonly Field[], name: string): Field | undefined {
  return fields.find((field) => field.name === name);
}

function featureNotFound(viewName: string, feature: string, fields: readonly Field[]): WorkbenchError {
  return notFound(
    'feature',
    `${viewName}:${feature}`,
    hintFor(
      feature,
      fields.map((f) => f.name),
      `features of ${viewName}`,
    ),
  );
}

/** The Redshift source behind a view (a push source's batch source), or a PlanInvalid saying why there is none. */
function redshiftSourceOf(view: FeatureView): DataSource {
  let source = view.batchSource;
  if (source.kind === 'PUSH_SOURCE' && source.batchSource) source = source.batchSource;
  if (source.kind !== 'BATCH_REDSHIFT' || !source.redshift) {
    throw invalid(
      `The feature view ${view.name} reads from a ${source.kind} source (${source.name}); the workbench retrieves ` +
        'historical features from Redshift sources only.',
    );
  }
  if (source.timestampField === '') {
    throw invalid(`The source ${source.name} of feature view ${view.name} has no timestamp field.`);
  }
  return source;
}

function planSource(view: FeatureView, source: DataSource, database: string | undefined, warnings: string[]) {
  const location = source.redshift!;
  if (location.table !== '') {
    const schema = location.schema || 'public';
    const crossDatabase =
      location.database !== '' && database !== undefined && location.database !== database
        ? location.database
        : undefined;
    if (crossDatabase) {
      warnings.push(
        `${view.name} reads ${location.table} from database ${crossDatabase} while the statements run in ` +
          `${database}; cross-database queries need an RA3 cluster or Redshift Serverless.`,
      );
    }
    const planned: PlanSource = {
      kind: 'table',
      ...(crossDatabase ? { database: crossDatabase } : {}),
      schema,
      table: location.table,
      sql: quoteQualified(crossDatabase, schema, location.table),
    };
    return planned;
  }
  const query = location.query.trim().replace(/;+\s*$/, '');
  if (query === '') {
    throw invalid(
      `The source ${source.name} of feature view ${view.name} names neither a table nor a query.`,
    );
  }
  const planned: PlanSource = { kind: 'query', query, sql: `(${query})` };
  return planned;
}

function pickEntityTimestampColumn(columns: readonly EntityColumn[], explicit: string | undefined): string {
  const describe = (column: EntityColumn) =>
    `The entity frame column ${column.name} holds ${ENTITY_TYPE_WORDS[column.type]}, not timestamps, so it cannot be ` +
    'the event timestamp.';
  if (explicit !== undefined) {
    const column = columns.find((c) => c.name === explicit);
    if (!column) {
      throw notFound(
        'entity frame column',
        explicit,
        hintFor(
          explicit,
          columns.map((c) => c.name),
          'entity frame columns',
        ),
      );
    }
    if (column.type !== 'timestamp') throw invalid(describe(column));
    return explicit;
  }
  const named = columns.find((c) => c.name === DEFAULT_ENTITY_TIMESTAMP_COLUMN);
  if (named) {
    if (named.type !== 'timestamp') throw invalid(describe(named));
    return named.name;
  }
  const timestamps = columns.filter((c) => c.type === 'timestamp');
  if (timestamps.length === 1) return timestamps[0]!.name;
  if (timestamps.length === 0) {
    throw invalid(
      'The entity frame has no timestamp column. Add the time of each event in a column named event_timestamp.',
    );
  }
  throw invalid(
    `The entity frame has several timestamp columns (${timestamps.map((c) => c.name).join(', ')}), so the event ` +
      'timestamp is ambiguous. Name the one to use event_timestamp.',
  );
}

function checkEntityColumns(columns: readonly EntityColumn[]): void {
  if (columns.length === 0) throw invalid('The entity frame has no columns.');
  const seen = new Map<string, string>();
  for (const column of columns) {
    if (column.name === '') throw invalid('The entity frame has a column without a name.');
    if (hasReservedPrefix(column.name)) {
      throw invalid(
        `The entity frame column ${column.name} starts with ${RESERVED_PREFIX}, which the workbench reserves for ` +
          'its own columns. Rename it.',
      );
    }
    if (utf8Bytes(column.name) > MAX_IDENTIFIER_BYTES) {
      throw invalid(`The entity frame column name ${column.name} is longer than Redshift's 127 bytes.`);
    }
    const folded = column.name.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier !== undefined) {
      throw invalid(
        earlier === column.name
          ? `The entity frame has two columns named ${column.name}.`
          : `The entity frame columns ${earlier} and ${column.name} differ only in case; Redshift folds ` +
              'identifiers to lowercase, so they would be the same column.',
      );
    }
    seen.set(folded, column.name);
  }
}

interface GroupDraft {
  view: FeatureView;
  name: string;
  alias: string;
  joinKeyMap: Record<string, string>;
  features: Field[];
}

function lookupFeatureView(registry: RegistryModel, name: string): FeatureView | undefined {
  return registry.featureViews.find((view) => view.name === name);
}

function viewNotFound(registry: RegistryModel, name: string): WorkbenchError {
  const names = [
    ...registry.featureViews.map((v) => v.name),
    ...registry.onDemandFeatureViews.map((v) => v.name),
  ];
  return notFound('feature view', name, hintFor(name, names, `feature views in project ${registry.project}`));
}

/** Resolves and checks a request; throws PlanInvalid or NotFound WorkbenchErrors. */
export function resolveRequest(request: RetrievalRequest): ResolvedRequest {
  const { registry } = request;
  const fullFeatureNames = request.fullFeatureNames ?? false;
  const filterByCreatedTimestamp = request.filterByCreatedTimestamp ?? false;
  const warnings: string[] = [];

  const entityColumns = [...request.entityColumns];
  checkEntityColumns(entityColumns);
  const entityTimestampColumn = pickEntityTimestampColumn(entityColumns, request.entityTimestampColumn);
  const entityByName = new Map(entityColumns.map((column) => [column.name, column]));

  const requested = requestedFeatures(request, registry);

  // Feature views by the name they are used under, in order of first reference; on-demand views likewise.
  const groups = new Map<string, GroupDraft>();
  const onDemandDrafts = new Map<string, { odfv: OnDemandFeatureView; features: Field[] }>();
  const dependencies: { group: GroupDraft; field: Field }[] = [];

  const groupFor = (view: FeatureView, name: string, alias: string, joinKeyMap: Record<string, string>) => {
    let group = groups.get(name);
    if (!group) {
      group = { view, name, alias, joinKeyMap, features: [] };
      groups.set(name, group);
    }
    return group;
  };

  for (const item of requested) {
    const viewName = item.projection ? item.projection.featureViewName : item.viewName;
    const alias = item.projection?.alias ?? '';
    const view = lookupFeatureView(registry, viewName);
    if (view) {
      const field = findFeature(view.features, item.feature);
      if (!field) throw featureNotFound(item.viewName, item.feature, view.features);
      const group = groupFor(view, item.viewName, alias, item.projection?.joinKeyMap ?? {});
      if (!group.features.some((f) => f.name === field.name)) group.features.push(field);
      continue;
    }
    const odfv = registry.onDemandFeatureViews.find((candidate) => candidate.name === viewName);
    if (!odfv) throw viewNotFound(registry, viewName);
    const field = findFeature(odfv.features, item.feature);
    if (!field) throw featureNotFound(item.viewName, item.feature, odfv.features);
    let draft = onDemandDrafts.get(item.viewName);
    if (!draft) {
      draft = { odfv, features: [] };
      onDemandDrafts.set(item.viewName, draft);
    }
    draft.features.push(field);
    // Feast adds every feature of the ODFV's source projections to the retrieval, after the requested ones.
    for (const source of odfv.sources) {
      if (source.kind !== 'featureView') continue;
      const projection = source.projection;
      const sourceView = lookupFeatureView(registry, projection.featureViewName);
      if (!sourceView) throw viewNotFound(registry, projection.featureViewName);
      const sourceName = projection.alias || projection.featureViewName;
      for (const input of projection.features) {
        const sourceField = findFeature(sourceView.features, input.name);
        if (!sourceField) throw featureNotFound(sourceName, input.name, sourceView.features);
        const group = groups.get(sourceName) ?? {
          view: sourceView,
          name: sourceName,
          alias: projection.alias,
          joinKeyMap: projection.joinKeyMap,
          features: [],
        };
        dependencies.push({ group, field: sourceField });
      }
    }
  }

  checkFeastCollisions(requested, fullFeatureNames);

  for (const { group, field } of dependencies) {
    const existing = groups.get(group.name);
    const target = existing ?? group;
    if (!existing) groups.set(group.name, group);
    if (!target.features.some((f) => f.name === field.name)) target.features.push(field);
  }

  const resolvedGroups = [...groups.values()].map((draft) =>
    resolveGroup(draft, entityByName, fullFeatureNames, request.database, warnings),
  );

  const onDemand = [...onDemandDrafts.entries()].map(([name, { odfv, features }]) =>
    resolveOnDemand(name, odfv, features, resolvedGroups, entityByName, fullFeatureNames),
  );

  const outputColumns: OutputColumn[] = [
    ...entityColumns.map((column): OutputColumn => ({
      name: column.name,
      kind: 'entity',
      entityType: column.type,
    })),
    ...resolvedGroups.flatMap((group) =>
      group.features.map((feature): OutputColumn => ({
        name: feature.outputName,
        kind: 'feature',
        valueType: feature.valueType,
        featureView: group.name,
        feature: feature.feature,
      })),
    ),
    ...onDemand.flatMap((plan) =>
      plan.outputs.map((output): OutputColumn => ({
        name: output.outputName,
        kind: 'onDemand',
        valueType: output.valueType,
        featureView: plan.name,
        feature: output.feature,
      })),
    ),
  ];
  checkOutputNames(outputColumns, fullFeatureNames);

  const mixedCase = outputColumns.filter((column) => column.name !== column.name.toLowerCase());
  if (mixedCase.length > 0) {
    warnings.push(
      `Redshift folds identifiers to lowercase unless enable_case_sensitive_identifier is on, so ` +
        `${mixedCase.map((c) => c.name).join(', ')} may come back in lowercase.`,
    );
  }

  return {
    entityColumns,
    entityTimestampColumn,
    groups: resolvedGroups,
    outputColumns,
    onDemand,
    fullFeatureNames,
    filterByCreatedTimestamp,
    warnings,
  };
}

function resolveGroup(
  draft: GroupDraft,
  entityByName: Map<string, EntityColumn>,
  fullFeatureNames: boolean,
  database: string | undefined,
  warnings: string[],
): ResolvedGroup {
  const { view, name } = draft;
  if (hasReservedPrefix(name)) {
    throw invalid(
      `The feature view name ${name} starts with ${RESERVED_PREFIX}, which the workbench reserves.`,
    );
  }
  const source = redshiftSourceOf(view);
  // field_mapping maps source column -> feature/entity name; the SQL needs the other direction.
  const reverse = new Map<string, string>();
  for (const [sourceColumn, mapped] of Object.entries(source.fieldMapping)) reverse.set(mapped, sourceColumn);
  const sourceColumnOf = (name: string) => reverse.get(name) ?? name;

  const joinKeys = view.entityColumns
    .filter((column) => column.name !== DUMMY_JOIN_KEY)
    .map((column) => {
      const entityColumnName = draft.joinKeyMap[column.name] ?? column.name;
      const entityColumn = entityByName.get(entityColumnName);
      const mapped = entityColumnName === column.name ? '' : ` (the projection maps ${column.name} to it)`;
      if (!entityColumn) {
        throw invalid(
          `${name} joins on ${entityColumnName}${mapped}, but the entity frame has no column of that name. ` +
            `Add a ${entityColumnName} column to the entity frame.`,
        );
      }
      const compatible = compatibleEntityTypes(column.valueType);
      if (compatible === undefined) {
        warnings.push(
          `${name} joins on ${column.name} of type ${column.valueType}; the workbench cannot check that the entity ` +
            `frame column ${entityColumnName} compares with it.`,
        );
      } else if (!compatible.includes(entityColumn.type)) {
        throw invalid(
          `The entity frame column ${entityColumnName} holds ${ENTITY_TYPE_WORDS[entityColumn.type]}, but ${name} ` +
            `joins on ${column.name}${mapped}, which holds ${column.valueType} values; they cannot be compared. ` +
            `Check that ${entityColumnName} is the right column and that its values are written as ` +
            `${compatible.map((t) => ENTITY_TYPE_WORDS[t]).join(' or ')}.`,
        );
      }
      return {
        joinKey: column.name,
        entityColumn: entityColumnName,
        sourceColumn: sourceColumnOf(column.name),
        valueType: column.valueType,
      };
    });

  const features = draft.features.map((field) => ({
    feature: field.name,
    sourceColumn: sourceColumnOf(field.name),
    outputName: fullFeatureNames ? `${name}__${field.name}` : field.name,
    valueType: field.valueType,
    tieBreak: isOrderable(field.valueType),
  }));
  const unordered = features.filter((feature) => !feature.tieBreak);
  if (unordered.length > 0) {
    warnings.push(
      `${name}: ${unordered.map((f) => `${f.feature} (${f.valueType})`).join(', ')} cannot be ordered in Redshift, ` +
        'so it does not take part in the tie-break; rows that tie on everything else may give either value.',
    );
  }

  const createdTimestampColumn =
    source.createdTimestampColumn === '' ? undefined : sourceColumnOf(source.createdTimestampColumn);
  return {
    name,
    featureView: view.name,
    alias: draft.alias,
    source: planSource(view, source, database, warnings),
    timestampColumn: sourceColumnOf(source.timestampField),
    ...(createdTimestampColumn === undefined ? {} : { createdTimestampColumn }),
    joinKeys,
    features,
    ttlSeconds: Math.max(0, Math.trunc(view.ttlSeconds)),
  };
}

function resolveOnDemand(
  name: string,
  odfv: OnDemandFeatureView,
  features: Field[],
  groups: ResolvedGroup[],
  entityByName: Map<string, EntityColumn>,
  fullFeatureNames: boolean,
): OnDemandPlan {
  const featureViews = odfv.sources.flatMap((source) => {
    if (source.kind !== 'featureView') return [];
    const groupName = source.projection.alias || source.projection.featureViewName;
    const group = groups.find((candidate) => candidate.name === groupName)!;
    return [
      {
        name: groupName,
        features: source.projection.features.map((field) => ({
          feature: field.name,
          column: group.features.find((f) => f.feature === field.name)!.outputName,
        })),
      },
    ];
  });
  const requestFields = odfv.sources.flatMap((source) => {
    if (source.kind !== 'requestSource') return [];
    return source.schema.map((field) => {
      if (!entityByName.has(field.name)) {
        throw invalid(
          `The on-demand feature view ${odfv.name} needs the request field ${field.name} (from ${source.name}), but ` +
            `the entity frame has no column of that name. Add ${field.name} to the entity frame.`,
        );
      }
      return { name: field.name, valueType: field.valueType };
    });
  });
  return {
    name,
    onDemandFeatureView: odfv.name,
    mode: odfv.mode,
    inputs: { featureViews, requestFields },
    outputs: features.map((field) => ({
      feature: field.name,
      outputName: fullFeatureNames ? `${name}__${field.name}` : field.name,
      valueType: field.valueType,
    })),
  };
}

/** Every output name distinct (as Redshift sees them, case folded), legal and not reserved. */
function checkOutputNames(columns: OutputColumn[], fullFeatureNames: boolean): void {
  const seen = new Map<string, OutputColumn>();
  const origin = (column: OutputColumn) =>
    column.kind === 'entity'
      ? `the entity frame column ${column.name}`
      : `${column.kind === 'onDemand' ? 'the on-demand feature' : 'the feature'} ` +
        `${column.featureView}:${column.feature} (output name ${column.name})`;
  for (const column of columns) {
    if (column.kind !== 'entity') {
      if (hasReservedPrefix(column.name)) {
        throw invalid(
          `The output name ${column.name} starts with ${RESERVED_PREFIX}, which the workbench reserves.`,
        );
      }
      if (utf8Bytes(column.name) > MAX_IDENTIFIER_BYTES) {
        throw invalid(
          `The output name ${column.name} is longer than Redshift's 127 bytes; request it without full feature names ` +
            'or shorten the feature view alias.',
        );
      }
    }
    const folded = column.name.toLowerCase();
    const earlier = seen.get(folded);
    if (earlier) {
      const sameCase = earlier.name === column.name;
      const advice =
        earlier.kind === 'entity'
          ? fullFeatureNames
            ? 'Rename the entity frame column.'
            : 'Rename the entity frame column, or use full feature names (view__feature).'
          : fullFeatureNames
            ? 'Give one of the feature views another name (with_name) in a feature service.'
            : 'Use full feature names (view__feature), or request features with different names.';
      throw invalid(
        `${origin(earlier)} and ${origin(column)} would both be output as ${column.name}` +
          `${sameCase ? '' : ' (Redshift folds identifiers to lowercase)'}. ${advice}`,
      );
    }
    seen.set(folded, column);
  }
}
