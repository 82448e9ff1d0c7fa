import { useEffect, useRef } from 'react';
import { monaco, systemTheme } from './setup';

export interface EditorMarker {
  line: number;
  column: number;
  message: string;
  severity?: 'error' | 'warning';
}

export interface CodeEditorProps {
  value: string;
  language: 'yaml' | 'redshift' | 'json' | 'plaintext';
  readOnly?: boolean;
  markers?: EditorMarker[];
  onChange?: (value: string) => void;
  /** Moves the cursor here when it changes (e.g. a problem was clicked). */
  reveal?: { line: number; column: number; nonce: number };
  ariaLabel: string;
  testId?: string;
}

/**
 * A thin React wrapper over one Monaco editor and model. The model is updated from `value` only when the
 * text differs (so typing never resets the cursor); markers are set on the model under one owner.
 */
export function CodeEditor(props: CodeEditorProps) {
  const container = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | undefined>(undefined);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    const editor = monaco.editor.create(container.current!, {
      value: latest.current.value,
      language: latest.current.language,
      readOnly: latest.current.readOnly ?? false,
      theme: systemTheme(),
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
      lineNumbersMinChars: 3,
      renderLineHighlight: 'line',
      tabSize: 2,
      ariaLabel: latest.current.ariaLabel,
      fixedOverflowWidgets: true,
    });
    editorRef.current = editor;
    const subscription = editor.onDidChangeModelContent(() => {
      const text = editor.getValue();
      if (text !== latest.current.value) latest.current.onChange?.(text);
    });
    return () => {
      subscription.dispose();
      editor.getModel()?.dispose();
      editor.dispose();
      editorRef.current = undefined;
    };
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    if (editor && editor.getValue() !== props.value) {
      const model = editor.getModel()!;
      if (props.readOnly) model.setValue(props.value);
      else {
        // An undoable replacement, so Ctrl+Z still works after a structured edit from the top bar.
        editor.pushUndoStop();
        editor.executeEdits('workbench', [{ range: model.getFullModelRange(), text: props.value }]);
        editor.pushUndoStop();
      }
    }
  }, [props.value, props.readOnly]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    const markers = (props.markers ?? []).map((m) => {
      const line = Math.min(Math.max(1, m.line), model.getLineCount());
      const column = Math.min(Math.max(1, m.column), model.getLineMaxColumn(line));
      const word = model.getWordAtPosition({ lineNumber: line, column });
      const endColumn = word && word.endColumn > column ? word.endColumn : model.getLineMaxColumn(line);
      return {
        startLineNumber: line,
        startColumn: column,
        endLineNumber: line,
        endColumn: endColumn > column ? endColumn : column + 1,
        message: m.message,
        severity: m.severity === 'warning' ? monaco.MarkerSeverity.Warning : monaco.MarkerSeverity.Error,
      };
    });
    monaco.editor.setModelMarkers(model, 'workbench', markers);
  }, [props.markers, props.value]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !props.reveal) return;
    editor.setPosition({ lineNumber: props.reveal.line, column: props.reveal.column });
    editor.revealLineInCenter(props.reveal.line);
    editor.focus();
  }, [props.reveal]);

  return <div className="code-editor" ref={container} data-testid={props.testId} />;
}
