import { checkExitCode, checkPermissions } from '../../iam/check';
import type { ParsedPolicy } from '../../iam/policy';
import { formatCheckText } from '../../iam/text-report';
import { UsageError, type CliCommand } from '../command';
import { parseOptions, requireOption } from '../run';
import {
  COMMAND_CHOICES,
  loadRepo,
  optionalString,
  readCommands,
  readMode,
  readPolicyFile,
  reportBadInput,
} from './iam-shared';

export const iamCheckCommand: CliCommand = {
  path: ['iam', 'check'],
  summary: 'Check an IAM policy against what Feast commands need on Redshift and S3 (offline, no AWS call)',
  usage:
    'iam check --repo DIR --policy FILE.json [--command NAME] [--mode documented|enforced] [--account ID]\n' +
    '          [--workgroup-id ID] [--role-trust FILE] [--role-policy FILE] [--json]\n' +
    '  --repo DIR          the Feast repository folder holding feature_store.yaml\n' +
    '  --policy FILE       the identity policy of whoever runs Feast (repeat for several policies)\n' +
    `  --command NAME      ${COMMAND_CHOICES} (default all). Documented mode knows apply,\n` +
    '                      materialize and get_historical_features; enforced mode adds write_batch,\n' +
    '                      write_logged_features and saved_dataset\n' +
    '  --mode MODE         enforced (default): the pairs AWS really authorizes at run time, including the calls\n' +
    '                      the documented table misses, with every difference explained;\n' +
    '                      documented: exactly the table of the Feast docs, resources as literal text\n' +
    '  --account ID        12-digit account for the ARNs (default: the account of offline_store.iam_role)\n' +
    '  --workgroup-id ID   Serverless workgroup ID (UUID) or ARN; without it, the workgroup ARN is checked\n' +
    '                      with the token {workgroup_id} and ID-specific patterns come out conditional\n' +
    "  --role-trust FILE   the iam_role's trust policy (checked for redshift[-serverless].amazonaws.com)\n" +
    "  --role-policy FILE  the iam_role's permission policy (checked for the S3 access COPY and UNLOAD need)\n" +
    '  --json              one JSON object per command (an array for --command all)\n' +
    'Exit codes: 0 every checked command is allowed (and the role passes, when given), 1 something is missing,\n' +
    'denied or conditional, 2 bad usage or bad input (invalid JSON with line and column, invalid config).',
  async run(args, io) {
    const { values } = parseOptions(args, {
      repo: { type: 'string' },
      policy: { type: 'string', multiple: true },
      command: { type: 'string' },
      mode: { type: 'string' },
      account: { type: 'string' },
      'workgroup-id': { type: 'string' },
      'role-trust': { type: 'string' },
      'role-policy': { type: 'string' },
      json: { type: 'boolean' },
    });
    const repo = requireOption(values, 'repo');
    const policyFiles = values.policy ?? [];
    if (policyFiles.length === 0) throw new UsageError('--policy is required');
    const mode = readMode(values.mode);
    const { commands, all } = readCommands(values.command, mode);
    const account = optionalString(values, 'account');
    const workgroupId = optionalString(values, 'workgroup-id');
    const trustFile = optionalString(values, 'role-trust');
    const rolePolicyFile = optionalString(values, 'role-policy');
    try {
      const config = await loadRepo(repo, io);
      const policies: ParsedPolicy[] = [];
      for (const file of policyFiles) policies.push(await readPolicyFile(file, 'identity', io));
      const roleTrust = trustFile ? await readPolicyFile(trustFile, 'trust', io) : undefined;
      const rolePolicy = rolePolicyFile ? await readPolicyFile(rolePolicyFile, 'identity', io) : undefined;
      const results = checkPermissions(config, policies, {
        commands,
        mode,
        ...(account ? { account } : {}),
        ...(workgroupId ? { workgroupId } : {}),
        ...(roleTrust ? { roleTrust } : {}),
        ...(rolePolicy ? { rolePolicy } : {}),
      });
      if (values.json) io.stdout(`${JSON.stringify(all ? results : results[0], null, 2)}\n`);
      else io.stdout(formatCheckText(results));
      return checkExitCode(results);
    } catch (error) {
      const code = reportBadInput(error, io, 'iam check');
      if (code !== undefined) return code;
      throw error;
    }
  },
};
