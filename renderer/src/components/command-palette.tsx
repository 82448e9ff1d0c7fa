import { useMemo, useState } from 'react';
import { TABS } from '../store/store';
import { useActions, useWorkbench } from '../store/context';

interface Command {
  id: string;
  label: string;
  hint?: string;
  run(): void;
}

/** Ctrl/Cmd+K: every action by name, filtered as you type; Enter runs the highlighted one, Esc closes. */
export function CommandPalette({ onClose }: { onClose: () => void }) {
  const actions = useActions();
  const services = useWorkbench((s) => s.registry.view?.model.featureServices);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);

  const commands = useMemo<Command[]>(() => {
    const list: Command[] = [
      { id: 'run', label: 'Run the retrieval', hint: 'Ctrl+Enter', run: () => void actions.run() },
      { id: 'cancel', label: 'Cancel the run', hint: 'Esc', run: () => void actions.cancelRun() },
      {
        id: 'save',
        label: 'Save feature_store.yaml',
        hint: 'Ctrl+S',
        run: () => {
          actions.setTab('config');
          void actions.saveConfig();
        },
      },
      {
        id: 'explain',
        label: 'EXPLAIN the plan in Redshift',
        run: () => {
          actions.setTab('plan');
          void actions.explain();
        },
      },
      ...TABS.map((tab) => ({
        id: `tab-${tab.id}`,
        label: `Go to ${tab.label}`,
        run: () => actions.setTab(tab.id),
      })),
      {
        id: 'search',
        label: 'Search the registry',
        run: () =>
          setTimeout(() =>
            document.querySelector<HTMLInputElement>('[data-testid="registry-search"]')?.focus(),
          ),
      },
      { id: 'clear', label: 'Clear the chosen features', run: () => actions.clearSelection() },
      ...(['csv', 'parquet', 'arrow'] as const).map((format) => ({
        id: `export-${format}`,
        label: `Export the results as ${format.toUpperCase()}`,
        run: () => {
          actions.setTab('results');
          setTimeout(() =>
            document.querySelector<HTMLButtonElement>(`[data-testid="export-${format}"]`)?.click(),
          );
        },
      })),
      ...(services ?? []).map((service) => ({
        id: `service-${service.name}`,
        label: `Use feature service ${service.name}`,
        run: () => actions.useService(service.name),
      })),
      { id: 'demo', label: 'Open the demo repo', run: () => void actions.openRepo(undefined) },
    ];
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return list.filter((c) => words.every((w) => c.label.toLowerCase().includes(w)));
  }, [actions, services, query]);

  const choose = (command: Command | undefined) => {
    if (!command) return;
    onClose();
    command.run();
  };

  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div
        className="palette"
        role="dialog"
        aria-label="Command palette"
        data-testid="palette"
        onMouseDown={(e) => e.stopPropagation()}
      >
        <input
          autoFocus
          placeholder="Type a command"
          aria-label="Command"
          data-testid="palette-input"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setIndex(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onClose();
            else if (e.key === 'ArrowDown') setIndex((i) => Math.min(i + 1, commands.length - 1));
            else if (e.key === 'ArrowUp') setIndex((i) => Math.max(i - 1, 0));
            else if (e.key === 'Enter') choose(commands[index]);
            else return;
            e.preventDefault();
          }}
        />
        <ul role="listbox">
          {commands.map((command, i) => (
            <li
              key={command.id}
              role="option"
              aria-selected={i === index}
              className={i === index ? 'active' : ''}
              onMouseEnter={() => setIndex(i)}
              onClick={() => choose(command)}
            >
              <span>{command.label}</span>
              {command.hint && <kbd>{command.hint}</kbd>}
            </li>
          ))}
          {commands.length === 0 && <li className="muted">No command matches.</li>}
        </ul>
      </div>
    </div>
  );
}
