import type { CliCommand } from '../command';
import { configCheckCommand } from './config-check';
import { explainCommand } from './explain';
import { iamCheckCommand } from './iam-check';
import { iamPolicyCommand } from './iam-policy';
import { janitorCommand } from './janitor';
import { planCommand } from './plan';
import { pullAllCommand } from './pull-all';
import { pullLatestCommand } from './pull-latest';
import { registryShowCommand } from './registry-show';
import { retrieveCommand } from './retrieve';
import { sandboxServeCommand } from './sandbox-serve';
import { savedDatasetCommand } from './saved-dataset';
import { serveCommand } from './serve';
import { writeBatchCommand } from './write-batch';
import { writeLoggedFeaturesCommand } from './write-logged-features';

/** Every `fwb` command. Keep sorted by path. */
export const commands: CliCommand[] = [
  configCheckCommand,
  explainCommand,
  iamCheckCommand,
  iamPolicyCommand,
  janitorCommand,
  planCommand,
  pullAllCommand,
  pullLatestCommand,
  registryShowCommand,
  retrieveCommand,
  sandboxServeCommand,
  savedDatasetCommand,
  serveCommand,
  writeBatchCommand,
  writeLoggedFeaturesCommand,
];
