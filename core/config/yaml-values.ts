/** Reading parsed YAML nodes with Python's eyes: which type PyYAML would build, merges, aliases, positions. */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { expandEnvironmentVariables, type Environment } from './env-vars';
import { parseYaml } from './yaml-document';

export type ValueKind = 'string' | 'int' | 'float' | 'bool' | 'null' | 'date' | 'map' | 'seq' | 'other';

export interface YamlValue {
  kind: ValueKind;
  /** The node after following an alias; undefined for a key written without a value. */
  node: Node | undefined;
  /** Offset to report problems about this value at. */
  offset: number;
  /** The scalar as written (before environment expansion), when it is a scalar. */
  source?: string;
  /** For strings: the text Feast sees (after environment expansion). */
  text?: string;
  /** For numbers and booleans: the value. */
  scalar?: number | boolean;
}

export interface MapEntry {
  key: string;
  keyNode: Node;
  keyOffset: number;
  value: YamlValue;
  /** True when the entry comes from a `<<` merge rather than being written in this mapping. */
  merged: boolean;
}

export function nodeOffset(node: Node | null | undefined, fallback = 0): number {
  return node?.range?.[0] ?? fallback;
}

export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  if (typeof key.value === 'symbol') return key.value.description === '<<';
  return key.value === '<<' && key.type === 'PLAIN';
}

/** The text of a mapping key as Python would see it, or undefined when PyYAML would build a non-string key. */
export function keyText(key: unknown): string | undefined {
  if (isScalar(key) && typeof key.value === 'string') return key.value;
  return undefined;
}

/** A printable form of any key, for messages. */
export function keyLabel(key: unknown): string {
  if (isScalar(key)) return typeof key.source === 'string' ? key.source : String(key.value);
  return '(complex key)';
}

export class YamlReader {
  constructor(
    private readonly doc: Document.Parsed,
    private readonly env: Environment | undefined,
  ) {}

  resolve(node: unknown): Node | undefined {
    let current = node;
    for (let depth = 0; isAlias(current) && depth < 32; depth++) current = current.resolve(this.doc);
    return isAlias(current) ? undefined : ((current ?? undefined) as Node | undefined);
  }

  value(site: unknown, keyOffset: number): YamlValue {
    const node = this.resolve(site);
    const siteNode = (site ?? undefined) as Node | undefined;
    let offset = nodeOffset(siteNode, keyOffset);
    if (node === undefined || node === null) return { kind: 'null', node: undefined, offset: keyOffset };
    if (isMap(node)) return { kind: 'map', node, offset };
    if (isSeq(node)) return { kind: 'seq', node, offset };
    if (!isScalar(node)) return { kind: 'other', node, offset };
    const source = typeof node.source === 'string' ? node.source : String(node.value);
    const value: unknown = node.value;
    if (value === null || value === undefined) {
      // `key:` with nothing after it: point at the key, not at the empty spot after the colon.
      if (source === '') offset = keyOffset;
      return { kind: 'null', node, offset, source };
    }
    if (typeof value === 'boolean') return { kind: 'bool', node, offset, source, scalar: value };
    if (typeof value === 'number' || typeof value === 'bigint') {
      const integer =
        node.tag !== 'tag:yaml.org,2002:float' &&
        Number.isInteger(Number(value)) &&
        !/[.]|inf|nan/i.test(source);
      return { kind: integer ? 'int' : 'float', node, offset, source, scalar: Number(value) };
    }
    if (value instanceof Date) return { kind: 'date', node, offset, source };
    if (typeof value !== 'string') return { kind: 'other', node, offset, source };
    if (this.env && value.includes('$')) {
      const expanded = expandEnvironmentVariables(value, this.env);
      if (expanded !== value && node.type === 'PLAIN') {
        // Feast expands before parsing, so `$PORT` may become a number.
        const reparsed = parseYaml(expanded).doc;
        if (reparsed.errors.length === 0 && isScalar(reparsed.contents)) {
          const again = this.value(reparsed.contents, offset);
          if (again.kind !== 'string') return { ...again, node, offset, source };
        }
      }
      return { kind: 'string', node, offset, source, text: expanded };
    }
    return { kind: 'string', node, offset, source, text: value };
  }

  /**
   * The entries of a mapping as PyYAML builds the dict: `<<` merges first (an earlier merge source wins over a
   * later one), then the written keys, which override merged ones. Duplicated written keys all appear, in order.
   */
  entries(map: YAMLMap, depth = 0): MapEntry[] {
    const written: MapEntry[] = [];
    const merged: MapEntry[] = [];
    for (const pair of map.items as Pair[]) {
      const keyOffset = nodeOffset(pair.key as Node | null, nodeOffset(map));
      if (isMergeKey(pair.key)) {
        if (depth > 16) continue;
        for (const source of this.mergeSources(pair.value)) {
          for (const entry of this.entries(source, depth + 1)) {
            if (!merged.some((m) => m.key === entry.key)) merged.push({ ...entry, merged: true });
          }
        }
        continue;
      }
      const key = keyText(pair.key) ?? keyLabel(pair.key);
      written.push({
        key,
        keyNode: pair.key as Node,
        keyOffset,
        value: this.value(pair.value, keyOffset),
        merged: false,
      });
    }
    return [...merged.filter((m) => !written.some((w) => w.key === m.key)), ...written];
  }

  /** Mappings named by a `<<` value: one mapping, or a list of them. */
  mergeSources(value: unknown): YAMLMap[] {
    const node = this.resolve(value);
    if (isMap(node)) return [node];
    if (isSeq(node)) return node.items.map((item) => this.resolve(item)).filter((item) => isMap(item));
    return [];
  }

  /** Plain JavaScript for a value kept as-is (`extra`), with environment variables expanded in strings. */
  toJs(node: Node | undefined): unknown {
    if (node === undefined) return null;
    const js: unknown = node.toJS(this.doc, { maxAliasCount: 100 });
    return this.env ? expandDeep(js, this.env) : js;
  }
}

function expandDeep(value: unknown, env: Environment): unknown {
  if (typeof value === 'string') return expandEnvironmentVariables(value, env);
  if (Array.isArray(value)) return value.map((item) => expandDeep(item, env));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, expandDeep(v, env)]));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandDeep(v, env)]));
  }
  return value;
}
