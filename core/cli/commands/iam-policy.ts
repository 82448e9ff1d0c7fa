import {
  minimalPolicy,
  minimalRolePolicy,
  minimalTrustPolicy,
  type GeneratedPolicy,
} from '../../iam/minimal-policy';
import { UsageError, type CliCommand } from '../command';
import { parseOptions, requireOption } from '../run';
import {
  COMMAND_CHOICES,
  loadRepo,
  optionalString,
  readCommands,
  readMode,
  reportBadInput,
} from './iam-shared';

export const iamPolicyCommand: CliCommand = {
  path: ['iam', 'policy'],
  summary: 'Print the least-privilege IAM policy for Feast commands on Redshift and S3',
  usage:
    'iam policy --repo DIR [--command NAME] [--mode enforced|documented] [--for identity|role|trust]\n' +
    '           [--account ID] [--workgroup-id ID]\n' +
    '  --repo DIR         the Feast repository folder holding feature_store.yaml\n' +
    `  --command NAME     ${COMMAND_CHOICES} (default all)\n` +
    '  --mode MODE        enforced (default): what AWS checks at run time, objects scoped to the staging prefix;\n' +
    '                     documented: the documented table as a policy\n' +
    '  --for WHO          identity (default): whoever runs Feast; role: the permission policy of\n' +
    '                     offline_store.iam_role (COPY/UNLOAD); trust: the trust policy of that role\n' +
    '  --account ID       12-digit account for the ARNs (default: the account of offline_store.iam_role)\n' +
    '  --workgroup-id ID  Serverless workgroup ID; without it the policy holds the placeholder <workgroup-id>\n' +
    'The policy JSON goes to stdout, ready to paste; notes (placeholders to replace) go to stderr.\n' +
    'Exit codes: 0 printed, 2 bad usage or bad input.',
  async run(args, io) {
    const { values } = parseOptions(args, {
      repo: { type: 'string' },
      command: { type: 'string' },
      mode: { type: 'string' },
      for: { type: 'string' },
      account: { type: 'string' },
      'workgroup-id': { type: 'string' },
    });
    const repo = requireOption(values, 'repo');
    const mode = readMode(values.mode);
    const { commands } = readCommands(values.command, mode);
    const who = values.for ?? 'identity';
    if (who !== 'identity' && who !== 'role' && who !== 'trust') {
      throw new UsageError(`--for must be identity, role or trust, not "${who}"`);
    }
    if (who !== 'identity' && values.mode !== undefined) {
      throw new UsageError('--mode applies to the identity policy only');
    }
    const account = optionalString(values, 'account');
    const workgroupId = optionalString(values, 'workgroup-id');
    const facts = { ...(account ? { account } : {}), ...(workgroupId ? { workgroupId } : {}) };
    try {
      const config = await loadRepo(repo, io);
      let generated: GeneratedPolicy<unknown>;
      if (who === 'trust') generated = minimalTrustPolicy(config, facts);
      else if (who === 'role') generated = minimalRolePolicy(config, { ...facts, commands });
      else generated = minimalPolicy(config, { ...facts, commands, mode });
      io.stdout(`${JSON.stringify(generated.policy, null, 2)}\n`);
      for (const note of generated.notes) io.stderr(`note: ${note}\n`);
      return 0;
    } catch (error) {
      const code = reportBadInput(error, io, 'iam policy');
      if (code !== undefined) return code;
      throw error;
    }
  },
};
