import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeEngineError, isWorkbenchError, WorkbenchError } from '../../contract/errors';
import { loadRepoConfig } from '../../config/load';
import type { RepoConfig } from '../../config/model';
import {
  ALL_COMMANDS,
  commandsForMode,
  isFeastCommand,
  type CheckMode,
  type FeastCommand,
} from '../../iam/requirements';
import { parsePolicy, type ParsedPolicy, type PolicyKind } from '../../iam/policy';
import { UsageError, type CliIO } from '../command';

export const COMMAND_CHOICES = `${ALL_COMMANDS.join('|')}|all`;

export function readMode(value: unknown): CheckMode {
  if (value === undefined) return 'enforced';
  if (value === 'documented' || value === 'enforced') return value;
  throw new UsageError(`--mode must be documented or enforced, not "${String(value)}"`);
}

/** `--command NAME` or `all` (the default): every command of the mode. */
export function readCommands(
  value: unknown,
  mode: CheckMode,
): { commands: readonly FeastCommand[]; all: boolean } {
  if (value === undefined || value === 'all') return { commands: commandsForMode(mode), all: true };
  const name = String(value);
  if (!isFeastCommand(name))
    throw new UsageError(`--command must be one of ${COMMAND_CHOICES}, not "${name}"`);
  if (mode === 'documented' && !commandsForMode('documented').includes(name)) {
    throw new UsageError(`${name} is not in the documented permissions table; use --mode enforced`);
  }
  return { commands: [name], all: false };
}

export function optionalString(values: Record<string, unknown>, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value`);
  return value;
}

export async function loadRepo(repo: string, io: CliIO): Promise<RepoConfig> {
  const repoDir = path.resolve(io.cwd, repo);
  const isDir = await stat(repoDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--repo ${repoDir} is not a folder`);
  return loadRepoConfig(repoDir, { env: io.env });
}

/** Reads and parses a policy file; the name in results is the path as the user wrote it. */
export async function readPolicyFile(file: string, kind: PolicyKind, io: CliIO): Promise<ParsedPolicy> {
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new WorkbenchError(
      { kind: 'InputInvalid', file, reason: `cannot read the file: ${(error as Error).message}` },
      { cause: error },
    );
  }
  return parsePolicy(text, { file, kind });
}

/**
 * Bad input (the repo config, a policy file, an option value) is exit 2 for the iam commands; it is printed
 * as FILE:LINE:COLUMN lines. Returns undefined for errors that are not bad input.
 */
export function reportBadInput(error: unknown, io: CliIO, command: string): number | undefined {
  if (!isWorkbenchError(error)) return undefined;
  const detail = error.detail;
  if (detail.kind === 'ConfigInvalid') {
    for (const p of detail.problems) io.stderr(`${p.file}:${p.line}:${p.column}: ${p.message}\n`);
    return 2;
  }
  if (detail.kind === 'InputInvalid' || detail.kind === 'NotFound') {
    io.stderr(`fwb ${command}: ${describeEngineError(detail)}\n`);
    return 2;
  }
  return undefined;
}
