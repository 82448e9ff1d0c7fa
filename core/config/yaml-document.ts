/**
 * Parsing feature_store.yaml the way Feast reads it, keeping the document (comments, ranges) for positions and
 * edits.
 *
 * Feast loads the file with PyYAML's `safe_load`, which implements YAML 1.1: `yes`/`on`/`off` are booleans,
 * `0777` is octal, `12:30` is a base-60 integer. The `yaml` package's 1.1 schema is close but not identical, so
 * two tags are adjusted to match PyYAML: booleans (PyYAML does not treat `y`/`n` as booleans) and floats
 * (PyYAML needs a dot, so `1e3` stays a string, and an exponent needs its sign).
 */
import {
  isAlias,
  parseDocument,
  visit,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type ScalarTag,
  type SchemaOptions,
  type Tags,
} from 'yaml';

const BOOL_TAG = 'tag:yaml.org,2002:bool';
const FLOAT_TAG = 'tag:yaml.org,2002:float';

const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PYYAML_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PYYAML_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?)$/;

function isScalarTag(tag: Tags[number]): tag is ScalarTag {
  return typeof tag === 'object' && 'test' in tag;
}

function pyyamlTags(tags: Tags): Tags {
  const result: Tags = [];
  for (const tag of tags) {
    if (!isScalarTag(tag)) {
      result.push(tag);
      continue;
    }
    if (tag.tag === BOOL_TAG) {
      const truthy = tag.test?.test('true') === true;
      result.push({ ...tag, test: truthy ? PYYAML_TRUE : PYYAML_FALSE });
    } else if (tag.tag === FLOAT_TAG && tag.format === 'EXP') {
      // PyYAML has no float form without a dot; such text is a string.
      continue;
    } else if (tag.tag === FLOAT_TAG && tag.test?.test('1.5') === true) {
      result.push({ ...tag, test: PYYAML_FLOAT });
    } else {
      result.push(tag);
    }
  }
  return result;
}

/** Options shared by every parse and stringify of feature_store.yaml. */
export const yamlOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  schema: 'yaml-1.1',
  customTags: pyyamlTags,
  merge: true,
  prettyErrors: false,
  // Duplicate keys are found by the validator, which can name both occurrences.
  uniqueKeys: false,
};

export interface ParsedYaml {
  doc: Document.Parsed;
  positions: TextPositions;
}

export function parseYaml(text: string, options: { uniqueKeys?: boolean } = {}): ParsedYaml {
  const doc = parseDocument(text, { ...yamlOptions, uniqueKeys: options.uniqueKeys ?? false });
  return { doc, positions: new TextPositions(text) };
}

/**
 * Aliases whose anchor is not defined before them. The parser accepts them silently; PyYAML (and so Feast)
 * refuses the file.
 */
export function unresolvedAliases(doc: Document): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.resolve(doc) === undefined)
        found.push({
          offset: node.range?.[0] ?? 0,
          message: `YAML error: the alias *${node.source} has no anchor &${node.source} defined before it`,
        });
    },
  });
  return found;
}

/** 1-based line and column (in UTF-16 code units, as editors such as Monaco count) of text offsets. */
export class TextPositions {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  at(offset: number): { line: number; column: number } {
    const clamped = Math.max(0, Math.min(Math.trunc(offset), this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: clamped - (this.lineStarts[low] ?? 0) + 1 };
  }

  lineStart(offset: number): number {
    return this.offsetOf(this.at(offset).line, 1);
  }

  /** Offset just after the newline ending the line that holds `offset` (or the text's end). */
  nextLineStart(offset: number): number {
    const { line } = this.at(offset);
    return line < this.lineStarts.length ? (this.lineStarts[line] ?? this.text.length) : this.text.length;
  }

  offsetOf(line: number, column: number): number {
    return (this.lineStarts[line - 1] ?? this.text.length) + column - 1;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}
