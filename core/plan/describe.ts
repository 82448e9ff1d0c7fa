/** Sentences for the plan preview: what each step of a group does, in a feature engineer's words. */

import type { ResolvedGroup } from './resolve';
import { describeDuration, formatSqlTimestamp } from './time';
import type { PlanStep } from './types';

export interface DescribeContext {
  entityTimestampColumn: string;
  timestampRange?: { min: bigint; max: bigint };
  filterByCreatedTimestamp: boolean;
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function tuple(names: readonly string[]): string {
  return names.length === 1 ? names[0]! : `(${names.join(', ')})`;
}

export function describeGroupSteps(
  group: ResolvedGroup,
  index: number,
  context: DescribeContext,
): PlanStep[] {
  const { name } = group;
  const keyNames = group.joinKeys.map((key) => key.entityColumn);
  const tupleNames = [...keyNames, context.entityTimestampColumn];
  const step = (kind: PlanStep['kind'], description: string): PlanStep => ({
    id: `g${index}.${kind}`,
    kind,
    description: `${name}: ${description}`,
  });

  const renamed = group.joinKeys.filter((key) => key.entityColumn !== key.joinKey);
  const keysSentence =
    group.joinKeys.length === 0
      ? `the view has no entities, so take the distinct ${context.entityTimestampColumn} values of the entity frame.`
      : `take the distinct ${tuple(tupleNames)} ${tupleNames.length === 2 ? 'pairs' : 'tuples'} of the entity frame` +
        (renamed.length === 0
          ? '.'
          : `; ${list(renamed.map((key) => `${key.entityColumn} stands for the view's join key ${key.joinKey}`))}.`);

  const ttl = describeDuration(group.ttlSeconds);
  const range = context.timestampRange;
  let window: string;
  if (group.ttlSeconds === 0) {
    window = range
      ? `up to ${formatSqlTimestamp(range.max)} (the latest entity timestamp; TTL 0, so no lower bound)`
      : 'up to the latest entity timestamp (TTL 0, so no lower bound)';
  } else {
    window = range
      ? `from ${formatSqlTimestamp(range.min - BigInt(group.ttlSeconds) * 1_000_000n)} to ` +
        `${formatSqlTimestamp(range.max)} (the entity frame's range, widened by the ${ttl} TTL)`
      : `from the earliest entity timestamp less the ${ttl} TTL to the latest entity timestamp`;
  }
  const mapped = [
    ...group.joinKeys.map((key) => [key.sourceColumn, key.joinKey] as const),
    ...group.features.map((feature) => [feature.sourceColumn, feature.feature] as const),
  ].filter(([sourceColumn, mappedName]) => sourceColumn !== mappedName);
  const mappingNote =
    mapped.length === 0
      ? ''
      : ` The field mapping reads ${list(mapped.map(([sourceColumn, mappedName]) => `${mappedName} from ${sourceColumn}`))}.`;
  const sourceLabel = group.source.kind === 'table' ? group.source.sql : 'the result of the source query';
  const scanSentence = `read ${sourceLabel}, rows with ${group.timestampColumn} ${window}.${mappingNote}`;

  const age = group.ttlSeconds === 0 ? 'however old (TTL 0)' : `and at most ${ttl} older`;
  const createdFilter =
    context.filterByCreatedTimestamp && group.createdTimestampColumn
      ? `; rows whose ${group.createdTimestampColumn} is after the entity timestamp are left out (rows without one are kept)`
      : '';
  const matchSentence =
    group.joinKeys.length === 0
      ? `every source row with ${group.timestampColumn} at or before the entity timestamp ${age} is a candidate${createdFilter}.`
      : `source rows of the same ${list(group.joinKeys.map((key) => key.sourceColumn))} with ${group.timestampColumn} ` +
        `at or before the entity timestamp ${age} are candidates${createdFilter}.`;

  const tieBreakers = group.features
    .filter((feature) => feature.tieBreak)
    .map((feature) => feature.sourceColumn);
  const createdTie = group.createdTimestampColumn
    ? `, a later ${group.createdTimestampColumn} breaks ties (rows without one rank last)`
    : '';
  const unordered = group.features
    .filter((feature) => !feature.tieBreak)
    .map((feature) => feature.sourceColumn);
  const residual =
    (tieBreakers.length > 0
      ? `; rows still tied give the smallest ${list(tieBreakers)}, so the winner never depends on row order`
      : '') +
    (unordered.length > 0
      ? ` (${list(unordered)} cannot be ordered in Redshift, so among rows tied on everything else it may come from either)`
      : '');
  const pickSentence =
    `for each ${tuple([...keyNames, 'entity timestamp'])} the row with the latest ${group.timestampColumn} wins` +
    `${createdTie}${residual}.`;

  const outputs = list(group.features.map((feature) => feature.outputName));
  const attachSentence = `attach ${outputs} to every entity row with the same ${list(tupleNames)}: one match at most, no match gives NULL.`;

  return [
    step('entity-keys', keysSentence),
    step('source-scan', scanSentence),
    step('window-join', matchSentence),
    step('pick-latest', pickSentence),
    step('attach', attachSentence),
  ];
}
