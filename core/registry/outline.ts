/** A registry model as a readable plain-text outline (what `fwb registry show` prints). */

import type { DataSource, FeatureViewProjection, Field, RegistryModel } from './model';

/** 7200 -> "2h", 172800 -> "2d", 5400 -> "1h30m", 0 -> "none". */
export function formatTtl(seconds: number): string {
  if (seconds === 0) return 'none';
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return `${sign}${parts.join('')}`;
}

function fields(list: Field[]): string {
  return list.length === 0 ? '(none)' : list.map((f) => `${f.name} ${f.valueType}`).join(', ');
}

function mapping(map: Record<string, string>): string {
  return Object.entries(map)
    .map(([from, to]) => `${from} -> ${to}`)
    .join(', ');
}

function describeSource(source: DataSource): string {
  const parts: string[] = [];
  if (source.redshift) {
    const r = source.redshift;
    if (r.table) {
      const qualified = [r.database, r.schema, r.table].filter((p) => p !== '').join('.');
      parts.push(`Redshift table ${qualified}`);
    } else {
      parts.push(`Redshift query ${JSON.stringify(r.query.replace(/\s+/g, ' ').trim())}`);
    }
  } else if (source.kind === 'REQUEST_SOURCE') {
    parts.push(`request source: ${fields(source.requestSchema ?? [])}`);
  } else if (source.kind === 'PUSH_SOURCE') {
    parts.push(`push source${source.batchSource ? ` -> ${source.batchSource.name}` : ''}`);
  } else {
    parts.push(source.kind === 'INVALID' ? 'no batch source' : source.kind);
  }
  if (source.timestampField) parts.push(`timestamp ${source.timestampField}`);
  if (source.createdTimestampColumn) parts.push(`created ${source.createdTimestampColumn}`);
  if (Object.keys(source.fieldMapping).length > 0)
    parts.push(`field mapping ${mapping(source.fieldMapping)}`);
  return parts.join('; ');
}

function describeProjection(p: FeatureViewProjection, withTypes = false): string {
  const name = p.alias ? `${p.featureViewName} as ${p.alias}` : p.featureViewName;
  const keys = Object.keys(p.joinKeyMap).length > 0 ? ` (join keys ${mapping(p.joinKeyMap)})` : '';
  return `${name}${keys}: ${withTypes ? fields(p.features) : p.features.map((f) => f.name).join(', ')}`;
}

function section<T>(out: string[], title: string, items: T[], render: (item: T) => string[]): void {
  out.push('', `${title} (${items.length})`);
  for (const item of items)
    out.push(...render(item).map((line, i) => (i === 0 ? `  ${line}` : `    ${line}`)));
}

function indentBlock(text: string): string[] {
  return text.replace(/\n+$/, '').split('\n');
}

export function formatRegistryOutline(model: RegistryModel, source: string): string {
  const out: string[] = [`Registry ${source}`, `Project ${model.project}`];
  const others = model.projects.filter((p) => p !== model.project);
  if (!model.projects.includes(model.project)) {
    out.push(
      `  (the registry has no objects for this project; it holds: ${model.projects.join(', ') || 'nothing'})`,
    );
  } else if (others.length > 0) {
    out.push(`  (other projects in the file: ${others.join(', ')})`);
  }

  section(out, 'Entities', model.entities, (e) => [
    `${e.name}: join key ${e.joinKey} ${e.valueType}${e.description ? ` - ${e.description}` : ''}`,
  ]);
  section(out, 'Data sources', model.dataSources, (s) => [`${s.name}: ${describeSource(s)}`]);
  section(out, 'Feature views', model.featureViews, (v) => [
    `${v.name}`,
    v.entities.length === 0
      ? 'entities: none (entityless)'
      : `entities: ${v.entities.join(', ')} (${fields(v.entityColumns)})`,
    `features: ${fields(v.features)}`,
    `ttl: ${formatTtl(v.ttlSeconds)}`,
    `source: ${v.batchSource.name ? `${v.batchSource.name}: ` : ''}${describeSource(v.batchSource)}`,
  ]);
  section(out, 'On-demand feature views', model.onDemandFeatureViews, (v) => {
    const transform =
      v.transformation.kind === 'udf'
        ? `function ${v.transformation.functionName}`
        : v.transformation.kind === 'substrait'
          ? 'substrait plan'
          : 'no transformation stored';
    const lines = [`${v.name}`, `mode: ${v.mode || '(unset)'}, ${transform}`, 'inputs:'];
    for (const s of v.sources) {
      lines.push(
        s.kind === 'featureView'
          ? `  feature view ${describeProjection(s.projection, true)}`
          : `  request source ${s.name}: ${fields(s.schema)}`,
      );
    }
    lines.push(`outputs: ${fields(v.features)}`);
    if (v.transformation.sourceText) {
      lines.push('source:', ...indentBlock(v.transformation.sourceText).map((l) => `  | ${l}`));
    }
    return lines;
  });
  section(out, 'Feature services', model.featureServices, (s) => [
    `${s.name}${s.loggingTable ? ` (logs to Redshift table ${s.loggingTable})` : ''}`,
    ...s.projections.map((p) => describeProjection(p)),
  ]);
  section(out, 'Saved datasets', model.savedDatasets, (d) => {
    const lines = [`${d.name}`];
    if (d.storage) lines.push(`stored in: ${describeSource({ ...emptySource, redshift: d.storage })}`);
    if (d.featureServiceName) lines.push(`from feature service: ${d.featureServiceName}`);
    lines.push(`features: ${d.features.join(', ')}${d.fullFeatureNames ? ' (full feature names)' : ''}`);
    lines.push(`join keys: ${d.joinKeys.join(', ')}`);
    if (d.minEventTimestamp || d.maxEventTimestamp) {
      lines.push(`event times: ${d.minEventTimestamp ?? '?'} .. ${d.maxEventTimestamp ?? '?'}`);
    }
    return lines;
  });
  return `${out.join('\n')}\n`;
}

const emptySource: DataSource = {
  name: '',
  project: '',
  kind: 'BATCH_REDSHIFT',
  timestampField: '',
  createdTimestampColumn: '',
  fieldMapping: {},
  description: '',
  tags: {},
  owner: '',
};
