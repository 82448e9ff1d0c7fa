/**
 * Errors as the user reads them: a sentence saying what happened, a next step, and the raw details one click
 * away. Every EngineError kind has its wording here; the switch is exhaustive so a new kind must be worded.
 */
import { describeEngineError, type EngineError } from '../../../core/contract/errors';

export interface ErrorText {
  sentence: string;
  next: string;
  details: string;
}

function at(file: string, line?: number, column?: number): string {
  if (line === undefined) return file;
  return column === undefined ? `${file}, line ${line}` : `${file}, line ${line}, column ${column}`;
}

export function errorText(error: EngineError): ErrorText {
  const details = `${error.kind}: ${describeEngineError(error)}`;
  const text = (sentence: string, next: string): ErrorText => ({ sentence, next, details });
  switch (error.kind) {
    case 'ConfigInvalid': {
      const first = error.problems[0];
      const count = error.problems.length;
      return text(
        `feature_store.yaml has ${count} ${count === 1 ? 'problem' : 'problems'}` +
          (first ? `; line ${first.line}: ${first.message}` : '.'),
        'Open the feature_store.yaml tab: each problem is marked at its line. Fix it and press Ctrl+S.',
      );
    }
    case 'InputInvalid':
      return text(
        `${at(error.file, error.line, error.column)}: ${error.reason}`,
        'Fix the file and open it again.',
      );
    case 'RegistryInvalid':
      return text(
        `The registry ${error.source} cannot be read: ${error.reason}`,
        'Check the registry path in feature_store.yaml, or run `feast apply` again to rewrite it.',
      );
    case 'NotFound':
      return text(
        `${error.what} "${error.name}" was not found.`,
        error.hint ? `${error.hint.charAt(0).toUpperCase()}${error.hint.slice(1)}.` : 'Check the name.',
      );
    case 'PlanInvalid':
      return text(
        error.reason,
        'Change the chosen features or the entity frame; the Plan tab shows the request.',
      );
    case 'AccessDenied':
      return text(
        error.action
          ? `AccessDenied: ${error.action}${error.resource ? ` on ${error.resource}` : ''}.`
          : `AccessDenied: ${error.message}`,
        'Open Permissions to see which policy statement is missing.',
      );
    case 'StatementFailed':
      return text(
        `Redshift statement ${error.statementId} failed: ${error.message}`,
        'The SQL excerpt is in the details; the Plan tab shows the whole statement.',
      );
    case 'Throttled':
      return text(
        `AWS throttled ${error.operation} ${error.attempts} times in a row.`,
        'Wait a moment and run again.',
      );
    case 'TimedOut':
      return text(
        `${error.operation} did not finish within ${error.seconds} s${error.statementId ? ` (statement ${error.statementId})` : ''}.`,
        'Run again; if it keeps timing out, look at the plan with EXPLAIN.',
      );
    case 'Cancelled':
      return text(
        `Cancelled during ${error.phase}.`,
        'Staging tables and S3 objects of the run were removed.',
      );
    case 'AwsError':
      return text(
        `${error.service} answered ${error.code}: ${error.message}`,
        'Check the connection in the top bar (profile and region) and the offline_store settings.',
      );
    case 'DependencyMissing':
      return text(`${error.what} is missing.`, error.fix);
    case 'TransformFailed':
      return text(
        `The on-demand feature view ${error.name} failed: ${error.message}`,
        'Fix the transformation in the feature repo and run again.',
      );
    case 'RequestInvalid':
      return text(
        `The workbench sent a request the host refused (${error.method}).`,
        'This is a bug in the workbench: reload the window, and report it with the details.',
      );
    case 'Internal':
      return text(
        `Something went wrong inside the workbench: ${error.message}`,
        'Try again; if it persists, report it with the details.',
      );
  }
}
