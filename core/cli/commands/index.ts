import type { CliCommand } from '../command';
import { configCheckCommand } from './config-check';
import { iamCheckCommand } from './iam-check';
import { iamPolicyCommand } from './iam-policy';
import { planCommand } from './plan';
import { registryShowCommand } from './registry-show';
import { retrieveCommand } from './retrieve';
import { sandboxServeCommand } from './sandbox-serve';

/** Every `fwb` command. Keep sorted by path. */
export const commands: CliCommand[] = [
  configCheckCommand,
  iamCheckCommand,
  iamPolicyCommand,
  planCommand,
  registryShowCommand,
  retrieveCommand,
  sandboxServeCommand,
];
