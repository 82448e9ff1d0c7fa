import type { CliCommand } from '../command';
import { configCheckCommand } from './config-check';

/** Every `fwb` command. Keep sorted by path. */
export const commands: CliCommand[] = [configCheckCommand];
