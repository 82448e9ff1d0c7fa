import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlan, renderPlanLines, type PlanNode } from './explain-parse';

/** A line as the tree keeps it: trimmed, without the arrows in front of an operator (layout, not content). */
function content(line: string): string {
  return line.trim().replace(/^(?:->\s*)+/, '');
}

function sortedContents(lines: readonly string[]): string[] {
  return lines.map(content).sort();
}

const FRAGMENTS = [
  '->  ',
  '->',
  '  ',
  '      ',
  '\t',
  'XN ',
  'LD ',
  'Hash Join',
  ' DS_BCAST_INNER',
  ' DS_DIST_NONE',
  'DS_',
  '  (cost=1.00..2.00 rows=3 width=4)',
  '(cost=12.5',
  ' rows=7',
  ')',
  'InitPlan 1',
  'SubPlan 2',
  'CTE x',
  '-----',
  ' Nested Loop ',
  '(5 rows)',
  'Filter: ',
  ' on ',
  ' using ',
  'Scan',
  '"q r"',
  '\r',
  '\u00a0',
];

const planishLine = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 6 })), { maxLength: 8 })
  .map((parts) => parts.join(''));

describe('parsePlan on arbitrary text', () => {
  it('never throws, and re-rendering keeps every input line', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(planishLine, { maxLength: 30 }), fc.array(fc.string({ unit: 'grapheme' }))),
        (lines) => {
          const plan = parsePlan(lines);
          expect(sortedContents(renderPlanLines(plan))).toEqual(sortedContents(lines));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on one string of any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const plan = parsePlan(text);
        const lines = text.split(/\r?\n/);
        if (lines.length > 1 && lines.at(-1) === '') lines.pop();
        expect(sortedContents(renderPlanLines(plan))).toEqual(sortedContents(lines));
      }),
      { numRuns: 2000 },
    );
  });
});

interface GeneratedNode {
  engine: boolean;
  operator: string;
  relation?: string;
  distribution?: string;
  cost: [number, number];
  rows: number;
  width: number;
  details: string[];
  section?: string;
  children: GeneratedNode[];
  /** Extra columns of indentation for the details and the children, as uneven plans have. */
  detailShift: number;
  childShift: number;
}

const detailText = fc
  .tuple(
    fc.constantFrom('Hash Cond', 'Filter', 'Sort Key', 'Merge Key', 'Join Filter', 'Group Key', 'Window'),
    fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
  )
  .map(([key, value]) => `${key}: ${value}`.trim());

const { tree } = fc.letrec<{ tree: GeneratedNode; node: GeneratedNode }>((tie) => ({
  node: fc.record({
    engine: fc.boolean(),
    operator: fc.constantFrom(
      'Hash Join',
      'Hash Left Join',
      'Merge Join',
      'Nested Loop',
      'Seq Scan',
      'Subquery Scan',
      'Hash',
      'Sort',
      'WindowAgg',
      'Network',
      'Limit',
    ),
    relation: fc.option(fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), { nil: undefined }),
    distribution: fc.option(
      fc.constantFrom('DS_DIST_NONE', 'DS_BCAST_INNER', 'DS_DIST_BOTH', 'DS_DIST_ALL_INNER'),
      { nil: undefined },
    ),
    cost: fc.tuple(fc.nat(10 ** 9), fc.nat(10 ** 9)),
    rows: fc.nat(),
    width: fc.nat(10_000),
    details: fc.array(detailText, { maxLength: 3 }),
    section: fc.option(fc.constantFrom('InitPlan 1', 'SubPlan 2', 'CTE recent'), { nil: undefined }),
    children: fc.oneof(
      { maxDepth: 6 },
      fc.constant<GeneratedNode[]>([]),
      fc.array(tie('node') as fc.Arbitrary<GeneratedNode>, { minLength: 1, maxLength: 3 }),
    ),
    detailShift: fc.nat(3),
    childShift: fc.nat(3),
  }),
  tree: (tie('node') as fc.Arbitrary<GeneratedNode>).map((root) => ({ ...root, section: undefined })),
}));

function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

function header(node: GeneratedNode): string {
  const scan = node.operator.endsWith('Scan') && node.relation ? ` on ${node.relation}` : '';
  const marker = node.operator.includes('Join') && node.distribution ? ` ${node.distribution}` : '';
  const [a, b] = node.cost;
  const cost = `(cost=${money(Math.min(a, b))}..${money(Math.max(a, b))} rows=${node.rows} width=${node.width})`;
  return `${node.engine ? 'XN ' : ''}${node.operator}${marker}${scan}  ${cost}`;
}

/** Prints a tree the way the engines do, with the extra indentation the generator chose. */
function print(node: GeneratedNode, indent: number | undefined, out: string[]): void {
  const top = indent === undefined;
  const arrowColumn = top ? 0 : indent + (node.section ? 2 : 0);
  if (node.section && !top) out.push(`${' '.repeat(indent)}${node.section}`);
  out.push(`${' '.repeat(arrowColumn)}${top ? '' : '->  '}${header(node)}`);
  const detailColumn = arrowColumn + (top ? 2 : 6) + node.detailShift;
  for (const detail of node.details) out.push(`${' '.repeat(detailColumn)}${detail}`);
  const childColumn = arrowColumn + (top ? 2 : 6) + node.childShift;
  for (const child of node.children) print(child, childColumn, out);
}

function expected(node: GeneratedNode, top: boolean): unknown {
  const [a, b] = node.cost;
  return {
    engine: node.engine ? 'XN' : undefined,
    operator: node.operator,
    relation: node.operator.endsWith('Scan') ? node.relation : undefined,
    distribution: node.operator.includes('Join') ? node.distribution : undefined,
    cost: { startup: Number(money(Math.min(a, b))), total: Number(money(Math.max(a, b))) },
    rows: node.rows,
    width: node.width,
    details: node.details,
    section: top ? undefined : node.section,
    children: node.children.map((child) => expected(child, false)),
  };
}

function actual(node: PlanNode): unknown {
  return {
    engine: node.engine,
    operator: node.operator,
    relation: node.relation,
    distribution: node.distribution,
    cost: node.cost,
    rows: node.rows,
    width: node.width,
    details: node.details,
    section: node.section,
    children: node.children.map(actual),
  };
}

describe('parsePlan on generated plans', () => {
  it('reads back the tree that was printed, whatever the indentation', () => {
    fc.assert(
      fc.property(tree, (root) => {
        const lines: string[] = [];
        print(root, undefined, lines);
        const plan = parsePlan(lines);
        expect(plan.roots.map(actual)).toEqual([expected(root, true)]);
        expect(plan.preamble).toEqual([]);
        const movements = plan.warnings.filter((w) => w.kind === 'data-movement').length;
        let expectedMovements = 0;
        const count = (node: GeneratedNode) => {
          if (node.operator.includes('Join') && node.distribution && node.distribution !== 'DS_DIST_NONE')
            expectedMovements++;
          node.children.forEach(count);
        };
        count(root);
        expect(movements).toBe(expectedMovements);
      }),
      { numRuns: 500 },
    );
  });
});
