/**
 * feature_store.yaml -> {@link RepoConfig}, with Feast's rules for the Redshift offline store and a position for
 * every problem. Feast's behaviour is the reference (repo_config.py, offline_stores/redshift.py): the same keys,
 * the same strictness (no coercion of numbers or booleans into strings), the same cluster/serverless rule with
 * Python truthiness. On top of that, AWS names are checked here instead of failing later inside AWS.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { WorkbenchError, type ConfigProblem } from '../contract/errors';
import { checkAwsRegion, checkIamRoleArn, isAwsRegion, parseS3Uri } from './aws-names';
import { unsetEnvironmentVariables, type Environment } from './env-vars';
import type {
  RedshiftOfflineStoreConfig,
  RedshiftTarget,
  RegistryLocation,
  RegistrySetting,
  RepoConfig,
} from './model';
import { parseYaml, unresolvedAliases, type TextPositions } from './yaml-document';
import { keyLabel, keyText, nodeOffset, YamlReader, type MapEntry, type YamlValue } from './yaml-values';

export const CONFIG_FILE_NAME = 'feature_store.yaml';

export interface ParseRepoConfigOptions {
  /** The name printed in problems, e.g. "feature_store.yaml". */
  file: string;
  /** The folder holding the file; relative registry paths resolve against it. */
  repoDir: string;
  /**
   * Environment for `$NAME` / `${NAME}` references, which Feast expands before parsing. Without it, values are
   * read exactly as written.
   */
  env?: Environment;
}

export interface ParseRepoConfigResult {
  /** Set only when there are no problems. */
  config: RepoConfig | undefined;
  /** In file order. */
  problems: ConfigProblem[];
}

const REDSHIFT_KEYS = [
  'type',
  'region',
  'database',
  's3_staging_location',
  'iam_role',
  'cluster_id',
  'user',
  'workgroup',
] as const;

const KNOWN_PROVIDERS = ['aws', 'local', 'gcp', 'azure', 'unity_catalog'];
/** RepoConfig's other keys (and aliases); never taken for a misspelling of a missing key. */
const FEAST_TOP_LEVEL_KEYS = [
  'project_description',
  'online_store',
  'auth',
  'batch_engine',
  'batch_engine_config',
  'feature_server',
  'embedding_model',
  'flags',
  'repo_path',
  'entity_key_serialization_version',
  'coerce_tz_aware',
  'materialization',
  'openlineage',
  'mlflow',
  'data_quality_monitoring',
];
const REGISTRY_TYPES = ['file', 'sql', 'snowflake.registry', 'remote'];
const REGION_EXAMPLE = 'us-west-2';
const STAGING_EXAMPLE = 's3://my-bucket/feast-staging';
const ROLE_EXAMPLE = 'arn:aws:iam::123456789012:role/redshift_s3_access_role';

interface Problem {
  offset: number;
  message: string;
}

function quoted(text: string): string {
  return JSON.stringify(text);
}

/** Python truthiness of an optional string setting: unset, null and "" all count as absent. */
function truthy(value: YamlValue | undefined): boolean {
  return value?.kind === 'string' && (value.text ?? '') !== '';
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0] ?? 0;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, (previous[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length] ?? 0;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate);
    const related =
      Math.min(lower.length, candidate.length) >= 4 &&
      (candidate.includes(lower) || lower.includes(candidate));
    const score = related ? Math.min(distance, 1) : distance;
    if (score < bestDistance) {
      best = candidate;
      bestDistance = score;
    }
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(word.length / 4))) ? best : undefined;
}

class RepoConfigValidator {
  private readonly problems: Problem[] = [];
  private readonly reader: YamlReader;

  constructor(
    private readonly doc: ReturnType<typeof parseYaml>['doc'],
    private readonly positions: TextPositions,
    private readonly options: ParseRepoConfigOptions,
  ) {
    this.reader = new YamlReader(doc, options.env);
  }

  report(offset: number, message: string): void {
    this.problems.push({ offset, message });
  }

  result(config: RepoConfig | undefined): ParseRepoConfigResult {
    const problems = this.problems
      .map((problem, index) => ({ ...problem, index }))
      .sort((a, b) => a.offset - b.offset || a.index - b.index)
      .map(({ offset, message }) => ({ file: this.options.file, ...this.positions.at(offset), message }));
    return { config: problems.length === 0 ? config : undefined, problems };
  }

  // ---------------------------------------------------------------- describing values

  private describe(value: YamlValue): string {
    switch (value.kind) {
      case 'string': {
        const text = value.text ?? '';
        const written =
          isScalar(value.node) && typeof value.node.value === 'string' ? value.node.value : text;
        if (!this.options.env) return quoted(text);
        const unset = unsetEnvironmentVariables(text, this.options.env);
        if (unset.length > 0) return `${quoted(text)} (environment variable ${unset.join(', ')} not set)`;
        return written === text ? quoted(text) : `${quoted(text)} (from ${quoted(written)})`;
      }
      case 'int':
      case 'float':
        return `the number ${value.source}`;
      case 'bool':
        return `the boolean ${value.source}`;
      case 'date':
        return `the date ${value.source}`;
      case 'null':
        return 'no value';
      case 'map':
        return 'a mapping';
      case 'seq':
        return 'a list';
      default:
        return 'a value of another YAML type';
    }
  }

  /** Why a plain scalar is not a string, and how to keep it as text. */
  private quoteHint(value: YamlValue): string {
    if (!isScalar(value.node) || value.node.type !== 'PLAIN' || value.source === undefined) return '';
    const source = value.source;
    const how = `write it in quotes ("${source.replace(/(["\\])/g, '\\$1')}") to keep it as text`;
    if (value.kind === 'bool' && !/^(?:true|false)$/i.test(source))
      return `; Feast reads YAML 1.1, where ${source} means ${String(value.scalar)}, so ${how}`;
    if (value.kind === 'int' || value.kind === 'float' || value.kind === 'bool' || value.kind === 'date')
      return `; Feast does not convert it, so ${how}`;
    return '';
  }

  /** `quoteHint`: whether quoting the written value could be the fix (free-form names, not formats). */
  private typeMismatch(label: string, expected: string, value: YamlValue, quoteHint = false): void {
    if (value.kind === 'null') {
      this.report(value.offset, `${label} has no value; expected ${expected}`);
      return;
    }
    const hint = quoteHint ? this.quoteHint(value) : '';
    this.report(value.offset, `${label} must be ${expected}, got ${this.describe(value)}${hint}`);
  }

  /** A StrictStr setting: only a YAML string passes. */
  private string(
    label: string,
    value: YamlValue,
    expected = 'a string',
    quoteHint = false,
  ): string | undefined {
    if (value.kind === 'string') return value.text ?? '';
    this.typeMismatch(label, expected, value, quoteHint);
    return undefined;
  }

  /** A required, non-empty StrictStr setting. */
  private requiredString(
    label: string,
    entry: MapEntry | undefined,
    mapOffset: number,
    what: string,
    expected: string,
    quoteHint = false,
  ): { text: string; value: YamlValue } | undefined {
    if (!entry) {
      this.report(mapOffset, `${label} is required: ${what}`);
      return undefined;
    }
    const text = this.string(label, entry.value, expected, quoteHint);
    if (text === undefined) return undefined;
    if (text === '') {
      this.report(entry.value.offset, `${label} is empty; expected ${expected}`);
      return undefined;
    }
    return { text, value: entry.value };
  }

  private optionalBool(label: string, entry: MapEntry | undefined): void {
    if (entry && entry.value.kind !== 'bool') this.typeMismatch(label, 'true or false', entry.value);
  }

  // ---------------------------------------------------------------- structure

  /** Reports keys written twice in any mapping of the document (PyYAML would silently keep the last). */
  checkDuplicates(node: unknown, label: string, visited = new Set<unknown>()): void {
    if (visited.has(node)) return;
    visited.add(node);
    if (isMap(node)) {
      const firstSeen = new Map<string, number>();
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const id =
          isScalar(keyNode) && typeof keyNode.value !== 'symbol'
            ? `${typeof keyNode.value}:${String(keyNode.value)}`
            : undefined;
        const name = keyText(keyNode) ?? keyLabel(keyNode);
        const childLabel = label === '' ? name : `${label}.${name}`;
        if (id !== undefined) {
          const first = firstSeen.get(id);
          const offset = nodeOffset(keyNode, nodeOffset(node));
          if (first === undefined) firstSeen.set(id, offset);
          else
            this.report(
              offset,
              `${childLabel} is set twice (first on line ${this.positions.at(first).line}); ` +
                'Feast keeps only the last value, so remove one of them',
            );
        }
        this.checkDuplicates(pair.value, childLabel, visited);
      }
    } else if (isSeq(node)) {
      (node as YAMLSeq).items.forEach((item, index) =>
        this.checkDuplicates(item, `${label}[${index}]`, visited),
      );
    }
  }

  /** Last written entry per key (PyYAML's behaviour for duplicates, which are reported separately). */
  private entryMap(map: YAMLMap): Map<string, MapEntry> {
    const byKey = new Map<string, MapEntry>();
    for (const entry of this.reader.entries(map)) byKey.set(entry.key, entry);
    return byKey;
  }

  private typoHint(missing: string, entries: Map<string, MapEntry>, known: readonly string[]): string {
    for (const [key, entry] of entries) {
      if (known.includes(key) || FEAST_TOP_LEVEL_KEYS.includes(key)) continue;
      if (closest(key, [missing]) === missing)
        return ` (line ${this.positions.at(entry.keyOffset).line} has "${key}": did you mean ${missing}?)`;
    }
    return '';
  }

  // ---------------------------------------------------------------- the document

  validate(): RepoConfig | undefined {
    const root = this.doc.contents;
    if (root === null || (isScalar(root) && root.value === null && (root.source ?? '') === '')) {
      this.report(
        nodeOffset(root),
        'the file holds no settings; it needs project, registry, provider and offline_store (type: redshift)',
      );
      return undefined;
    }
    const rootValue = this.reader.value(root, 0);
    if (rootValue.kind !== 'map' || !isMap(rootValue.node)) {
      this.report(
        rootValue.offset,
        `the file must be a mapping of settings (key: value lines), got ${this.describe(rootValue)}`,
      );
      return undefined;
    }
    const rootMap = rootValue.node;
    const rootOffset = nodeOffset(rootMap);
    this.checkDuplicates(rootMap, '');
    const entries = this.entryMap(rootMap);
    const known = ['project', 'provider', 'registry', 'offline_store'];

    for (const entry of entries.values()) {
      if (keyText(entry.keyNode) === undefined && !entry.merged)
        this.report(entry.keyOffset, `top-level keys must be names, got ${quoted(entry.key)}`);
    }

    const project = this.project(entries.get('project'), rootOffset, entries, known);
    const provider = this.provider(entries.get('provider'));
    const registryEntry = entries.get('registry');
    let registry: RegistrySetting | undefined;
    if (!registryEntry)
      this.report(
        rootOffset,
        'registry is required: the path of the Feast registry, e.g. registry: data/registry.db' +
          this.typoHint('registry', entries, known),
      );
    else registry = this.registry(registryEntry);
    const offlineStore = this.offlineStore(entries.get('offline_store'), rootOffset, entries, known);

    const extra: Record<string, unknown> = {};
    for (const [key, entry] of entries) {
      if (known.includes(key)) continue;
      try {
        extra[key] = this.reader.toJs(entry.value.node);
      } catch (error) {
        // yaml refuses documents whose aliases expand too much (a "billion laughs" file).
        this.report(entry.value.offset, `${key} cannot be read: ${(error as Error).message}`);
      }
    }

    if (project === undefined || provider === undefined || !registry || !offlineStore) return undefined;
    return {
      repoDir: path.resolve(this.options.repoDir),
      project,
      provider,
      registry,
      offlineStore,
      extra,
    };
  }

  // ---------------------------------------------------------------- project and provider

  private project(
    entry: MapEntry | undefined,
    rootOffset: number,
    entries: Map<string, MapEntry>,
    known: string[],
  ): string | undefined {
    if (!entry) {
      this.report(
        rootOffset,
        'project is required: the Feast project name, e.g. project: driver_ranking' +
          this.typoHint('project', entries, known),
      );
      return undefined;
    }
    const name = this.string('project', entry.value, 'a project name such as driver_ranking', true);
    if (name === undefined) return undefined;
    const at = entry.value.offset;
    if (name === '') {
      this.report(at, 'project is empty; expected a project name such as driver_ranking');
      return undefined;
    }
    // Feast's rule: word characters (Unicode letters, digits, underscore) and hyphens, not starting with an
    // underscore or a hyphen. Its SQLite guard then rejects hyphens: the validator looks for the online store
    // among the fields validated before `project`, finds none, and so applies to every project.
    const allowed = /^[\p{L}\p{N}_-]+$/u.test(name);
    if (!allowed || name.startsWith('_') || name.startsWith('-')) {
      this.report(
        at,
        `project must contain only letters, digits and underscores and not start with an underscore, got ${quoted(name)}`,
      );
      return undefined;
    }
    if (name.includes('-')) {
      this.report(
        at,
        `project must not contain hyphens, got ${quoted(name)}: Feast rejects them because it uses the project ` +
          `name in SQLite table names; use ${name.replaceAll('-', '_')}`,
      );
      return undefined;
    }
    return name;
  }

  private provider(entry: MapEntry | undefined): string | undefined {
    if (!entry) return 'local'; // Feast's default
    const expected = `one of ${KNOWN_PROVIDERS.join(', ')} (or a provider class path)`;
    const name = this.string('provider', entry.value, expected);
    if (name === undefined) return undefined;
    if (!KNOWN_PROVIDERS.includes(name) && !name.includes('.')) {
      this.report(entry.value.offset, `provider must be ${expected}, got ${quoted(name)}`);
      return undefined;
    }
    return name;
  }

  // ---------------------------------------------------------------- registry

  private registry(entry: MapEntry): RegistrySetting | undefined {
    const value = entry.value;
    if (value.kind === 'string') return this.registryPath('registry', value, undefined);
    if (value.kind !== 'map' || !isMap(value.node)) {
      this.typeMismatch(
        'registry',
        'a registry path such as data/registry.db, or a mapping with path and cache_ttl_seconds',
        value,
      );
      return undefined;
    }
    const map = value.node;
    const entries = this.entryMap(map);
    let ok = true;

    const typeEntry = entries.get('registry_type');
    if (typeEntry) {
      const type = this.string('registry.registry_type', typeEntry.value, 'file');
      if (type === undefined) ok = false;
      else if (type !== 'file') {
        const known = REGISTRY_TYPES.includes(type);
        this.report(
          typeEntry.value.offset,
          known
            ? `registry.registry_type is ${quoted(type)}, but the workbench reads file registries only ` +
                '(registry.db or registry-dump JSON, on disk or in S3); use registry_type: file'
            : `registry.registry_type must be one of ${REGISTRY_TYPES.join(', ')}, got ${quoted(type)}; ` +
                'the workbench reads file registries (registry_type: file)',
        );
        return undefined;
      }
    }

    let storeType: string | undefined;
    let storeUsable = true;
    const storeEntry = entries.get('registry_store_type');
    if (storeEntry && storeEntry.value.kind !== 'null') {
      storeType = this.string(
        'registry.registry_store_type',
        storeEntry.value,
        'a registry store class name',
      );
      storeUsable = false;
      if (storeType === undefined) ok = false;
      else if (!storeType.endsWith('RegistryStore')) {
        this.report(
          storeEntry.value.offset,
          `registry.registry_store_type must name a class ending in RegistryStore, got ${quoted(storeType)}`,
        );
        ok = false;
      } else if (!/(?:^|\.)(?:File|S3)RegistryStore$/.test(storeType)) {
        this.report(
          storeEntry.value.offset,
          `registry.registry_store_type is ${quoted(storeType)}, but the workbench reads registries from local ` +
            'files or S3 only (FileRegistryStore or S3RegistryStore)',
        );
        ok = false;
      } else storeUsable = true;
    }

    let cacheTtlSeconds: number | undefined;
    const ttlEntry = entries.get('cache_ttl_seconds');
    if (ttlEntry) {
      const ttl = ttlEntry.value;
      if (ttl.kind !== 'int') {
        this.typeMismatch('registry.cache_ttl_seconds', 'a whole number of seconds such as 600', ttl);
        ok = false;
      } else if (!Number.isSafeInteger(ttl.scalar)) {
        this.report(ttl.offset, `registry.cache_ttl_seconds is too large: ${ttl.source}`);
        ok = false;
      } else cacheTtlSeconds = ttl.scalar as number;
    }

    const modeEntry = entries.get('cache_mode');
    if (modeEntry) {
      const mode = this.string('registry.cache_mode', modeEntry.value, 'sync or thread');
      if (mode !== undefined && mode !== 'sync' && mode !== 'thread')
        this.report(
          modeEntry.value.offset,
          `registry.cache_mode must be sync or thread, got ${quoted(mode)}`,
        );
    }

    const kwargs = entries.get('s3_additional_kwargs');
    if (kwargs && kwargs.value.kind !== 'null') {
      if (kwargs.value.kind !== 'map' || !isMap(kwargs.value.node)) {
        this.typeMismatch('registry.s3_additional_kwargs', 'a mapping of names to strings', kwargs.value);
      } else {
        for (const item of this.reader.entries(kwargs.value.node)) {
          this.string(`registry.s3_additional_kwargs.${item.key}`, item.value);
        }
      }
    }
    this.optionalBool('registry.purge_feast_metadata', entries.get('purge_feast_metadata'));
    this.optionalBool(
      'registry.enable_online_feature_view_versioning',
      entries.get('enable_online_feature_view_versioning'),
    );
    const mcp = entries.get('mcp');
    if (mcp && mcp.value.kind !== 'null') {
      if (mcp.value.kind !== 'map' || !isMap(mcp.value.node))
        this.typeMismatch('registry.mcp', 'a mapping', mcp.value);
      else this.optionalBool('registry.mcp.enabled', this.entryMap(mcp.value.node).get('enabled'));
    }

    const pathEntry = entries.get('path');
    if (!pathEntry) {
      this.report(
        nodeOffset(map, value.offset),
        'registry.path is required: the path of the Feast registry, e.g. path: data/registry.db',
      );
      return undefined;
    }
    if (pathEntry.value.kind !== 'string') {
      this.typeMismatch('registry.path', 'a registry path such as data/registry.db', pathEntry.value);
      return undefined;
    }
    if (!storeUsable) return undefined;
    const setting = this.registryPath('registry.path', pathEntry.value, storeType);
    if (!setting || !ok) return undefined;
    if (cacheTtlSeconds !== undefined) setting.cacheTtlSeconds = cacheTtlSeconds;
    return setting;
  }

  /** Where Feast would read the registry from: the URI scheme picks the store, as in Feast. */
  private registryPath(
    label: string,
    value: YamlValue,
    storeType: string | undefined,
  ): RegistrySetting | undefined {
    const written = value.text ?? '';
    const at = value.offset;
    if (written === '') {
      this.report(at, `${label} is empty; expected a registry path such as data/registry.db`);
      return undefined;
    }
    const format: RegistrySetting['format'] = written.toLowerCase().endsWith('.json') ? 'json' : 'protobuf';
    // Python's urlparse: a scheme is letters first, then letters, digits, + - . before a colon; a one-letter
    // scheme followed by :/ or :\ is a Windows drive.
    const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(written);
    let scheme = schemeMatch ? (schemeMatch[1] ?? '').toLowerCase() : '';
    if (scheme.length === 1 && /^.:[\\/]/.test(written)) scheme = '';
    const store = storeType?.replace(/^.*\./, '');
    if (store === 'FileRegistryStore') scheme = scheme === 's3' ? 'file-store-with-s3' : '';
    else if (store === 'S3RegistryStore' && scheme !== 's3') {
      this.report(
        at,
        `${label} must be an s3:// URI because registry_store_type is S3RegistryStore, got ${quoted(written)}`,
      );
      return undefined;
    }

    if (scheme === '') {
      const location: RegistryLocation = { kind: 'file', path: path.resolve(this.options.repoDir, written) };
      return { path: written, location, format };
    }
    if (scheme === 's3') {
      const uri = `s3://${written.slice('s3://'.length)}`;
      const parsed = parseS3Uri(uri);
      if (!parsed.ok) {
        this.report(
          at,
          `${label} must be an S3 URI such as s3://my-bucket/registry.db, got ${quoted(written)} (${parsed.reason})`,
        );
        return undefined;
      }
      if (parsed.key === '' || parsed.key.endsWith('/')) {
        this.report(
          at,
          `${label} must name an object, such as s3://${parsed.bucket}/registry.db, got ${quoted(written)}`,
        );
        return undefined;
      }
      return { path: written, location: { kind: 's3', bucket: parsed.bucket, key: parsed.key, uri }, format };
    }
    if (scheme === 'file-store-with-s3') {
      this.report(
        at,
        `${label} is an s3:// URI but registry_store_type is FileRegistryStore, which reads local files only; ` +
          'remove registry_store_type or set it to S3RegistryStore',
      );
      return undefined;
    }
    if (scheme === 'file') {
      this.report(
        at,
        `${label} must be a plain file path, got the URL ${quoted(written)}: Feast's file registry does not ` +
          `understand file:// URLs; write ${written.replace(/^file:\/\/(?:localhost)?/i, '') || '/path/to/registry.db'}`,
      );
      return undefined;
    }
    if (scheme === 'gs' || scheme === 'hdfs') {
      this.report(
        at,
        `${label} is a ${scheme}:// location, but the workbench reads registries from local files or s3:// only`,
      );
      return undefined;
    }
    this.report(
      at,
      `${label} has the unsupported scheme ${scheme}:, got ${quoted(written)}; use a local path or an s3:// URI`,
    );
    return undefined;
  }

  // ---------------------------------------------------------------- offline store

  private offlineStore(
    entry: MapEntry | undefined,
    rootOffset: number,
    rootEntries: Map<string, MapEntry>,
    known: string[],
  ): RedshiftOfflineStoreConfig | undefined {
    const expected =
      'a mapping with type: redshift, region, database, s3_staging_location, iam_role and either cluster_id and user or workgroup';
    if (!entry) {
      this.report(
        rootOffset,
        `offline_store is required: ${expected} (without it Feast uses the dask offline store)` +
          this.typoHint('offline_store', rootEntries, known),
      );
      return undefined;
    }
    const value = entry.value;
    if (value.kind !== 'map' || !isMap(value.node)) {
      this.typeMismatch('offline_store', expected, value);
      return undefined;
    }
    const map = value.node;
    const mapOffset = nodeOffset(map, value.offset);
    const entries = this.entryMap(map);

    const typeEntry = entries.get('type');
    if (!typeEntry) {
      this.report(
        mapOffset,
        'offline_store.type is required: type: redshift (without it Feast uses the dask offline store)',
      );
      return undefined;
    }
    const type = this.string('offline_store.type', typeEntry.value, 'redshift');
    if (type === undefined) return undefined;
    if (type !== 'redshift') {
      this.report(
        typeEntry.value.offset,
        /(?:^|\.)RedshiftOfflineStore$/.test(type)
          ? `offline_store.type must be written redshift, got ${quoted(type)}: Feast's Redshift settings accept only that spelling`
          : `offline_store.type is ${quoted(type)}, but the workbench works with the Redshift offline store only (type: redshift)`,
      );
      return undefined;
    }

    let ok = true;
    for (const item of entries.values()) {
      if ((REDSHIFT_KEYS as readonly string[]).includes(item.key)) continue;
      const suggestion = closest(item.key, REDSHIFT_KEYS);
      this.report(
        item.keyOffset,
        `offline_store.${item.key} is not a Redshift offline store setting` +
          (suggestion ? ` (did you mean ${suggestion}?)` : '') +
          `; Feast accepts only ${REDSHIFT_KEYS.join(', ')}`,
      );
      ok = false;
    }

    const region = this.requiredString(
      'offline_store.region',
      entries.get('region'),
      mapOffset,
      `the AWS region of the Redshift cluster or workgroup, e.g. region: ${REGION_EXAMPLE}`,
      `an AWS region such as ${REGION_EXAMPLE}`,
    );
    if (region && !isAwsRegion(region.text)) {
      const reason = checkAwsRegion(region.text);
      this.report(
        region.value.offset,
        `offline_store.region must be an AWS region such as ${REGION_EXAMPLE}, got ${this.describe(region.value)}` +
          (reason ? ` (${reason})` : ''),
      );
      ok = false;
    }

    const database = this.requiredString(
      'offline_store.database',
      entries.get('database'),
      mapOffset,
      'the Redshift database to query, e.g. database: dev',
      'a database name such as dev',
      true,
    );

    const staging = this.requiredString(
      'offline_store.s3_staging_location',
      entries.get('s3_staging_location'),
      mapOffset,
      `the S3 prefix Redshift unloads to and copies from, e.g. s3_staging_location: ${STAGING_EXAMPLE}`,
      `an S3 URI such as ${STAGING_EXAMPLE}`,
    );
    let stagingLocation: string | undefined;
    if (staging) {
      const parsed = parseS3Uri(staging.text);
      if (!parsed.ok) {
        this.report(
          staging.value.offset,
          `offline_store.s3_staging_location must be an S3 URI such as ${STAGING_EXAMPLE}, got ${this.describe(staging.value)} (${parsed.reason})`,
        );
        ok = false;
      } else {
        // Feast appends "/<name>" to this prefix; a trailing slash would produce "//" in object keys.
        stagingLocation = staging.text.replace(/\/+$/, '');
      }
    }

    const role = this.requiredString(
      'offline_store.iam_role',
      entries.get('iam_role'),
      mapOffset,
      `the IAM role Redshift assumes to read and write the staging location, e.g. iam_role: ${ROLE_EXAMPLE}`,
      `an IAM role ARN such as ${ROLE_EXAMPLE}`,
    );
    if (role) {
      const check = checkIamRoleArn(role.text);
      if (!check.ok) {
        this.report(
          role.value.offset,
          `offline_store.iam_role must be an IAM role ARN such as ${ROLE_EXAMPLE}, got ${this.describe(role.value)}` +
            (check.reason ? ` (${check.reason})` : ''),
        );
        ok = false;
      }
    }

    const target = this.target(entries, mapOffset);
    if (!region || !database || !stagingLocation || !role || !target || !ok) return undefined;
    return {
      type: 'redshift',
      region: region.text,
      database: database.text,
      s3StagingLocation: stagingLocation,
      iamRole: role.text,
      target,
    };
  }

  /**
   * Feast's rule, with Python truthiness: cluster_id and user together select a provisioned cluster, workgroup
   * selects Serverless; neither is an error, cluster_id with workgroup is an error, and a user next to a
   * workgroup (without cluster_id) is accepted and ignored.
   */
  private target(entries: Map<string, MapEntry>, mapOffset: number): RedshiftTarget | undefined {
    const cluster = entries.get('cluster_id');
    const user = entries.get('user');
    const workgroup = entries.get('workgroup');
    let typed = true;
    for (const [name, item] of [
      ['cluster_id', cluster],
      ['user', user],
      ['workgroup', workgroup],
    ] as const) {
      if (item && item.value.kind !== 'null' && item.value.kind !== 'string') {
        this.typeMismatch(`offline_store.${name}`, 'a string', item.value, true);
        typed = false;
      }
    }
    if (!typed) return undefined;
    const hasCluster = truthy(cluster?.value);
    const hasUser = truthy(user?.value);
    const hasWorkgroup = truthy(workgroup?.value);
    const at = (item: MapEntry | undefined) => (item ? item.value.offset : mapOffset);

    if (hasCluster && hasWorkgroup) {
      const later = [cluster, workgroup].sort((a, b) => (a?.keyOffset ?? 0) - (b?.keyOffset ?? 0))[1];
      this.report(
        later?.keyOffset ?? mapOffset,
        'offline_store sets both cluster_id and workgroup; keep cluster_id and user for a provisioned cluster, ' +
          'or workgroup for Redshift Serverless, not both',
      );
      return undefined;
    }
    if (hasWorkgroup) return { kind: 'serverless', workgroup: workgroup?.value.text ?? '' };
    if (hasCluster && hasUser)
      return { kind: 'cluster', clusterId: cluster?.value.text ?? '', user: user?.value.text ?? '' };
    if (hasCluster) {
      this.report(
        at(user),
        `offline_store.user is ${user ? 'empty' : 'required'} with cluster_id: the database user to connect to ` +
          'the provisioned cluster as, e.g. user: awsuser (or use workgroup for Redshift Serverless)',
      );
      return undefined;
    }
    if (hasUser) {
      this.report(
        at(cluster),
        `offline_store.cluster_id is ${cluster ? 'empty' : 'required'} with user: the provisioned cluster to ` +
          'connect to, e.g. cluster_id: feast-cluster (or use workgroup for Redshift Serverless)',
      );
      return undefined;
    }
    const empties = [cluster, user, workgroup].some((item) => item !== undefined);
    this.report(
      mapOffset,
      'offline_store needs cluster_id and user (a provisioned cluster) or workgroup (Redshift Serverless)' +
        (empties ? '; an empty value counts as not set' : ''),
    );
    return undefined;
  }
}

/**
 * Where a quoted value that never closes begins. The parser reports the end of the text, where it gave up; the
 * opening quote is what the user needs to find.
 */
function openingQuote(text: string, errorOffset: number, quote: string): number | undefined {
  for (let i = Math.min(errorOffset, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (i === 0 || /[\s:,[{-]/.test(text[i - 1] ?? '')) return i;
  }
  return undefined;
}

function syntaxProblem(
  text: string,
  code: string,
  message: string,
  offset: number,
): { offset: number; message: string } {
  const quote = /^Missing closing (["'])quote/.exec(message)?.[1];
  if (code === 'MISSING_CHAR' && quote) {
    const start = openingQuote(text, offset, quote);
    if (start !== undefined)
      return {
        offset: start,
        message: `YAML syntax error: the value quoted here with ${quote} has no closing ${quote}`,
      };
  }
  return { offset, message: syntaxMessage(code, message) };
}

function syntaxMessage(code: string, message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/\.$/, '');
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'YAML syntax error: tabs cannot indent YAML; use spaces';
    case 'MULTIPLE_DOCS':
      return 'YAML syntax error: the file must hold a single YAML document, but a second one starts here';
    case 'TAG_RESOLVE_FAILED':
      return `unknown YAML tag (${first.replace(/^Unresolved tag: /, '')}); Feast's YAML loader rejects it`;
    case 'BLOCK_AS_IMPLICIT_KEY':
      return (
        'YAML syntax error: a "key: value" follows a value here; put each key on its own line, indented like ' +
        'its neighbours, or quote the value if the colon belongs to it'
      );
    case 'MULTILINE_IMPLICIT_KEY':
      return 'YAML syntax error: a key must fit on one line and be followed by a colon; check for a missing colon or wrong indentation';
    case 'BAD_INDENT':
      return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}; check the indentation`;
    default:
      return `YAML syntax error: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
  }
}

/** Parses and validates the text of a feature_store.yaml. Never throws for any input text. */
export function parseRepoConfig(text: string, options: ParseRepoConfigOptions): ParseRepoConfigResult {
  const { doc, positions } = parseYaml(text);
  const validator = new RepoConfigValidator(doc, positions, options);
  const reported = new Set<number>();
  for (const error of doc.errors) {
    const problem = syntaxProblem(text, error.code, error.message, error.pos[0]);
    // One mistake often yields several parser errors at the same spot; the first says it best.
    if (reported.has(problem.offset)) continue;
    reported.add(problem.offset);
    validator.report(problem.offset, problem.message);
  }
  for (const warning of doc.warnings)
    validator.report(warning.pos[0], syntaxMessage(warning.code, warning.message));
  if (doc.errors.length > 0) return validator.result(undefined);
  const aliases = unresolvedAliases(doc);
  for (const alias of aliases) validator.report(alias.offset, alias.message);
  if (aliases.length > 0) return validator.result(undefined);
  return validator.result(validator.validate());
}

export interface LoadRepoConfigOptions {
  /** Defaults to the process environment, as Feast uses. */
  env?: Environment;
}

/** Reads and validates `<repoDir>/feature_store.yaml`. */
export async function loadRepoConfig(
  repoDir: string,
  options: LoadRepoConfigOptions = {},
): Promise<RepoConfig> {
  const dir = path.resolve(repoDir);
  const file = path.join(dir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const isDir = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      throw new WorkbenchError(
        {
          kind: 'NotFound',
          what: CONFIG_FILE_NAME,
          name: file,
          hint: isDir
            ? `${dir} is not a Feast repository; point at the folder holding feature_store.yaml`
            : `the folder ${dir} does not exist`,
        },
        { cause: error },
      );
    }
    throw new WorkbenchError(
      {
        kind: 'InputInvalid',
        file,
        reason: `cannot read the file: ${(error as Error).message}`,
      },
      { cause: error },
    );
  }
  const { config, problems } = parseRepoConfig(text, {
    file: CONFIG_FILE_NAME,
    repoDir: dir,
    env: options.env ?? process.env,
  });
  if (!config) throw new WorkbenchError({ kind: 'ConfigInvalid', problems });
  return config;
}
