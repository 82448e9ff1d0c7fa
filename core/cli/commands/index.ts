import type { CliCommand } from '../command';

/** Every `fwb` command. Keep sorted by path. */
export const commands: CliCommand[] = [];
