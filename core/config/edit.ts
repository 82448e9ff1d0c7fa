/**
 * Edits to feature_store.yaml that keep the user's file as it is everywhere else: comments, blank lines, key
 * order, quoting and indentation.
 *
 * Each edit is first made as a small text splice (replace a value, delete the lines of one key, insert a line),
 * which leaves every other byte untouched. The result is then parsed and compared with the same edit made on the
 * parsed document; if they differ (an unusual layout the splice does not handle, such as a flow mapping), the
 * edit falls back to re-printing the edited document, which still keeps comments but may normalise spacing.
 * A file that does not parse is never edited.
 */
import { isDeepStrictEqual } from 'node:util';
import { Document, isAlias, isMap, isScalar, isSeq, Scalar, YAMLMap, type Node, type Pair } from 'yaml';
import { WorkbenchError, type ConfigProblem } from '../contract/errors';
import type { RedshiftTarget } from './model';
import {
  parseYaml,
  unresolvedAliases,
  yamlOptions,
  type ParsedYaml,
  type TextPositions,
} from './yaml-document';
import { keyText, nodeOffset } from './yaml-values';

export type ConfigFieldValue = string | number | boolean | null;
type ScalarValue = Exclude<ConfigFieldValue, null>;

const FILE_LABEL = 'feature_store.yaml';

type Edit =
  | { op: 'set'; path: string[]; value: ScalarValue }
  | { op: 'delete'; path: string[] }
  /** Replace a key (keeping its place and comments) and give it a new value. */
  | { op: 'rename'; path: string[]; newKey: string; value: ScalarValue }
  /** Add `key: value` to the mapping at `mapPath`, right after `after` (or at its end). */
  | { op: 'insertAfter'; mapPath: string[]; after: string | undefined; key: string; value: ScalarValue };

// ------------------------------------------------------------------------------------------------ parsing

function refuse(problems: ConfigProblem[]): never {
  throw new WorkbenchError({ kind: 'ConfigInvalid', problems });
}

function problemAt(positions: TextPositions, offset: number, message: string): ConfigProblem {
  return { file: FILE_LABEL, ...positions.at(offset), message };
}

/** Parses for editing; a file with syntax errors (duplicate keys included) is refused, not rewritten. */
function parseForEdit(text: string): ParsedYaml {
  const parsed = parseYaml(text, { uniqueKeys: true });
  if (parsed.doc.errors.length > 0) {
    refuse(
      parsed.doc.errors.map((error) =>
        problemAt(
          parsed.positions,
          error.pos[0],
          error.code === 'DUPLICATE_KEY'
            ? 'cannot edit the file while this key is written twice; remove one of them first'
            : `cannot edit the file while it has a YAML error here: ${(error.message.split('\n')[0] ?? '').replace(/\.$/, '')}`,
        ),
      ),
    );
  }
  const aliases = unresolvedAliases(parsed.doc);
  if (aliases.length > 0) {
    refuse(
      aliases.map((alias) =>
        problemAt(parsed.positions, alias.offset, `cannot edit the file: ${alias.message}`),
      ),
    );
  }
  return parsed;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  let found: Pair | undefined;
  for (const pair of map.items as Pair[]) if (keyText(pair.key) === key) found = pair;
  return found;
}

function isEmptyValue(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null);
}

interface Located {
  /** The deepest mapping reached; path[depth] was looked up in it. Undefined when the file has no mapping. */
  map?: YAMLMap;
  /** The pair for path[depth], when present. It is the target itself when depth is the last index. */
  pair?: Pair;
  depth: number;
  /** A value in the way: path[index] holds something that is neither a mapping nor empty (-1: the file). */
  blocked?: { node: Node; index: number };
}

/** Walks `path` through mappings, stopping at the first missing, empty or non-mapping step. */
function locate(doc: Document, path: string[]): Located {
  const root = doc.contents;
  if (isEmptyValue(root)) return { depth: 0 };
  if (!isMap(root)) return { depth: 0, blocked: { node: root as Node, index: -1 } };
  let map: YAMLMap = root;
  for (let i = 0; i < path.length; i++) {
    const pair = findPair(map, path[i] ?? '');
    if (!pair || i === path.length - 1) return { map, pair, depth: i };
    const next = pair.value;
    if (isMap(next)) {
      map = next;
      continue;
    }
    if (isEmptyValue(next)) return { map, pair, depth: i };
    return { map, pair, depth: i, blocked: { node: next as Node, index: i } };
  }
  return { map, depth: path.length };
}

/** The pair at exactly `path`, with its mapping. */
function target(doc: Document, path: string[]): { map: YAMLMap; pair: Pair } | undefined {
  const { map, pair, depth } = locate(doc, path);
  return map && pair && depth === path.length - 1 ? { map, pair } : undefined;
}

/** The mapping at exactly `path` (the file's top level for an empty path). */
function mapAt(doc: Document, path: string[]): YAMLMap | undefined {
  if (path.length === 0) return isMap(doc.contents) ? doc.contents : undefined;
  const found = target(doc, path);
  return found && isMap(found.pair.value) ? found.pair.value : undefined;
}

function blockedProblem(doc: ParsedYaml, path: string[], blocked: { node: Node; index: number }): never {
  const where = path.slice(0, blocked.index + 1).join('.') || 'the file';
  const what = isSeq(blocked.node) ? 'a list' : isScalar(blocked.node) ? 'a single value' : 'not a mapping';
  refuse([
    problemAt(
      doc.positions,
      nodeOffset(blocked.node),
      `cannot set ${path.join('.')}: ${where} is ${what}, not a mapping of settings`,
    ),
  ]);
}

// ------------------------------------------------------------------------------------------------ the document

function scalarNode(doc: Document, value: ScalarValue): Node {
  return doc.createNode(value) as Node;
}

function setOnDocument(doc: Document, path: string[], value: ScalarValue): void {
  if (isEmptyValue(doc.contents)) doc.contents = new YAMLMap() as never;
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] ?? '';
    if (!isMap(node)) throw new Error(`not a mapping at ${key}`);
    let pair = findPair(node, key);
    if (!pair) {
      node.add(doc.createPair(key, new YAMLMap()));
      pair = findPair(node, key);
    } else if (isEmptyValue(pair.value)) {
      pair.value = new YAMLMap();
    } else if (registryStringForm(path, i, pair)) {
      const map = new YAMLMap();
      map.add(doc.createPair('path', pair.value));
      pair.value = map;
    }
    node = pair?.value;
  }
  if (!isMap(node)) throw new Error('not a mapping');
  const last = path[path.length - 1] ?? '';
  const pair = findPair(node, last);
  if (pair && isScalar(pair.value)) pair.value.value = value;
  else if (pair) pair.value = scalarNode(doc, value);
  else node.add(doc.createPair(last, value));
}

/** `registry: some/path` is shorthand for `registry: {path: some/path}`; setting a registry option expands it. */
function registryStringForm(path: string[], index: number, pair: Pair): boolean {
  return index === 0 && path[0] === 'registry' && path.length === 2 && isScalar(pair.value);
}

function deleteOnDocument(doc: Document, path: string[]): void {
  const found = target(doc, path);
  if (!found) return;
  const { map, pair } = found;
  const index = map.items.indexOf(pair);
  map.items.splice(index, 1);
  // A comment written above the removed key stays, now above the next key (or at the end of the mapping).
  const comment = isScalar(pair.key) ? pair.key.commentBefore : undefined;
  if (comment) {
    const next = map.items[index]?.key;
    if (isScalar(next))
      next.commentBefore = next.commentBefore ? `${comment}\n${next.commentBefore}` : comment;
    else map.comment = map.comment ? `${map.comment}\n${comment}` : comment;
  }
}

function applyToDocument(doc: Document, edit: Edit): void {
  switch (edit.op) {
    case 'set':
      setOnDocument(doc, edit.path, edit.value);
      return;
    case 'delete':
      deleteOnDocument(doc, edit.path);
      return;
    case 'rename': {
      const pair = target(doc, edit.path)?.pair;
      if (!pair) throw new Error('no such key');
      const old = pair.key;
      const key = new Scalar(edit.newKey);
      if (isScalar(old)) {
        key.commentBefore = old.commentBefore;
        key.spaceBefore = old.spaceBefore;
      }
      pair.key = key;
      if (isScalar(pair.value)) pair.value.value = edit.value;
      else pair.value = scalarNode(doc, edit.value);
      return;
    }
    case 'insertAfter': {
      const map = mapAt(doc, edit.mapPath);
      if (!map) {
        setOnDocument(doc, [...edit.mapPath, edit.key], edit.value);
        return;
      }
      const pair = edit.after === undefined ? undefined : findPair(map, edit.after);
      const index = pair ? map.items.indexOf(pair) + 1 : map.items.length;
      map.items.splice(index, 0, doc.createPair(edit.key, edit.value));
      return;
    }
  }
}

// ------------------------------------------------------------------------------------------------ text splices

function scalarText(value: ScalarValue, like?: unknown): string | undefined {
  const doc = new Document(null, { ...yamlOptions });
  const node = doc.createNode(value);
  if (isScalar(like) && isScalar(node) && typeof value === 'string' && typeof like.value === 'string') {
    if (like.type === 'QUOTE_DOUBLE' || like.type === 'QUOTE_SINGLE') node.type = like.type;
  }
  doc.contents = node;
  const text = doc.toString({ lineWidth: 0 }).replace(/\n$/, '');
  // Multi-line scalars depend on their indentation; leave those to the document printer.
  return text.includes('\n') ? undefined : text;
}

function splice(text: string, start: number, end: number, insert: string): string {
  return text.slice(0, start) + insert + text.slice(end);
}

class TextEditor {
  readonly unit: number;
  /** New lines follow the file's line ending. */
  readonly eol: string;

  constructor(
    readonly text: string,
    readonly parsed: ParsedYaml,
  ) {
    this.unit = indentUnit(parsed);
    this.eol = lineEnding(text);
  }

  private get positions(): TextPositions {
    return this.parsed.positions;
  }

  /** Column (0-based) of a key that starts its own line in a block mapping, or undefined. */
  private ownLineIndent(offset: number): number | undefined {
    const start = this.positions.lineStart(offset);
    const before = this.text.slice(start, offset);
    return /^[ ]*$/.test(before) ? before.length : undefined;
  }

  private isBlockMap(map: YAMLMap): boolean {
    if (map.flow) return false;
    const first = map.items[0];
    return !first || this.ownLineIndent(nodeOffset(first.key as Node)) !== undefined;
  }

  /** Offset of the last character belonging to a pair (its value's end, or the key's). */
  private pairLastChar(pair: Pair): number {
    const keyEnd = (pair.key as Node).range?.[1] ?? 0;
    const value = pair.value as Node | null;
    const valueEnd = value?.range?.[1] ?? keyEnd;
    return Math.max(keyEnd, valueEnd) - 1;
  }

  /** Lines to insert for `path[from..]: value`, starting at `indent` spaces. */
  private nestedLines(path: string[], from: number, value: ScalarValue, indent: number): string | undefined {
    let out = '';
    for (let i = from; i < path.length; i++) {
      const key = scalarText(path[i] ?? '');
      if (key === undefined) return undefined;
      const pad = ' '.repeat(indent + (i - from) * this.unit);
      if (i < path.length - 1) out += `${pad}${key}:${this.eol}`;
      else {
        const valueText = scalarText(value);
        if (valueText === undefined) return undefined;
        out += `${pad}${key}: ${valueText}${this.eol}`;
      }
    }
    return out;
  }

  /** Inserts whole lines at a line start (or at the end of a text lacking a final newline). */
  private insertLines(offset: number, lines: string): string {
    const needsNewline = offset === this.text.length && this.text.length > 0 && !this.text.endsWith('\n');
    return splice(this.text, offset, offset, (needsNewline ? this.eol : '') + lines);
  }

  /** Inserts `path[from..]: value` as the last entry of a block mapping. */
  private appendToMap(map: YAMLMap, path: string[], from: number, value: ScalarValue): string | undefined {
    const last = map.items[map.items.length - 1];
    if (!last || !this.isBlockMap(map)) return undefined;
    const indent = this.ownLineIndent(nodeOffset(last.key as Node));
    if (indent === undefined) return undefined;
    const lines = this.nestedLines(path, from, value, indent);
    if (lines === undefined) return undefined;
    return this.insertLines(this.positions.nextLineStart(this.pairLastChar(last)), lines);
  }

  /** Gives a key written without a value (`key:`) a nested block `path[from..]: value`. */
  private fillEmpty(pair: Pair, path: string[], from: number, value: ScalarValue): string | undefined {
    const keyOffset = nodeOffset(pair.key as Node);
    const indent = this.ownLineIndent(keyOffset);
    if (indent === undefined) return undefined;
    const lines = this.nestedLines(path, from, value, indent + this.unit);
    if (lines === undefined) return undefined;
    const valueNode = pair.value as Node | null;
    const at = this.positions.nextLineStart(this.pairLastChar(pair));
    let text = this.insertLines(at, lines);
    // An explicit `~` or `null` must go; the nested lines replace it.
    if (valueNode?.range && valueNode.range[1] > valueNode.range[0]) {
      text = splice(text, valueNode.range[0], valueNode.range[1], '');
    }
    return text;
  }

  set(path: string[], value: ScalarValue): string | undefined {
    const doc = this.parsed.doc;
    if (isEmptyValue(doc.contents)) {
      const root = doc.contents as Node | null;
      if (root?.range && root.range[1] > root.range[0]) return undefined; // an explicit ~ or null
      const lines = this.nestedLines(path, 0, value, 0);
      return lines === undefined ? undefined : this.insertLines(this.text.length, lines);
    }
    const { map, pair, depth } = locate(doc, path);
    if (!map) return undefined;
    if (pair && depth === path.length - 1) return this.replaceValue(pair, value);
    if (pair && isEmptyValue(pair.value)) return this.fillEmpty(pair, path, depth + 1, value);
    if (pair && registryStringForm(path, depth, pair)) return this.expandRegistry(pair, path, value);
    if (pair) return undefined;
    return this.appendToMap(map, path, depth, value);
  }

  private replaceValue(pair: Pair, value: ScalarValue): string | undefined {
    const node = pair.value as Node | null;
    if (isEmptyValue(node) && (!node?.range || node.range[0] === node.range[1])) {
      // `key:` with nothing after the colon.
      const colon = this.text.indexOf(':', (pair.key as Node).range?.[1] ?? 0);
      const valueText = scalarText(value);
      if (colon === -1 || valueText === undefined) return undefined;
      return splice(this.text, colon + 1, colon + 1, ` ${valueText}`);
    }
    if (!node?.range || !(isScalar(node) || isAlias(node))) return undefined;
    const valueText = scalarText(value, node);
    if (valueText === undefined) return undefined;
    return splice(this.text, node.range[0], node.range[1], valueText);
  }

  /** `registry: <path>` becomes `registry:` with `path: <path>` and the new option below it. */
  private expandRegistry(pair: Pair, path: string[], value: ScalarValue): string | undefined {
    const node = pair.value as Node;
    const [start, end] = node.range ?? [0, 0];
    const written = this.text.slice(start, end);
    const indent = this.ownLineIndent(nodeOffset(pair.key as Node));
    if (indent === undefined || written.includes('\n')) return undefined;
    const option = this.nestedLines(path, 1, value, indent + this.unit);
    if (option === undefined) return undefined;
    const lines = `${' '.repeat(indent + this.unit)}path: ${written}${this.eol}${option}`;
    const at = this.positions.nextLineStart(this.pairLastChar(pair));
    // Drop the value and the spaces before it: `registry: x # note` becomes `registry: # note`.
    const colon = this.text.lastIndexOf(':', start);
    const from = colon === -1 ? start : colon + 1;
    return splice(this.insertLines(at, lines), from, end, '');
  }

  delete(path: string[]): string | undefined {
    const found = target(this.parsed.doc, path);
    if (!found) return this.text;
    const { map, pair } = found;
    if (!this.isBlockMap(map)) return undefined;
    const keyOffset = nodeOffset(pair.key as Node);
    if (this.ownLineIndent(keyOffset) === undefined) return undefined;
    const start = this.positions.lineStart(keyOffset);
    const end = this.positions.nextLineStart(this.pairLastChar(pair));
    let text = splice(this.text, start, end, '');
    if (map.items.length === 1 && path.length > 1) {
      // The mapping becomes empty: write {} so it stays a mapping rather than turning into null.
      const parent = target(this.parsed.doc, path.slice(0, -1))?.pair;
      const parentKeyEnd = (parent?.key as Node | undefined)?.range?.[1];
      if (parentKeyEnd === undefined) return undefined;
      const colon = text.indexOf(':', parentKeyEnd);
      if (colon === -1 || colon >= start) return undefined;
      text = splice(text, colon + 1, colon + 1, ' {}');
    }
    return text;
  }

  rename(path: string[], newKey: string, value: ScalarValue): string | undefined {
    const pair = target(this.parsed.doc, path)?.pair;
    const keyNode = pair?.key as Node | undefined;
    const valueNode = pair?.value as Node | null | undefined;
    const keyText = scalarText(newKey, keyNode);
    const valueText = scalarText(value, valueNode);
    if (!keyNode?.range || keyText === undefined || valueText === undefined) return undefined;
    let text = this.text;
    if (valueNode?.range && valueNode.range[1] > valueNode.range[0] && isScalar(valueNode)) {
      text = splice(text, valueNode.range[0], valueNode.range[1], valueText);
    } else if (isEmptyValue(valueNode)) {
      const colon = text.indexOf(':', keyNode.range[1]);
      if (colon === -1) return undefined;
      text = splice(text, colon + 1, colon + 1, ` ${valueText}`);
    } else return undefined;
    return splice(text, keyNode.range[0], keyNode.range[1], keyText);
  }

  insertAfter(
    mapPath: string[],
    after: string | undefined,
    key: string,
    value: ScalarValue,
  ): string | undefined {
    const map = mapAt(this.parsed.doc, mapPath);
    if (!map) return this.set([...mapPath, key], value);
    const pair = after === undefined ? undefined : findPair(map, after);
    if (!pair) return this.appendToMap(map, [...mapPath, key], mapPath.length, value);
    if (!this.isBlockMap(map)) return undefined;
    const indent = this.ownLineIndent(nodeOffset(pair.key as Node));
    const lines = this.nestedLines([key], 0, value, indent ?? 0);
    if (indent === undefined || lines === undefined) return undefined;
    return this.insertLines(this.positions.nextLineStart(this.pairLastChar(pair)), lines);
  }

  apply(edit: Edit): string | undefined {
    switch (edit.op) {
      case 'set':
        return this.set(edit.path, edit.value);
      case 'delete':
        return this.delete(edit.path);
      case 'rename':
        return this.rename(edit.path, edit.newKey, edit.value);
      case 'insertAfter':
        return this.insertAfter(edit.mapPath, edit.after, edit.key, edit.value);
    }
  }
}

function lineEnding(text: string): string {
  return text.includes('\r\n') ? '\r\n' : '\n';
}

/** The indentation step the file uses (2 unless a nested block mapping shows another). */
function indentUnit(parsed: ParsedYaml): number {
  const root = parsed.doc.contents;
  if (!isMap(root)) return 2;
  for (const pair of root.items) {
    const child = pair.value;
    if (isMap(child) && !child.flow && child.items[0]) {
      const parentColumn = parsed.positions.at(nodeOffset(pair.key as Node)).column;
      const childColumn = parsed.positions.at(nodeOffset(child.items[0].key as Node)).column;
      if (childColumn > parentColumn) return childColumn - parentColumn;
    }
  }
  return 2;
}

// ------------------------------------------------------------------------------------------------ running edits

const UNREADABLE = Symbol('unreadable');

/** What a document means (as plain data), or UNREADABLE; an empty document means the same as `{}`. */
function meaning(doc: Document): unknown {
  if (doc.errors.length > 0 || unresolvedAliases(doc).length > 0) return UNREADABLE;
  try {
    const js: unknown = doc.toJS();
    return js === null || js === undefined ? {} : js;
  } catch {
    return UNREADABLE;
  }
}

function contentOf(text: string): unknown {
  return meaning(parseYaml(text, { uniqueKeys: true }).doc);
}

function runEdits(text: string, edits: Edit[]): string {
  const original = parseForEdit(text);
  const expectedDoc = original.doc.clone();
  try {
    for (const edit of edits) applyToDocument(expectedDoc, edit);
  } catch (error) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: `config edit failed: ${(error as Error).message}`,
    });
  }
  const expected = meaning(expectedDoc);
  if (expected === UNREADABLE) {
    throw new WorkbenchError({
      kind: 'ConfigInvalid',
      problems: [
        problemAt(
          original.positions,
          0,
          'cannot edit the file: its aliases expand too much to check the result',
        ),
      ],
    });
  }

  let spliced: string | undefined = text;
  for (const edit of edits) {
    if (spliced === undefined) break;
    const parsed = parseYaml(spliced, { uniqueKeys: true });
    if (parsed.doc.errors.length > 0) spliced = undefined;
    else spliced = new TextEditor(spliced, parsed).apply(edit);
  }
  if (spliced !== undefined && isDeepStrictEqual(contentOf(spliced), expected)) return spliced;

  const printed = expectedDoc
    .toString({ lineWidth: 0, indent: indentUnit(original) })
    .replace(/\r?\n/g, lineEnding(text));
  if (isDeepStrictEqual(contentOf(printed), expected)) return printed;
  throw new WorkbenchError({
    kind: 'Internal',
    message:
      'config edit produced a document that does not read back as intended; the file was left unchanged',
  });
}

function checkPath(parsed: ParsedYaml, path: string[]): void {
  if (path.length === 0 || path.some((key) => typeof key !== 'string' || key === '')) {
    throw new WorkbenchError({
      kind: 'Internal',
      message: 'setConfigField needs a non-empty path of key names',
    });
  }
  const located = locate(parsed.doc, path);
  if (located.blocked && !registryBlockIsExpandable(parsed, path, located))
    blockedProblem(parsed, path, located.blocked);
}

function registryBlockIsExpandable(parsed: ParsedYaml, path: string[], located: Located): boolean {
  if (path[0] !== 'registry' || path.length !== 2 || located.blocked?.index !== 0) return false;
  const root = parsed.doc.contents;
  const pair = isMap(root) ? findPair(root, 'registry') : undefined;
  return pair !== undefined && isScalar(pair.value) && typeof pair.value.value === 'string';
}

/**
 * Sets `path` (mapping keys from the top of the file) to `value`, creating missing mappings; `null` removes the
 * key. Other content, comments and layout are kept. Setting an option under a `registry: <path>` string turns it
 * into the equivalent mapping with `path`.
 */
export function setConfigField(text: string, path: string[], value: ConfigFieldValue): string {
  const parsed = parseForEdit(text);
  checkPath(parsed, path);
  if (value === null) {
    if (!target(parsed.doc, path)) return text;
    return runEdits(text, [{ op: 'delete', path }]);
  }
  return runEdits(text, [{ op: 'set', path, value }]);
}

/**
 * Points offline_store at a provisioned cluster (cluster_id + user) or a Serverless workgroup, removing the
 * other kind's keys. A key of the old kind is reused in place, so its comments and position stay; a new key goes
 * next to the related ones.
 */
export function switchRedshiftTarget(text: string, target: RedshiftTarget): string {
  const parsed = parseForEdit(text);
  const root = parsed.doc.contents;
  const storePair = isMap(root) ? findPair(root, 'offline_store') : undefined;
  const store = storePair?.value;
  if (storePair && !isEmptyValue(store) && !isMap(store)) {
    refuse([
      problemAt(
        parsed.positions,
        nodeOffset(store as Node),
        'offline_store is not a mapping, so the Redshift target cannot be set; write it as a mapping with type: redshift',
      ),
    ]);
  }
  if (root !== null && !isEmptyValue(root) && !isMap(root))
    blockedProblem(parsed, ['offline_store'], { node: root as Node, index: -1 });
  const has = (key: string) => isMap(store) && findPair(store, key) !== undefined;
  const at = (key: string) => ['offline_store', key];
  const anchor = ['region', 'type'].find(has);
  const edits: Edit[] = [];

  if (target.kind === 'serverless') {
    const renamed = has('workgroup')
      ? undefined
      : has('cluster_id')
        ? 'cluster_id'
        : has('user')
          ? 'user'
          : undefined;
    if (has('workgroup')) edits.push({ op: 'set', path: at('workgroup'), value: target.workgroup });
    else if (renamed)
      edits.push({ op: 'rename', path: at(renamed), newKey: 'workgroup', value: target.workgroup });
    else
      edits.push({
        op: 'insertAfter',
        mapPath: ['offline_store'],
        after: anchor,
        key: 'workgroup',
        value: target.workgroup,
      });
    for (const key of ['cluster_id', 'user'])
      if (has(key) && key !== renamed) edits.push({ op: 'delete', path: at(key) });
  } else {
    const renamed = !has('cluster_id') && has('workgroup');
    if (has('cluster_id')) edits.push({ op: 'set', path: at('cluster_id'), value: target.clusterId });
    else if (renamed)
      edits.push({ op: 'rename', path: at('workgroup'), newKey: 'cluster_id', value: target.clusterId });
    else
      edits.push({
        op: 'insertAfter',
        mapPath: ['offline_store'],
        after: anchor,
        key: 'cluster_id',
        value: target.clusterId,
      });
    if (has('user')) edits.push({ op: 'set', path: at('user'), value: target.user });
    else
      edits.push({
        op: 'insertAfter',
        mapPath: ['offline_store'],
        after: 'cluster_id',
        key: 'user',
        value: target.user,
      });
    if (has('workgroup') && !renamed) edits.push({ op: 'delete', path: at('workgroup') });
  }
  return runEdits(text, edits);
}
