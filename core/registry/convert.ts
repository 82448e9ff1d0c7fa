/**
 * Registry document (all projects, as stored) -> the workbench's {@link RegistryModel} for one project, read the
 * way Feast's Python objects read their protos: placeholder entity hidden, TTL truncated to whole seconds,
 * Redshift tables defaulting to schema "public".
 */

import type {
  DataSourceDoc,
  EntityDoc,
  FeatureServiceDoc,
  FeatureSpecDoc,
  FeatureViewDoc,
  FeatureViewProjectionDoc,
  OnDemandFeatureViewDoc,
  RedshiftOptionsDoc,
  RegistryDocument,
  SavedDatasetDoc,
  TimestampDoc,
} from './document';
import { formatTimestamp } from './json';
import type {
  DataSource,
  Entity,
  FeatureService,
  FeatureView,
  FeatureViewProjection,
  Field,
  OnDemandFeatureView,
  OnDemandSource,
  RedshiftLocation,
  RegistryModel,
  SavedDataset,
} from './model';
import { sourceKindName, valueTypeName } from './value-types';

/** Feast's placeholder entity for entityless feature views, and its join key. */
export const DUMMY_ENTITY_NAME = '__dummy';
export const DUMMY_ENTITY_ID = '__dummy_id';

function copyMap(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map));
}

function toField(spec: FeatureSpecDoc): Field {
  const field: Field = { name: spec.name, valueType: valueTypeName(spec.valueType) };
  if (spec.description !== '') field.description = spec.description;
  if (Object.keys(spec.tags).length > 0) field.tags = copyMap(spec.tags);
  return field;
}

function toRedshiftLocation(options: RedshiftOptionsDoc, defaultSchema: boolean): RedshiftLocation {
  return {
    table: options.table,
    // RedshiftSource applies "public" when a table has no schema, also when read back from the registry.
    schema: defaultSchema && options.table !== '' && options.schema === '' ? 'public' : options.schema,
    database: options.database,
    query: options.query,
  };
}

function toDataSource(doc: DataSourceDoc, ownerProject: string): DataSource {
  const project = doc.project === '' ? ownerProject : doc.project;
  const source: DataSource = {
    name: doc.name,
    project,
    kind: sourceKindName(doc.type),
    timestampField: doc.timestampField,
    createdTimestampColumn: doc.createdTimestampColumn,
    fieldMapping: copyMap(doc.fieldMapping),
    description: doc.description,
    tags: copyMap(doc.tags),
    owner: doc.owner,
  };
  if (doc.redshiftOptions) source.redshift = toRedshiftLocation(doc.redshiftOptions, true);
  if (doc.requestDataOptions) {
    const options = doc.requestDataOptions;
    source.requestSchema =
      options.schema.length > 0
        ? options.schema.map(toField)
        : Object.entries(options.deprecatedSchema).map(([name, type]) => ({
            name,
            valueType: valueTypeName(type),
          }));
  }
  if (doc.batchSource) source.batchSource = toDataSource(doc.batchSource, project);
  return source;
}

/** What a feature view without a stored batch source gets (Feast refuses to retrieve from it). */
function missingSource(project: string): DataSource {
  return {
    name: '',
    project,
    kind: 'INVALID',
    timestampField: '',
    createdTimestampColumn: '',
    fieldMapping: {},
    description: '',
    tags: {},
    owner: '',
  };
}

function toEntity(doc: EntityDoc): Entity | undefined {
  const spec = doc.spec;
  if (!spec) return undefined;
  return {
    name: spec.name,
    project: spec.project,
    joinKey: spec.joinKey,
    valueType: valueTypeName(spec.valueType),
    description: spec.description,
    tags: copyMap(spec.tags),
    owner: spec.owner,
  };
}

/** Feast's int(ttl.total_seconds()): whole seconds, truncated toward zero. */
export function ttlSeconds(ttl: TimestampDoc | undefined): number {
  if (!ttl) return 0;
  const total = Math.trunc(ttl.seconds + Math.trunc(ttl.nanos / 1000) / 1_000_000);
  return total === 0 ? 0 : total;
}

function toFeatureView(doc: FeatureViewDoc, entities: Map<string, Entity>): FeatureView | undefined {
  const spec = doc.spec;
  if (!spec) return undefined;
  const entityless = spec.entities[0] === DUMMY_ENTITY_NAME;
  let entityColumns = entityless ? [] : spec.entityColumns.map(toField);
  if (!entityless && entityColumns.length === 0) {
    // Registries written before entity_columns existed: the entities' own join keys and types.
    entityColumns = spec.entities.flatMap((name) => {
      const entity = entities.get(name);
      return entity ? [{ name: entity.joinKey, valueType: entity.valueType }] : [];
    });
  }
  return {
    name: spec.name,
    project: spec.project,
    entities: entityless ? [] : [...spec.entities],
    entityColumns,
    features: spec.features.map(toField),
    ttlSeconds: ttlSeconds(spec.ttl),
    batchSource: spec.batchSource
      ? toDataSource(spec.batchSource, spec.project)
      : missingSource(spec.project),
    online: spec.online,
    offline: spec.offline,
    description: spec.description,
    tags: copyMap(spec.tags),
    owner: spec.owner,
  };
}

function toProjection(doc: FeatureViewProjectionDoc): FeatureViewProjection {
  return {
    featureViewName: doc.featureViewName,
    alias: doc.featureViewNameAlias,
    features: doc.featureColumns.map(toField),
    joinKeyMap: copyMap(doc.joinKeyMap),
  };
}

function toFeatureService(doc: FeatureServiceDoc): FeatureService | undefined {
  const spec = doc.spec;
  if (!spec) return undefined;
  const service: FeatureService = {
    name: spec.name,
    project: spec.project,
    projections: spec.features.map(toProjection),
    description: spec.description,
    tags: copyMap(spec.tags),
    owner: spec.owner,
  };
  const destination = spec.loggingConfig?.redshiftDestination;
  if (destination) service.loggingTable = destination.tableName;
  return service;
}

function toOnDemandFeatureView(doc: OnDemandFeatureViewDoc): OnDemandFeatureView | undefined {
  const spec = doc.spec;
  if (!spec) return undefined;
  const sources: OnDemandSource[] = [];
  for (const [name, source] of Object.entries(spec.sources)) {
    if (source.featureViewProjection) {
      sources.push({ kind: 'featureView', name, projection: toProjection(source.featureViewProjection) });
    } else if (source.featureView?.spec) {
      // Older registries embed the whole feature view: its projection selects every feature, unaliased.
      const view = source.featureView.spec;
      sources.push({
        kind: 'featureView',
        name,
        projection: {
          featureViewName: view.name,
          alias: '',
          features: view.features.map(toField),
          joinKeyMap: {},
        },
      });
    } else if (source.requestDataSource) {
      const request = toDataSource(source.requestDataSource, spec.project);
      sources.push({ kind: 'requestSource', name, schema: request.requestSchema ?? [] });
    }
  }
  sources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const udf = spec.featureTransformation?.userDefinedFunction;
  const legacy = spec.userDefinedFunction;
  let transformation: OnDemandFeatureView['transformation'];
  let mode = spec.mode;
  if (udf && udf.bodyText !== '') {
    transformation = { kind: 'udf', functionName: udf.name, sourceText: udf.bodyText };
    if (mode === '') mode = udf.mode;
  } else if (spec.featureTransformation?.substraitTransformation) {
    transformation = { kind: 'substrait', functionName: '', sourceText: '' };
  } else if (legacy) {
    // As Feast does for registries from before feature_transformation: the old field, run with pandas.
    transformation = { kind: 'udf', functionName: legacy.name, sourceText: legacy.bodyText };
    if (mode === '') mode = 'pandas';
  } else if (udf) {
    transformation = { kind: 'udf', functionName: udf.name, sourceText: '' };
    if (mode === '') mode = udf.mode;
  } else {
    transformation = { kind: 'none', functionName: '', sourceText: '' };
  }

  return {
    name: spec.name,
    project: spec.project,
    features: spec.features.map(toField),
    sources,
    mode,
    transformation,
    description: spec.description,
    tags: copyMap(spec.tags),
    owner: spec.owner,
  };
}

function toSavedDataset(doc: SavedDatasetDoc): SavedDataset | undefined {
  const spec = doc.spec;
  if (!spec) return undefined;
  const storage = spec.storage?.redshiftStorage;
  const dataset: SavedDataset = {
    name: spec.name,
    project: spec.project,
    features: [...spec.features],
    joinKeys: [...spec.joinKeys],
    fullFeatureNames: spec.fullFeatureNames,
    storage: storage ? toRedshiftLocation(storage, false) : undefined,
    featureServiceName: spec.featureServiceName,
    tags: copyMap(spec.tags),
  };
  if (doc.meta?.minEventTimestamp) dataset.minEventTimestamp = formatTimestamp(doc.meta.minEventTimestamp);
  if (doc.meta?.maxEventTimestamp) dataset.maxEventTimestamp = formatTimestamp(doc.meta.maxEventTimestamp);
  return dataset;
}

/** Every project named anywhere in the document, sorted. */
export function projectsOf(document: RegistryDocument): string[] {
  const names = new Set<string>();
  for (const p of document.projects) if (p.spec?.name) names.add(p.spec.name);
  for (const p of document.projectMetadata) if (p.project) names.add(p.project);
  const specs = [
    ...document.entities,
    ...document.featureViews,
    ...document.featureServices,
    ...document.onDemandFeatureViews,
    ...document.savedDatasets,
  ];
  for (const item of specs) if (item.spec?.project) names.add(item.spec.project);
  for (const source of document.dataSources) if (source.project) names.add(source.project);
  return [...names].sort();
}

function present<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/** One project's objects, in registry order. */
export function toRegistryModel(document: RegistryDocument, project: string): RegistryModel {
  const entities = document.entities
    .filter((e) => e.spec?.project === project && e.spec.name !== DUMMY_ENTITY_NAME)
    .map(toEntity)
    .filter(present);
  const byName = new Map(entities.map((e) => [e.name, e]));
  return {
    project,
    projects: projectsOf(document),
    entities,
    dataSources: document.dataSources
      .filter((s) => s.project === project)
      .map((s) => toDataSource(s, project)),
    featureViews: document.featureViews
      .filter((v) => v.spec?.project === project)
      .map((v) => toFeatureView(v, byName))
      .filter(present),
    featureServices: document.featureServices
      .filter((s) => s.spec?.project === project)
      .map(toFeatureService)
      .filter(present),
    onDemandFeatureViews: document.onDemandFeatureViews
      .filter((v) => v.spec?.project === project)
      .map(toOnDemandFeatureView)
      .filter(present),
    savedDatasets: document.savedDatasets
      .filter((d) => d.spec?.project === project)
      .map(toSavedDataset)
      .filter(present),
  };
}
