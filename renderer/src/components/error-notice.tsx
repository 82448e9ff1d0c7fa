import { useState } from 'react';
import type { EngineError } from '../../../core/contract/errors';
import { errorText } from '../lib/errors';

/** An error as a sentence with a next step; the raw details are one click away. */
export function ErrorNotice({ error, testId }: { error: EngineError; testId?: string }) {
  const [open, setOpen] = useState(false);
  const text = errorText(error);
  return (
    <div className="error-notice" role="alert" data-testid={testId ?? 'error-notice'} data-kind={error.kind}>
      <div className="error-sentence">{text.sentence}</div>
      <div className="error-next">{text.next}</div>
      <button type="button" className="link" onClick={() => setOpen(!open)} aria-expanded={open}>
        {open ? 'Hide details' : 'Details'}
      </button>
      {open && <pre className="error-details">{`${text.details}\n\n${JSON.stringify(error, null, 2)}`}</pre>}
    </div>
  );
}
