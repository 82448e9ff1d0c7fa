import { parseArgs, type ParseArgsConfig } from 'node:util';
import { toEngineError } from '../contract/errors';
import { exitCodeFor, formatError, UsageError, type CliCommand, type CliIO } from './command';
import { commands as allCommands } from './commands/index';

function findCommand(
  argv: string[],
  commands: CliCommand[],
): { command: CliCommand; rest: string[] } | undefined {
  let best: CliCommand | undefined;
  for (const command of commands) {
    const matches = command.path.every((word, i) => argv[i] === word);
    if (matches && (!best || command.path.length > best.path.length)) best = command;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

function help(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.path.join(' ').length), 0);
  const lines = commands.map((c) => `  ${c.path.join(' ').padEnd(width)}  ${c.summary}`);
  return `fwb: Feature Workbench on the command line\n\nCommands:\n${lines.join('\n')}\n\nRun \`fwb <command> --help\` for its options.\n`;
}

/** Runs one `fwb` invocation and returns its exit code; never throws. */
export async function runCli(
  argv: string[],
  io: CliIO,
  commands: CliCommand[] = allCommands,
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(help(commands));
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv, commands);
  if (!found) {
    io.stderr(`fwb: unknown command "${argv.join(' ')}"\n\n${help(commands)}`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.summary}\n\nUsage: fwb ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`fwb ${command.path.join(' ')}: ${error.message}\nUsage: fwb ${command.usage}\n`);
      return 2;
    }
    io.stderr(`fwb ${command.path.join(' ')}: ${formatError(error)}\n`);
    return exitCodeFor(toEngineError(error));
  }
}

/** parseArgs with strict checking, reporting mistakes as {@link UsageError}. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Reads a required string option or throws a {@link UsageError} naming it. */
export function requireOption(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}
