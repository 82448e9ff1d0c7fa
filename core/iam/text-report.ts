import type { CommandCheck, PairDetail, StatementJson } from './check';
import type { Decision } from './evaluate';
import type { PolicyFinding } from './policy';

const LABEL: Record<Decision, string> = {
  allowed: 'ok',
  implicit_deny: 'MISSING',
  explicit_deny: 'DENIED',
  conditional: 'CONDITIONAL',
};

function statementLabel(statement: StatementJson | null): string {
  if (!statement) return '';
  const sid = statement.sid ? ` "${statement.sid}"` : '';
  const at = statement.line === undefined ? '' : ` line ${statement.line}`;
  return `statement ${statement.index}${sid} (${statement.path}${at})`;
}

function pairLines(pairs: PairDetail[], indent: string): string[] {
  const actionWidth = Math.max(0, ...pairs.map((p) => p.action.length));
  const lines: string[] = [];
  for (const pair of pairs) {
    const label = LABEL[pair.decision].padEnd(11);
    const by = pair.decision === 'allowed' ? `  <- ${statementLabel(pair.statement)}` : '';
    lines.push(`${indent}${label} ${pair.action.padEnd(actionWidth)}  ${pair.resource}${by}`);
    if (pair.decision !== 'allowed') {
      lines.push(`${indent}            ${pair.reason}`);
      for (const note of pair.notes) lines.push(`${indent}            also: ${note}`);
      lines.push(`${indent}            needed: ${pair.required_because}`);
    }
  }
  return lines;
}

function findingLine(f: PolicyFinding): string {
  const at = f.line === undefined ? f.file : `${f.file}:${f.line}:${f.column}`;
  return `  ${at} ${f.code}: ${f.message} (${f.path})`;
}

/** The readable report `fwb iam check` prints without --json. */
export function formatCheckText(results: CommandCheck[]): string {
  const out: string[] = [];
  for (const result of results) {
    const missing = result.missing.length;
    const conditional = result.conditional_pairs.length;
    const verdict = result.allowed ? 'ALLOWED' : 'NOT ALLOWED';
    const counts = `${result.pairs.length} pairs, ${missing} missing (${result.explicit_deny.length} by an explicit Deny), ${conditional} conditional`;
    out.push(`${result.command} (${result.mode} mode): ${verdict} - ${counts}`);
    out.push(...pairLines(result.pairs, '  '));
    if (
      result.differences.length > 0 &&
      result.differences.every((d) => d.reason.startsWith('not in the documented table'))
    ) {
      out.push('  Not in the documented table: every pair above goes beyond the Feast docs.');
    } else if (result.differences.length > 0) {
      out.push('  Differences from the documented table:');
      const sign = { added: '+ added      ', not_enforced: '- not checked', rescoped: '~ rescoped   ' };
      for (const d of result.differences) {
        out.push(`    ${sign[d.change]} ${d.action} ${d.resource}`);
        out.push(`                  ${d.reason}`);
      }
    }
    const role = result.role;
    if (role?.permissions) {
      out.push(`  iam_role permissions for COPY/UNLOAD: ${role.permissions.ok ? 'ok' : 'NOT OK'}`);
      const pairs = role.permissions.pairs.map((p) => ({
        ...p,
        action: `${p.use} ${p.action}${p.required ? '' : ' (advised)'}`,
      }));
      out.push(...pairLines(pairs, '    '));
    }
    out.push('');
  }
  const first = results[0];
  if (!first) return '';
  if (first.role?.trust) {
    out.push(`iam_role trust policy: ${first.role.trust.ok ? 'ok' : 'NOT OK'}`);
    for (const s of first.role.trust.services)
      out.push(`  ${LABEL[s.decision].padEnd(11)} ${s.service}: ${s.reason}`);
    for (const note of first.role.trust.notes) out.push(`  note: ${note}`);
    out.push('');
  }
  if (first.warnings.length > 0) {
    out.push('Policy warnings:');
    out.push(...first.warnings.map(findingLine));
    out.push('');
  }
  if (first.notes.length > 0) {
    out.push('Notes:');
    out.push(...first.notes.map((n) => `  ${n}`));
    out.push('');
  }
  out.push('Summary:');
  for (const r of results) {
    const role = r.role ? `; iam_role ${r.role.ok ? 'ok' : 'NOT OK'}` : '';
    const state = r.allowed
      ? 'allowed'
      : `NOT allowed (${r.missing.length} missing, ${r.conditional_pairs.length} conditional)`;
    out.push(`  ${r.command.padEnd(24)} ${state}${role}`);
  }
  out.push('');
  out.push('Not checked (no policy document can show these):');
  out.push(...first.not_checked.map((i) => `  - ${i.item}: ${i.detail}`));
  return `${out.join('\n')}\n`;
}
