/**
 * Names of everything a run leaves in Redshift or S3 while it works. One pattern, so the janitor can tell
 * the workbench's leftovers from anything else and read their age from the name alone.
 */

import { randomBytes } from 'node:crypto';

/** `fwb_20261124t051700_1a2b3c4d`: lowercase so it survives Redshift's identifier folding unchanged. */
export type RunId = string;

export const RUN_ID_PATTERN = /^fwb_(\d{8})t(\d{6})_([0-9a-f]{8})$/;

export function newRunId(now: Date = new Date()): RunId {
  const iso = now.toISOString(); // 2026-11-24T05:17:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}t${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `fwb_${stamp}_${randomBytes(4).toString('hex')}`;
}

/** When the run started, or undefined when `name` does not start with a run id. */
export function runStartedAt(name: string): Date | undefined {
  const match = RUN_ID_PATTERN.exec(name.slice(0, 28));
  if (!match) return undefined;
  const [, day, time] = match as unknown as [string, string, string];
  const date = new Date(
    `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:${time.slice(4, 6)}Z`,
  );
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Staging table for a run's part, e.g. `fwb_..._entities`. */
export function stagingTableName(runId: RunId, part: string): string {
  return `${runId}_${part}`;
}

/** Folder, under the staging location, that holds every S3 object the workbench stages. */
export const STAGING_FOLDER = 'fwb';

/** Key path of a run's staged objects relative to the staging location, e.g. `fwb/<run id>/unload/`. */
export function runObjectPath(runId: RunId, part = ''): string {
  return `${STAGING_FOLDER}/${runId}/${part}`;
}
