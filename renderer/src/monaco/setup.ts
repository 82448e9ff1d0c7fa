/**
 * Monaco from the local bundle only (no CDN, no AMD loader): the editor API, its contributions (hover, find,
 * folding...), the YAML, Redshift and JSON languages, and workers built by Vite as same-origin files.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/definitions/yaml/register';
import 'monaco-editor/languages/definitions/redshift/register';
import 'monaco-editor/languages/features/json/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    return label === 'json' ? new JsonWorker() : new EditorWorker();
  },
};

/** Light or dark, following the OS. */
export function systemTheme(): 'vs' | 'vs-dark' {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'vs-dark' : 'vs';
}

window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
  monaco.editor.setTheme(systemTheme());
});

export { monaco };
