import { describe, expect, it } from 'vitest';
import {
  formatPlanTree,
  formatPlanWarnings,
  nodeLabel,
  parsePlan,
  renderPlanLines,
  walk,
  type ParsedPlan,
  type PlanNode,
} from './explain-parse';

/** The tree as indented labels, to compare shapes at a glance. */
function outline(plan: ParsedPlan): string[] {
  const out: string[] = [];
  const visit = (node: PlanNode, depth: number) => {
    out.push(`${'  '.repeat(depth)}${node.section ? `[${node.section}] ` : ''}${nodeLabel(node)}`);
    node.children.forEach((child) => visit(child, depth + 1));
  };
  plan.roots.forEach((root) => visit(root, 0));
  return out;
}

function find(plan: ParsedPlan, label: string): PlanNode {
  const node = [...walk(plan.roots)].find((n) => nodeLabel(n) === label);
  if (!node) throw new Error(`no node ${label} in\n${outline(plan).join('\n')}`);
  return node;
}

// Plan text from the Amazon Redshift Database Developer Guide ("Query plan", example "Join, aggregate, and
// sort"), as Redshift prints it.
const JOIN_AGGREGATE_SORT = `
 XN Merge  (cost=1002815366604.92..1002815366606.36 rows=576 width=27)
  Merge Key: sum(sales.pricepaid)
  ->  XN Network  (cost=1002815366604.92..1002815366606.36 rows=576 width=27)
        Send to leader
        ->  XN Sort  (cost=1002815366604.92..1002815366606.36 rows=576 width=27)
              Sort Key: sum(sales.pricepaid)
              ->  XN HashAggregate  (cost=2815366577.07..2815366578.51 rows=576 width=27)
                    ->  XN Hash Join DS_BCAST_INNER  (cost=109.98..2815365714.80 rows=172456 width=27)
                          Hash Cond: ("outer".eventid = "inner".eventid)
                          ->  XN Seq Scan on sales  (cost=0.00..1724.56 rows=172456 width=14)
                          ->  XN Hash  (cost=87.98..87.98 rows=8798 width=21)
                                ->  XN Seq Scan on event  (cost=0.00..87.98 rows=8798 width=21)`.slice(1);

// Same guide, "Merge join two tables" and the three-table example after it.
const MERGE_JOIN = `XN Merge Join DS_DIST_NONE  (cost=0.00..6285.93 rows=172456 width=97)
  Merge Cond: ("outer".listid = "inner".listid)
  ->  XN Seq Scan on listing  (cost=0.00..1924.97 rows=192497 width=44)
  ->  XN Seq Scan on sales  (cost=0.00..1724.56 rows=172456 width=53)`;

const THREE_TABLES = `XN Hash Join DS_BCAST_INNER  (cost=109.98..3871130276.17 rows=172456 width=132)
  Hash Cond: ("outer".eventid = "inner".eventid)
  ->  XN Merge Join DS_DIST_NONE  (cost=0.00..6285.93 rows=172456 width=97)
        Merge Cond: ("outer".listid = "inner".listid)
        ->  XN Seq Scan on listing  (cost=0.00..1924.97 rows=192497 width=44)
        ->  XN Seq Scan on sales  (cost=0.00..1724.56 rows=172456 width=53)
  ->  XN Hash  (cost=87.98..87.98 rows=8798 width=35)
        ->  XN Seq Scan on event  (cost=0.00..87.98 rows=8798 width=35)`;

// The EXPLAIN reference page's example, with psql's frame, as the page prints it (its indentation was lost).
const FLATTENED_WITH_FRAME = `                                QUERY PLAN
--------------------------------------------------------------------------
XN Hash Join DS_DIST_OUTER  (cost=2.52..58653620.93 rows=8712 width=43)
Hash Cond: ("outer".venueid = "inner".venueid)
->  XN Seq Scan on event  (cost=0.00..87.98 rows=8798 width=23)
->  XN Hash  (cost=2.02..2.02 rows=202 width=22)
->  XN Seq Scan on venue  (cost=0.00..2.02 rows=202 width=22)
(5 rows)`;

// The table design tutorial ("Select distribution styles"): a plan whose long lines the page cut short.
const CUT_LINES = `   QUERY PLAN
   XN Merge  (cost=1038007224737.84..1038007224738.54 rows=280 width=20)
     Merge Key: dwdate.d_year, part.p_brand1
     ->  XN Network  (cost=1038007224737.84..1038007224738.54 rows=280 width=20)
           Send to leader
           ->  XN Sort  (cost=1038007224737.84..1038007224738.54 rows=280 width=20)
                 Sort Key: dwdate.d_year, part.p_brand1
                 ->  XN HashAggregate  (cost=38007224725.76..38007224726.46 rows=280 
                       ->  XN Hash Join DS_BCAST_INNER  (cost=30674.95..38007188507.46 
                             Hash Cond: ("outer".lo_orderdate = "inner".d_datekey)
                             ->  XN Hash Join DS_BCAST_INNER  (cost=30643.00..37598119820.65 
                                   Hash Cond: ("outer".lo_suppkey = "inner".s_suppkey)
                                   ->  XN Hash Join DS_BCAST_INNER  
                                         Hash Cond: ("outer".lo_partkey = "inner".p_partkey)
                                         ->  XN Seq Scan on lineorder  
                                         ->  XN Hash  (cost=17500.00..17500.00 rows=56000 
                                               ->  XN Seq Scan on part  (cost=0.00..17500.00 
                                                     Filter: ((p_category)::text = 
                                   ->  XN Hash  (cost=12500.00..12500.00 rows=201200
                                         ->  XN Seq Scan on supplier  (cost=0.00..12500.00 
                                               Filter: ((s_region)::text = 'AMERICA'::text)
                             ->  XN Hash  (cost=25.56..25.56 rows=2556 width=8)
                                   ->  XN Seq Scan on dwdate  (cost=0.00..25.56 rows=2556`;

// AWS Prescriptive Guidance ("Query plan in Amazon Redshift"), first lines: one space before the arrow's
// operator and before "(cost", and uneven indentation.
const UNEVEN = `XN Limit (cost=1004400430902.15..1004400430902.17 rows=10 width=39)
  -> XN Merge (cost=1004400430902.15..1004400430926.97 rows=9928 width=39)
        Merge Key: sum(li.l_quantity)
        -> XN Network (cost=1004400430902.15..1004400430926.97 rows=9928 width=39)
              Send to leader
                  -> XN Sort (cost=1004400430902.15..1004400430926.97 rows=9928 width=39)
                     Sort Key: sum(li.l_quantity)
                      -> XN HashAggregate (cost=4400430218.24..4400430243.06 rows=9928 width=39)
                           -> XN Hash Join DS_BCAST_INNER (cost=21489.58..4400401726.35 rows=5698378 width=39)
                                 Hash Cond: ("outer".l_suppkey = "inner".s_suppkey)
                                     -> XN Hash Join DS_DIST_NONE (cost=21364.58..273387.85 rows=5698378 width=14)
                                            Hash Cond: ("outer".l_orderkey = "inner".o_orderkey)
                                                   -> XN Seq Scan on lineitem li (cost=0.00..60012.15 rows=6001215 width=22)
                                                   -> XN Hash (cost=17803.81..17803.81 rows=1424306 width=8)`;

// The EXPLAIN reference page, Lake Formation example: a scan without "on".
const SECURE_SCAN = `XN LF SecureScan t_share  (cost=0.00..0.02 rows=2 width=11)`;

// What the sandbox (PostgreSQL 18) returned for a query with a materialised CTE, scalar subqueries, IN,
// EXISTS and a window function.
const POSTGRES_SECTIONS = `WindowAgg  (cost=47.15..124.63 rows=12 width=56)
  Window: w1 AS (ROWS UNBOUNDED PRECEDING)
  CTE c
    ->  Seq Scan on orders  (cost=0.00..22.00 rows=1200 width=40)
  InitPlan 5
    ->  Seq Scan on orders o3  (cost=25.01..50.01 rows=400 width=0)
          Filter: (order_id > (InitPlan 4).col1)
          InitPlan 4
            ->  Aggregate  (cost=25.00..25.01 rows=1 width=8)
                  ->  Seq Scan on orders orders_1  (cost=0.00..22.00 rows=1200 width=8)
  ->  Result  (cost=0.08..27.29 rows=12 width=40)
        One-Time Filter: (InitPlan 5).col1
        ->  Hash Join  (cost=0.08..27.29 rows=12 width=40)
              Hash Cond: (c.order_id = (1))
              ->  CTE Scan on c  (cost=0.00..24.00 rows=1200 width=40)
              ->  Hash  (cost=0.05..0.05 rows=2 width=4)
                    ->  Unique  (cost=0.04..0.05 rows=2 width=4)
                          ->  Sort  (cost=0.04..0.05 rows=2 width=4)
                                Sort Key: (1)
                                ->  Append  (cost=0.00..0.03 rows=2 width=4)
                                      ->  Result  (cost=0.00..0.01 rows=1 width=4)
                                      ->  Result  (cost=0.00..0.01 rows=1 width=4)
  SubPlan 3
    ->  Result  (cost=4.17..4.18 rows=1 width=4)
          InitPlan 2
            ->  Limit  (cost=0.00..4.17 rows=1 width=4)
                  ->  Result  (cost=0.00..25.00 rows=6 width=4)
                        One-Time Filter: (1 IS NOT NULL)
                        ->  Seq Scan on orders o2  (cost=0.00..25.00 rows=6 width=4)
                              Filter: (order_id = c.order_id)`;

// Part of the sandbox's plan for the demo retrieval: a feature view without entities joins by time only.
const POSTGRES_NESTED_LOOP = `Subquery Scan on global_stats__ranked  (cost=89.48..95.72 rows=1 width=24)
  Filter: (global_stats__ranked.__fwb_rank = 1)
  ->  WindowAgg  (cost=89.48..93.77 rows=156 width=48)
        Window: w1 AS (PARTITION BY e.event_timestamp ORDER BY s.event_timestamp ROWS UNBOUNDED PRECEDING)
        Run Condition: (row_number() OVER w1 <= 1)
        ->  Sort  (cost=89.48..89.87 rows=156 width=40)
              Sort Key: e.event_timestamp, s.event_timestamp DESC
              ->  Nested Loop  (cost=23.38..83.79 rows=156 width=40)
                    Join Filter: (s.event_timestamp <= e.event_timestamp)
                    ->  Seq Scan on fwb_20261124t063308_209f471f_entities e  (cost=0.00..20.70 rows=1070 width=8)
                    ->  Materialize  (cost=0.00..30.43 rows=7 width=32)
                          ->  Seq Scan on global_daily_stats s  (cost=0.00..30.40 rows=7 width=32)`;

describe('parsePlan on Redshift plans from the AWS documentation', () => {
  it('builds the tree of a join, aggregate and sort, with costs, markers and attributes', () => {
    const plan = parsePlan(JOIN_AGGREGATE_SORT);
    expect(plan.dialect).toBe('redshift');
    expect(outline(plan)).toEqual([
      'XN Merge',
      '  XN Network',
      '    XN Sort',
      '      XN HashAggregate',
      '        XN Hash Join DS_BCAST_INNER',
      '          XN Seq Scan on sales',
      '          XN Hash',
      '            XN Seq Scan on event',
    ]);
    const [root] = plan.roots;
    expect(root).toMatchObject({
      operator: 'Merge',
      engine: 'XN',
      cost: { startup: 1002815366604.92, total: 1002815366606.36 },
      rows: 576,
      width: 27,
      details: ['Merge Key: sum(sales.pricepaid)'],
      line: 1,
    });
    expect(find(plan, 'XN Network').details).toEqual(['Send to leader']);
    const join = find(plan, 'XN Hash Join DS_BCAST_INNER');
    expect(join).toMatchObject({
      operator: 'Hash Join',
      distribution: 'DS_BCAST_INNER',
      rows: 172456,
      details: ['Hash Cond: ("outer".eventid = "inner".eventid)'],
      line: 8,
    });
    expect(find(plan, 'XN Seq Scan on sales')).toMatchObject({
      operator: 'Seq Scan',
      relation: 'sales',
      cost: { startup: 0, total: 1724.56 },
    });
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatchObject({
      kind: 'data-movement',
      marker: 'DS_BCAST_INNER',
      line: 8,
      subject: 'XN Hash Join DS_BCAST_INNER',
    });
    expect(plan.warnings[0]!.message).toMatch(
      /^the inner side \(event\) is copied in full to every compute node/,
    );
    expect(plan.warnings[0]!.message).toContain('DISTKEY');
  });

  it('raises no warning for collocated joins (DS_DIST_NONE) and one for the broadcast above them', () => {
    expect(parsePlan(MERGE_JOIN).warnings).toEqual([]);
    expect(find(parsePlan(MERGE_JOIN), 'XN Merge Join DS_DIST_NONE').details).toEqual([
      'Merge Cond: ("outer".listid = "inner".listid)',
    ]);
    const plan = parsePlan(THREE_TABLES);
    expect(outline(plan)).toEqual([
      'XN Hash Join DS_BCAST_INNER',
      '  XN Merge Join DS_DIST_NONE',
      '    XN Seq Scan on listing',
      '    XN Seq Scan on sales',
      '  XN Hash',
      '    XN Seq Scan on event',
    ]);
    expect(plan.warnings.map((w) => [w.line, w.marker])).toEqual([[1, 'DS_BCAST_INNER']]);
    expect(plan.warnings[0]!.message).toContain('inner side (event)');
  });

  it('keeps psql frame lines aside and still reads a plan whose indentation was lost', () => {
    const plan = parsePlan(FLATTENED_WITH_FRAME);
    expect(plan.preamble).toEqual(['QUERY PLAN', '-'.repeat(74)]);
    expect(plan.decoration).toEqual(['(5 rows)']);
    expect(plan.roots).toHaveLength(1);
    expect(plan.roots[0]).toMatchObject({
      operator: 'Hash Join',
      distribution: 'DS_DIST_OUTER',
      details: ['Hash Cond: ("outer".venueid = "inner".venueid)'],
    });
    // Without indentation every arrow hangs off the top operator: wrong nesting, nothing lost.
    expect(plan.roots[0]!.children.map(nodeLabel)).toEqual([
      'XN Seq Scan on event',
      'XN Hash',
      'XN Seq Scan on venue',
    ]);
    expect(plan.warnings.map((w) => w.marker)).toEqual(['DS_DIST_OUTER']);
    expect(plan.warnings[0]!.message).toMatch(/^the outer side \(event\) is redistributed/);
  });

  it('reads lines cut inside the cost group, keeping what is there', () => {
    const plan = parsePlan(CUT_LINES);
    expect(plan.preamble).toEqual(['QUERY PLAN']);
    expect(outline(plan)).toEqual([
      'XN Merge',
      '  XN Network',
      '    XN Sort',
      '      XN HashAggregate',
      '        XN Hash Join DS_BCAST_INNER',
      '          XN Hash Join DS_BCAST_INNER',
      '            XN Hash Join DS_BCAST_INNER',
      '              XN Seq Scan on lineorder',
      '              XN Hash',
      '                XN Seq Scan on part',
      '            XN Hash',
      '              XN Seq Scan on supplier',
      '          XN Hash',
      '            XN Seq Scan on dwdate',
    ]);
    expect(find(plan, 'XN HashAggregate')).toMatchObject({
      cost: { startup: 38007224725.76, total: 38007224726.46 },
      rows: 280,
    });
    expect(find(plan, 'XN HashAggregate').width).toBeUndefined();
    expect(find(plan, 'XN Seq Scan on lineorder').cost).toBeUndefined();
    expect(find(plan, 'XN Seq Scan on part').details).toEqual(['Filter: ((p_category)::text =']);
    // One broadcast per join; each names the table it copies.
    expect(plan.warnings.map((w) => [w.line, w.message.slice(0, 30)])).toEqual([
      [9, 'the inner side (dwdate) is cop'],
      [11, 'the inner side (supplier) is c'],
      [13, 'the inner side (part) is copie'],
    ]);
  });

  it('nests by arrow column when indentation is uneven and arrows have one space', () => {
    const plan = parsePlan(UNEVEN);
    expect(outline(plan)).toEqual([
      'XN Limit',
      '  XN Merge',
      '    XN Network',
      '      XN Sort',
      '        XN HashAggregate',
      '          XN Hash Join DS_BCAST_INNER',
      '            XN Hash Join DS_DIST_NONE',
      '              XN Seq Scan on lineitem li',
      '              XN Hash',
    ]);
    expect(find(plan, 'XN Sort').details).toEqual(['Sort Key: sum(li.l_quantity)']);
    expect(find(plan, 'XN Network').details).toEqual(['Send to leader']);
    expect(find(plan, 'XN Seq Scan on lineitem li')).toMatchObject({ relation: 'lineitem', alias: 'li' });
    expect(plan.warnings.map((w) => w.marker)).toEqual(['DS_BCAST_INNER']);
  });

  it('reads a scan that names its relation without "on"', () => {
    expect(parsePlan(SECURE_SCAN).roots[0]).toMatchObject({
      engine: 'XN',
      operator: 'LF SecureScan',
      relation: 't_share',
      rows: 2,
    });
  });

  it('turns every redistribution or broadcast marker into a warning, and only those', () => {
    // Hand-written, in Redshift's layout: one join per marker.
    const markers = [
      'DS_DIST_NONE',
      'DS_DIST_ALL_NONE',
      'DS_DIST_INNER',
      'DS_DIST_OUTER',
      'DS_DIST_BOTH',
      'DS_DIST_ALL_INNER',
      'DS_BCAST_INNER',
      'DS_DIST_SOMETHING_NEW',
    ];
    for (const marker of markers) {
      const plan = parsePlan([
        `XN Hash Join ${marker}  (cost=1.00..2.00 rows=3 width=4)`,
        '  ->  XN Seq Scan on facts  (cost=0.00..1.00 rows=3 width=4)',
        '  ->  XN Hash  (cost=0.50..0.50 rows=2 width=4)',
        '        ->  XN Seq Scan on dims  (cost=0.00..0.50 rows=2 width=4)',
      ]);
      expect(plan.roots[0]!.distribution).toBe(marker);
      const warned = plan.warnings.filter((w) => w.kind === 'data-movement');
      if (marker === 'DS_DIST_NONE' || marker === 'DS_DIST_ALL_NONE') {
        expect(warned, marker).toEqual([]);
      } else {
        expect(warned, marker).toHaveLength(1);
        expect(warned[0]!.message, marker).toMatch(/DISTKEY|DISTSTYLE|distribution/);
      }
    }
    const both = parsePlan([
      'XN Hash Join DS_DIST_BOTH  (cost=1.00..2.00 rows=3 width=4)',
      '  ->  XN Seq Scan on facts  (cost=0.00..1.00 rows=3 width=4)',
      '  ->  XN Hash  (cost=0.50..0.50 rows=2 width=4)',
      '        ->  XN Seq Scan on dims  (cost=0.00..0.50 rows=2 width=4)',
    ]);
    expect(both.warnings[0]!.message).toMatch(/^both sides \(facts; dims\) are redistributed/);
  });

  it("flags nested-loop joins and Redshift's notes, and reads leader-node operators", () => {
    // Hand-written in Redshift's layout; the note is Redshift's own text.
    const plan = parsePlan([
      'XN Nested Loop DS_BCAST_INNER  (cost=0.00..120.00 rows=20 width=12)',
      '  ->  XN Seq Scan on region  (cost=0.00..0.05 rows=5 width=4)',
      '  ->  XN Seq Scan on nation  (cost=0.00..0.25 rows=25 width=8)',
      '----- Nested Loop Join in the query plan - review the join predicates to avoid Cartesian products -----',
    ]);
    expect(plan.notes).toEqual([
      '----- Nested Loop Join in the query plan - review the join predicates to avoid Cartesian products -----',
    ]);
    expect(plan.warnings.map((w) => [w.kind, w.line])).toEqual([
      ['data-movement', 1],
      ['nested-loop', 1],
      ['redshift-note', 4],
    ]);
    expect(plan.warnings[2]).toMatchObject({
      subject: "Redshift's note",
      message: 'Nested Loop Join in the query plan - review the join predicates to avoid Cartesian products.',
    });
    const leader = parsePlan(['LD Seq Scan on pg_class  (cost=0.00..12.50 rows=250 width=68)']);
    expect(leader.roots[0]).toMatchObject({ engine: 'LD', operator: 'Seq Scan', relation: 'pg_class' });
    expect(leader.dialect).toBe('redshift');
  });
});

describe('parsePlan on PostgreSQL plans (what the sandbox returns)', () => {
  it('attaches CTE, InitPlan and SubPlan sections to the operator they introduce', () => {
    const plan = parsePlan(POSTGRES_SECTIONS);
    expect(plan.dialect).toBe('postgresql');
    expect(outline(plan)).toEqual([
      'WindowAgg',
      '  [CTE c] Seq Scan on orders',
      '  [InitPlan 5] Seq Scan on orders o3',
      '    [InitPlan 4] Aggregate',
      '      Seq Scan on orders orders_1',
      '  Result',
      '    Hash Join',
      '      CTE Scan on c',
      '      Hash',
      '        Unique',
      '          Sort',
      '            Append',
      '              Result',
      '              Result',
      '  [SubPlan 3] Result',
      '    [InitPlan 2] Limit',
      '      Result',
      '        Seq Scan on orders o2',
    ]);
    expect(plan.roots[0]!.details).toEqual(['Window: w1 AS (ROWS UNBOUNDED PRECEDING)']);
    expect(find(plan, 'Seq Scan on orders o3').details).toEqual(['Filter: (order_id > (InitPlan 4).col1)']);
    expect(find(plan, 'CTE Scan on c')).toMatchObject({ operator: 'CTE Scan', relation: 'c' });
    expect(plan.warnings).toEqual([]);
  });

  it('flags the nested loop of a join without keys and reads Subquery Scan and WindowAgg', () => {
    const plan = parsePlan(POSTGRES_NESTED_LOOP);
    expect(plan.roots[0]).toMatchObject({
      operator: 'Subquery Scan',
      relation: 'global_stats__ranked',
      details: ['Filter: (global_stats__ranked.__fwb_rank = 1)'],
    });
    expect(find(plan, 'WindowAgg').details).toHaveLength(2);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toMatchObject({ kind: 'nested-loop', line: 8, subject: 'Nested Loop' });
    expect(plan.warnings[0]!.message).toContain('feature view without entities');
  });

  it('reads an index scan', () => {
    expect(
      parsePlan('Index Scan using orders_pkey on orders o  (cost=0.15..8.17 rows=1 width=40)').roots[0],
    ).toMatchObject({ operator: 'Index Scan', index: 'orders_pkey', relation: 'orders', alias: 'o' });
  });
});

describe('renderPlanLines', () => {
  it('gives back the plan in the engines’ layout', () => {
    expect(renderPlanLines(parsePlan(JOIN_AGGREGATE_SORT))).toEqual(
      JOIN_AGGREGATE_SORT.split('\n').map((line, i) => (i === 0 ? line.trim() : line)),
    );
    expect(renderPlanLines(parsePlan(POSTGRES_SECTIONS))).toEqual(POSTGRES_SECTIONS.split('\n'));
  });

  it('keeps text that is not a plan', () => {
    const plan = parsePlan('ERROR: not a plan\n\nsecond line');
    expect(plan).toMatchObject({ dialect: 'unknown', roots: [], warnings: [] });
    expect(renderPlanLines(plan)).toEqual(['ERROR: not a plan', '', 'second line']);
  });
});

describe('formatPlanTree and formatPlanWarnings', () => {
  it('prints operators with aligned figures, attributes under them and warning marks', () => {
    const plan = parsePlan([
      ...THREE_TABLES.split('\n'),
      '----- Nested Loop Join in the query plan - review the join predicates to avoid Cartesian products -----',
    ]);
    expect(formatPlanTree(plan)).toEqual([
      'operator                                            cost    rows  width',
      'XN Hash Join DS_BCAST_INNER  [!1]  109.98..3871130276.17  172456    132',
      '  Hash Cond: ("outer".eventid = "inner".eventid)',
      '  -> XN Merge Join DS_DIST_NONE            0.00..6285.93  172456     97',
      '       Merge Cond: ("outer".listid = "inner".listid)',
      '    -> XN Seq Scan on listing              0.00..1924.97  192497     44',
      '    -> XN Seq Scan on sales                0.00..1724.56  172456     53',
      '  -> XN Hash                                87.98..87.98    8798     35',
      '    -> XN Seq Scan on event                  0.00..87.98    8798     35',
    ]);
    const warnings = formatPlanWarnings(plan);
    expect(warnings[0]).toBe('Warnings (2):');
    expect(warnings[1]).toMatch(
      /^ {2}\[!1\] line 1, XN Hash Join DS_BCAST_INNER: the inner side \(event\) is copied in full/,
    );
    expect(warnings[2]).toBe(
      "  [!2] line 9, Redshift's note: Nested Loop Join in the query plan - review the join predicates to " +
        'avoid Cartesian products.',
    );
  });

  it('leaves figures a cut line lacks empty, shows sections, and says when there is nothing to warn about', () => {
    const cut = parsePlan(CUT_LINES);
    const lines = formatPlanTree(cut);
    expect(lines[0]).toBe('QUERY PLAN');
    expect(lines.find((l) => l.includes('XN Seq Scan on lineorder'))).toMatch(/-> XN Seq Scan on lineorder$/);
    expect(formatPlanTree(parsePlan(POSTGRES_SECTIONS))).toContain('  CTE c');
    expect(formatPlanWarnings(parsePlan(MERGE_JOIN))).toEqual([
      'No warnings: no join moves rows between nodes and no nested-loop join.',
    ]);
    expect(formatPlanWarnings(parsePlan(POSTGRES_SECTIONS))).toEqual(['No warnings.']);
    expect(formatPlanTree(parsePlan('not a plan'))).toEqual(['not a plan']);
  });
});
