import { lazy, Suspense } from 'react';
import type { CodeEditorProps } from './code-editor';

const Editor = lazy(() => import('./code-editor').then((module) => ({ default: module.CodeEditor })));

/** Monaco is most of the bundle: it loads the first time an editor is shown, not before the window opens. */
export function CodeEditor(props: CodeEditorProps) {
  return (
    <Suspense fallback={<div className="code-editor editor-loading muted">Loading the editor…</div>}>
      <Editor {...props} />
    </Suspense>
  );
}
