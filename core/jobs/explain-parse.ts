/**
 * EXPLAIN output as a typed tree. Redshift and PostgreSQL print plans the same way: one operator per line, a
 * child operator behind `->` and indented under its parent, the operator's attributes (Hash Cond, Filter, Sort
 * Key...) on their own lines under it. Redshift adds the `XN` (compute nodes) or `LD` (leader node) prefix, a
 * data-movement marker on joins (`DS_DIST_*`, `DS_BCAST_*`) and `----- ... -----` notes at the end. The parser
 * never fails: a line it cannot place is kept as an attribute of the nearest operator, so every input line
 * survives in the tree (renderPlanLines gives them back).
 */

/** Redshift's data-movement markers, as its documentation lists them. */
export const DISTRIBUTION_MARKERS = [
  'DS_DIST_NONE',
  'DS_DIST_ALL_NONE',
  'DS_DIST_INNER',
  'DS_DIST_OUTER',
  'DS_DIST_BOTH',
  'DS_DIST_ALL_INNER',
  'DS_BCAST_INNER',
] as const;

export type KnownDistributionMarker = (typeof DISTRIBUTION_MARKERS)[number];
/** A known marker, or another `DS_DIST_*` / `DS_BCAST_*` word that a newer Redshift may print. */
export type DistributionMarker = KnownDistributionMarker | `DS_${string}`;

/** Markers that move no rows between nodes. */
const NO_MOVEMENT: ReadonlySet<string> = new Set(['DS_DIST_NONE', 'DS_DIST_ALL_NONE']);

export interface PlanCost {
  /** Relative cost of returning the first row. */
  startup: number;
  /** Relative cost of completing the operation (cumulative: includes the children). */
  total: number;
}

export interface PlanNode {
  /** The operator without engine prefix, marker or relation: `Hash Join`, `Seq Scan`, `Network`. */
  operator: string;
  /** Redshift's prefix: XN runs on the compute nodes, LD on the leader node. PostgreSQL has none. */
  engine?: 'XN' | 'LD';
  /** The scanned table, CTE or subquery (`Seq Scan on event`, `XN Subquery Scan volt_dt_2`). */
  relation?: string;
  /** The alias after the relation (`Seq Scan on orders o`). */
  alias?: string;
  /** The index of an index scan (`Index Scan using orders_pkey on orders`). */
  index?: string;
  /**
   * Absent only when the line carries no `(cost=... rows=... width=...)` group, as in plan excerpts whose
   * long lines were cut.
   */
  cost?: PlanCost;
  /** Estimated rows returned. */
  rows?: number;
  /** Estimated average row width in bytes. */
  width?: number;
  /** Redshift's data-movement marker on a join. */
  distribution?: DistributionMarker;
  /** Attribute lines under the operator (Hash Cond, Filter, Sort Key, Send to leader...), trimmed. */
  details: string[];
  /** PostgreSQL's section label above this operator: `InitPlan 1`, `SubPlan 2`, `CTE recent`. */
  section?: string;
  children: PlanNode[];
  /** 1-based line of the operator in the plan text. */
  line: number;
  /** The operator line as printed, without indentation and arrow. */
  text: string;
}

export type PlanWarningKind = 'data-movement' | 'nested-loop' | 'redshift-note';

export interface PlanWarning {
  kind: PlanWarningKind;
  /** 1-based line in the plan text. */
  line: number;
  /** What the warning is about: the operator (`XN Hash Join DS_BCAST_INNER`), or `Redshift's note`. */
  subject: string;
  marker?: DistributionMarker;
  /** What it means and what to do about it. */
  message: string;
}

export interface ParsedPlan {
  /** `redshift` when an XN/LD operator or a DS_ marker appears; `postgresql` for other plans. */
  dialect: 'redshift' | 'postgresql' | 'unknown';
  /** Top operators; one for every plan either engine prints, more only for unusual text. */
  roots: PlanNode[];
  /** Redshift's notes (`----- Nested Loop Join in the query plan - ... -----`), as printed. */
  notes: string[];
  /** Lines before the first operator (a psql header, EXPLAIN VERBOSE's node dump), trimmed. */
  preamble: string[];
  /** psql's frame after the first operator: separator lines and the `(N rows)` footer, trimmed. */
  decoration: string[];
  warnings: PlanWarning[];
}

// Lenient about the end: lines of plan excerpts are often cut inside the group.
const COST_GROUP =
  /\s*\(cost=(\d+(?:\.\d+)?)(?:\.\.(\d+(?:\.\d+)?))?(?:\s+rows=(\d+))?(?:\s+width=(\d+))?\)?/;
const ARROW = /^->\s*/;
const NOTE = /^-{3,}\s*([^\s-].*?)\s*-{3,}$/;
const SEPARATOR = /^-+$/;
const ROW_COUNT_FOOTER = /^\(\d+ rows?\)$/;
const SECTION = /^(?:(?:InitPlan|SubPlan)\s+\d+|CTE\s+\S+)(?:\s+\(.*\))?$/;
const ENGINE = /^(XN|LD)\s+/;
const MARKER = /(?:^|\s)(DS_(?:DIST|BCAST)_[A-Z_]+)(?=\s|$)/;

/** The operator line without its cost group: `XN Hash Join DS_BCAST_INNER`. */
export function nodeLabel(node: PlanNode): string {
  return node.text.replace(COST_GROUP, '').trim();
}

function splitRelation(text: string): { relation: string; alias?: string } {
  const match = /^("(?:[^"]|"")*"|\S+)\s+(\S+)$/.exec(text);
  return match ? { relation: match[1]!, alias: match[2]! } : { relation: text };
}

function parseOperatorLine(text: string, line: number): PlanNode {
  const node: PlanNode = { operator: '', details: [], children: [], line, text };
  const cost = COST_GROUP.exec(text);
  let head = cost ? text.slice(0, cost.index) : text;
  if (cost) {
    if (cost[2] !== undefined) node.cost = { startup: Number(cost[1]), total: Number(cost[2]) };
    if (cost[3] !== undefined) node.rows = Number(cost[3]);
    if (cost[4] !== undefined) node.width = Number(cost[4]);
  }
  head = head.trim();
  const engine = ENGINE.exec(head);
  if (engine) {
    node.engine = engine[1] as 'XN' | 'LD';
    head = head.slice(engine[0].length);
  }
  const marker = MARKER.exec(head);
  if (marker) {
    node.distribution = marker[1] as DistributionMarker;
    head = `${head.slice(0, marker.index)} ${head.slice(marker.index + marker[0].length)}`
      .replace(/\s+/g, ' ')
      .trim();
  }
  const indexScan = /^(.*?)\s+using\s+(\S+)\s+on\s+(\S.*)$/.exec(head);
  const onRelation = /^(.*?)\s+on\s+(\S.*)$/.exec(head);
  // Redshift names some scanned relations without "on": `XN Subquery Scan volt_dt_2`, `XN LF SecureScan t`.
  const bareScan = /^(.*Scan)\s+(\S.*)$/.exec(head);
  if (indexScan) {
    node.operator = indexScan[1]!;
    node.index = indexScan[2]!;
    Object.assign(node, splitRelation(indexScan[3]!));
  } else if (onRelation) {
    node.operator = onRelation[1]!;
    Object.assign(node, splitRelation(onRelation[2]!));
  } else if (bareScan) {
    node.operator = bareScan[1]!;
    Object.assign(node, splitRelation(bareScan[2]!));
  } else {
    node.operator = head;
  }
  return node;
}

function indentOf(raw: string): number {
  return raw.length - raw.trimStart().length;
}

function toLines(input: string | readonly string[]): string[] {
  if (typeof input !== 'string') return [...input];
  const lines = input.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parses EXPLAIN output (the text, or one string per row as the Data API returns it). Never throws. */
export function parsePlan(input: string | readonly string[]): ParsedPlan {
  const lines = toLines(input);
  const plan: ParsedPlan = {
    dialect: 'unknown',
    roots: [],
    notes: [],
    preamble: [],
    decoration: [],
    warnings: [],
  };
  // Open operators, innermost last; `indent` is the column of the arrow, or of the text for a top operator.
  let stack: { node: PlanNode; indent: number }[] = [];
  let section: { text: string; indent: number } | undefined;

  // The operator that owns a line indented by `indent`: the innermost one indented less. Text that is not
  // indented more than the top operator (a flattened excerpt) still belongs to it.
  const ownerOf = (indent: number): PlanNode => {
    for (let i = stack.length - 1; i > 0; i--) if (stack[i]!.indent < indent) return stack[i]!.node;
    return stack[0]!.node;
  };
  const flushSection = () => {
    if (section) ownerOf(section.indent).details.push(section.text);
    section = undefined;
  };

  lines.forEach((raw, index) => {
    const text = raw.trim();
    const indent = indentOf(raw);
    const lineNumber = index + 1;
    if (NOTE.test(text)) {
      plan.notes.push(text);
      return;
    }
    const arrow = ARROW.exec(text);
    const startsPlan = stack.length === 0 && (COST_GROUP.test(text) || ENGINE.test(text));
    const anotherTop =
      stack.length > 0 && !arrow && COST_GROUP.test(text) && indent <= stack[0]!.indent && !section;
    if (!arrow && !startsPlan && !anotherTop) {
      if (stack.length === 0) plan.preamble.push(text);
      else if (SEPARATOR.test(text) || ROW_COUNT_FOOTER.test(text)) plan.decoration.push(text);
      else if (SECTION.test(text)) {
        flushSection();
        section = { text, indent };
      } else {
        flushSection();
        ownerOf(indent).details.push(text);
      }
      return;
    }
    const node = parseOperatorLine(arrow ? text.slice(arrow[0].length) : text, lineNumber);
    if (stack.length === 0 || anotherTop) {
      flushSection();
      plan.roots.push(node);
      stack = [{ node, indent }];
      return;
    }
    // Under a section label (PostgreSQL's `SubPlan 1`), the label's column says whose child this is.
    const column = section ? Math.min(indent, section.indent) : indent;
    while (stack.length > 1 && stack[stack.length - 1]!.indent >= column) stack.pop();
    stack[stack.length - 1]!.node.children.push(node);
    stack.push({ node, indent });
    if (section) node.section = section.text;
    section = undefined;
  });
  if (stack.length > 0) flushSection();

  const all = [...walk(plan.roots)];
  plan.dialect = all.some((n) => n.engine !== undefined || n.distribution !== undefined)
    ? 'redshift'
    : all.length > 0
      ? 'postgresql'
      : 'unknown';
  plan.warnings = planWarnings(plan, lines);
  return plan;
}

/** Every operator, parents before children, in plan order. */
export function* walk(nodes: readonly PlanNode[]): Generator<PlanNode> {
  for (const node of nodes) {
    yield node;
    yield* walk(node.children);
  }
}

/** Relations scanned under a node, in plan order, each once. */
function scannedRelations(node: PlanNode): string[] {
  const names = [...walk([node])].map((n) => n.relation).filter((r): r is string => r !== undefined);
  return [...new Set(names)];
}

function describeSide(node: PlanNode | undefined): string {
  if (!node) return 'not shown';
  const names = scannedRelations(node);
  if (names.length === 0) return 'an intermediate result';
  return names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
}

function movementMessage(node: PlanNode, marker: DistributionMarker): string {
  // Redshift prints the outer input first and the inner (hashed) input second.
  const outer = describeSide(node.children[0]);
  const inner = describeSide(node.children[1]);
  switch (marker) {
    case 'DS_BCAST_INNER':
      return (
        `the inner side (${inner}) is copied in full to every compute node. That is cheap for a small input ` +
        'such as a staged entity frame of a few thousand rows and costly for a large table: give the large ' +
        'source table a DISTKEY on the join key column(s), or make a small, rarely updated table DISTSTYLE ALL.'
      );
    case 'DS_DIST_INNER':
      return (
        `the inner side (${inner}) is redistributed across the slices to line up with the outer side's join ` +
        'key. Give that source table a DISTKEY on the join key column(s) so matching rows already share a slice.'
      );
    case 'DS_DIST_OUTER':
      return (
        `the outer side (${outer}) is redistributed across the slices to line up with the inner side's join ` +
        'key. Give that source table a DISTKEY on the join key column(s) so matching rows already share a slice.'
      );
    case 'DS_DIST_BOTH':
      return (
        `both sides (${outer}; ${inner}) are redistributed because neither is distributed on the join key. ` +
        'Give the feature source tables a DISTKEY on the entity join key column(s), and a SORTKEY on the ' +
        'event timestamp so the time-range filter skips blocks.'
      );
    case 'DS_DIST_ALL_INNER':
      return (
        `the whole inner side (${inner}) goes to a single slice because the outer side (${outer}) uses ` +
        'DISTSTYLE ALL, so one slice does all of the join. Use KEY (on the join key) or EVEN distribution ' +
        'for the outer table.'
      );
    default:
      return (
        `rows move between nodes for this step (${marker}). Check that the joined source tables are ` +
        'distributed (DISTKEY) on the join key column(s).'
      );
  }
}

const NESTED_LOOP_MESSAGE =
  'every row of one input is compared with every row of the other, usually because the join has no equality ' +
  'condition. In a point-in-time join this is expected only for a feature view without entities (no join ' +
  'keys); otherwise check the join keys and the join_key_map of the feature view.';

function planWarnings(plan: ParsedPlan, lines: string[]): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  for (const node of walk(plan.roots)) {
    const subject = nodeLabel(node);
    if (node.distribution && !NO_MOVEMENT.has(node.distribution)) {
      warnings.push({
        kind: 'data-movement',
        line: node.line,
        subject,
        marker: node.distribution,
        message: movementMessage(node, node.distribution),
      });
    }
    if (/\bNested Loop\b/i.test(node.operator)) {
      warnings.push({ kind: 'nested-loop', line: node.line, subject, message: NESTED_LOOP_MESSAGE });
    }
  }
  let searchFrom = 0;
  for (const note of plan.notes) {
    const found = lines.findIndex((line, i) => i >= searchFrom && line.trim() === note);
    searchFrom = found + 1;
    const text = NOTE.exec(note)?.[1] ?? note;
    warnings.push({
      kind: 'redshift-note',
      line: found + 1,
      subject: "Redshift's note",
      message: `${text}.`,
    });
  }
  return warnings;
}

/**
 * The plan as text again, indented the way both engines print it: every input line is there (trimmed and
 * re-indented), operators before their attributes and children.
 */
export function renderPlanLines(plan: ParsedPlan): string[] {
  const out = [...plan.preamble];
  // A top operator at column 0 has its attributes at 2; a child's arrow sits at its parent's attribute column
  // (2 further in under a section label) and its attributes 6 further in than the arrow.
  const emit = (node: PlanNode, parentDetailColumn: number | undefined) => {
    const top = parentDetailColumn === undefined;
    const arrowColumn = top ? 0 : parentDetailColumn + (node.section ? 2 : 0);
    if (node.section && !top) out.push(`${' '.repeat(parentDetailColumn)}${node.section}`);
    out.push(`${' '.repeat(arrowColumn)}${top ? '' : '->  '}${node.text}`);
    const detailColumn = top ? 2 : arrowColumn + 6;
    for (const detail of node.details) out.push(`${' '.repeat(detailColumn)}${detail}`);
    for (const child of node.children) emit(child, detailColumn);
  };
  for (const root of plan.roots) emit(root, undefined);
  out.push(...plan.notes, ...plan.decoration);
  return out;
}

function costText(node: PlanNode): string {
  return node.cost ? `${node.cost.startup.toFixed(2)}..${node.cost.total.toFixed(2)}` : '';
}

/**
 * The plan as an indented tree with cost, rows and width in aligned columns; attribute lines under their
 * operator; `[!n]` after an operator that warning n is about.
 */
export function formatPlanTree(plan: ParsedPlan): string[] {
  const marks = new Map<number, number[]>();
  plan.warnings.forEach((warning, i) => marks.set(warning.line, [...(marks.get(warning.line) ?? []), i + 1]));
  type Row = { label: string; cost: string; rows: string; width: string } | { text: string };
  const rows: Row[] = [];
  const visit = (node: PlanNode, depth: number) => {
    const indent = '  '.repeat(depth);
    if (node.section) rows.push({ text: `${indent}${node.section}` });
    const mark = marks.get(node.line);
    rows.push({
      label: `${indent}${depth > 0 ? '-> ' : ''}${nodeLabel(node)}${mark ? `  [!${mark.join(',')}]` : ''}`,
      cost: costText(node),
      rows: node.rows === undefined ? '' : String(node.rows),
      width: node.width === undefined ? '' : String(node.width),
    });
    const detailIndent = `${indent}${depth > 0 ? '   ' : ''}  `;
    for (const detail of node.details) rows.push({ text: `${detailIndent}${detail}` });
    for (const child of node.children) visit(child, depth + 1);
  };
  plan.roots.forEach((root) => visit(root, 0));
  const nodes = rows.filter((row): row is Exclude<Row, { text: string }> => 'label' in row);
  const header = { label: 'operator', cost: 'cost', rows: 'rows', width: 'width' };
  const widest = (key: keyof typeof header) => Math.max(...[header, ...nodes].map((row) => row[key].length));
  const [label, cost, count, width] = [widest('label'), widest('cost'), widest('rows'), widest('width')];
  const line = (row: typeof header) =>
    `${row.label.padEnd(label)}  ${row.cost.padStart(cost)}  ${row.rows.padStart(count)}  ${row.width.padStart(width)}`.trimEnd();
  return [
    ...plan.preamble,
    ...(nodes.length > 0 ? [line(header)] : []),
    ...rows.map((row) => ('text' in row ? row.text : line(row))),
  ];
}

/** The warnings, numbered as the `[!n]` marks of formatPlanTree. */
export function formatPlanWarnings(plan: ParsedPlan): string[] {
  if (plan.warnings.length === 0) {
    return plan.dialect === 'redshift'
      ? ['No warnings: no join moves rows between nodes and no nested-loop join.']
      : ['No warnings.'];
  }
  return [
    `Warnings (${plan.warnings.length}):`,
    ...plan.warnings.map((w, i) => `  [!${i + 1}] line ${w.line}, ${w.subject}: ${w.message}`),
  ];
}
