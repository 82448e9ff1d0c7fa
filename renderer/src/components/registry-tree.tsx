import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { RegistryModel } from '../../../core/contract/types';
import { useActions, useWorkbench } from '../store/context';
import { ErrorNotice } from './error-notice';

type Section = 'views' | 'odfvs' | 'services' | 'entities' | 'sources' | 'datasets';

type Row =
  | { type: 'section'; id: Section; label: string; count: number; open: boolean }
  | { type: 'view'; name: string; odfv: boolean; features: string[]; detail: string; open: boolean }
  | { type: 'feature'; view: string; feature: string; valueType: string }
  | { type: 'service'; name: string; detail: string }
  | { type: 'item'; name: string; detail: string };

const ROW_HEIGHT = 24;

function matches(search: string, ...texts: string[]): boolean {
  return search === '' || texts.some((t) => t.toLowerCase().includes(search));
}

function ttlText(seconds: number): string {
  if (seconds === 0) return 'no TTL';
  if (seconds % 86_400 === 0) return `TTL ${seconds / 86_400} d`;
  if (seconds % 3_600 === 0) return `TTL ${seconds / 3_600} h`;
  return `TTL ${seconds} s`;
}

/** Flattens the registry into the rows the virtual list shows, applying search and open/closed state. */
function buildRows(
  model: RegistryModel,
  rawSearch: string,
  closedSections: Set<Section>,
  toggledViews: Set<string>,
  viewsOpenByDefault: boolean,
): Row[] {
  const search = rawSearch.trim().toLowerCase();
  const rows: Row[] = [];
  const section = (id: Section, label: string, items: Row[], count: number) => {
    if (search !== '' && items.length === 0) return;
    const open = search !== '' || !closedSections.has(id);
    rows.push({ type: 'section', id, label, count, open });
    if (open) rows.push(...items);
  };
  const viewRows = (
    views: { name: string; features: { name: string; valueType: string }[]; detail: string }[],
    odfv: boolean,
  ) => {
    const out: Row[] = [];
    for (const view of views) {
      const viewHit = matches(search, view.name);
      const features = view.features.filter((f) => viewHit || matches(search, f.name));
      if (!viewHit && features.length === 0) continue;
      const open = search !== '' || viewsOpenByDefault !== toggledViews.has(view.name);
      out.push({
        type: 'view',
        name: view.name,
        odfv,
        features: view.features.map((f) => f.name),
        detail: view.detail,
        open,
      });
      if (open) {
        for (const f of features)
          out.push({ type: 'feature', view: view.name, feature: f.name, valueType: f.valueType });
      }
    }
    return out;
  };

  const views = viewRows(
    model.featureViews.map((v) => ({
      name: v.name,
      features: v.features,
      detail: `${v.entities.length ? v.entities.join(', ') : 'no entity'} · ${ttlText(v.ttlSeconds)}`,
    })),
    false,
  );
  section('views', 'Feature views', views, model.featureViews.length);
  const odfvs = viewRows(
    model.onDemandFeatureViews.map((v) => ({
      name: v.name,
      features: v.features,
      detail: `on demand · ${v.mode}`,
    })),
    true,
  );
  section('odfvs', 'On-demand feature views', odfvs, model.onDemandFeatureViews.length);
  section(
    'services',
    'Feature services',
    model.featureServices
      .filter((s) => matches(search, s.name))
      .map((s) => ({
        type: 'service' as const,
        name: s.name,
        detail: s.projections.map((p) => p.alias || p.featureViewName).join(', '),
      })),
    model.featureServices.length,
  );
  section(
    'entities',
    'Entities',
    model.entities
      .filter((e) => matches(search, e.name, e.joinKey))
      .map((e) => ({
        type: 'item' as const,
        name: e.name,
        detail: `join key ${e.joinKey} (${e.valueType})`,
      })),
    model.entities.length,
  );
  section(
    'sources',
    'Data sources',
    model.dataSources
      .filter((s) => matches(search, s.name))
      .map((s) => ({
        type: 'item' as const,
        name: s.name,
        detail: s.redshift?.table
          ? `${s.redshift.schema || 'public'}.${s.redshift.table}`
          : s.kind.toLowerCase(),
      })),
    model.dataSources.length,
  );
  section(
    'datasets',
    'Saved datasets',
    model.savedDatasets
      .filter((d) => matches(search, d.name))
      .map((d) => ({ type: 'item' as const, name: d.name, detail: d.storage?.table ?? '' })),
    model.savedDatasets.length,
  );
  return rows;
}

/**
 * The registry as a searchable tree: feature checkboxes build the retrieval (in the order they are checked), a
 * feature service can be used instead. Flattened and virtualized, so thousands of views stay light.
 */
export function RegistryTree() {
  const registry = useWorkbench((s) => s.registry);
  const selection = useWorkbench((s) => s.selection);
  const session = useWorkbench((s) => s.session);
  const actions = useActions();
  const [closedSections, setClosedSections] = useState<Set<Section>>(
    () => new Set(['entities', 'sources', 'datasets']),
  );
  const [toggledViews, setToggledViews] = useState<Set<string>>(() => new Set());
  const scroller = useRef<HTMLDivElement>(null);
  const model = registry.view?.model;
  const viewsOpenByDefault = (model?.featureViews.reduce((n, v) => n + v.features.length, 0) ?? 0) <= 200;
  const rows = useMemo(
    () => (model ? buildRows(model, selection.search, closedSections, toggledViews, viewsOpenByDefault) : []),
    [model, selection.search, closedSections, toggledViews, viewsOpenByDefault],
  );
  const checked = useMemo(() => new Set(selection.features), [selection.features]);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });

  const toggleSection = (id: Section) =>
    setClosedSections((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const toggleView = (name: string) =>
    setToggledViews((old) => {
      const next = new Set(old);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  const chosen = selection.featureService
    ? `Feature service ${selection.featureService}`
    : selection.features.length > 0
      ? `${selection.features.length} ${selection.features.length === 1 ? 'feature' : 'features'} chosen`
      : 'Nothing chosen yet';

  return (
    <aside className="sidebar" aria-label="Registry">
      <div className="sidebar-head">
        <h2>Registry</h2>
        <input
          type="search"
          placeholder="Search views and features"
          aria-label="Search the registry"
          data-testid="registry-search"
          value={selection.search}
          onChange={(e) => actions.setSearch(e.target.value)}
        />
        <div className="selection-line" data-testid="selection-summary">
          <span>{chosen}</span>
          {(selection.features.length > 0 || selection.featureService) && (
            <button type="button" className="link" onClick={() => actions.clearSelection()}>
              Clear
            </button>
          )}
        </div>
      </div>
      {registry.error && <ErrorNotice error={registry.error} testId="registry-error" />}
      {!model && !registry.error && (
        <div className="muted pad">
          {session.opening || registry.loading
            ? 'Reading the registry…'
            : 'No registry: fix feature_store.yaml first.'}
        </div>
      )}
      <div className="tree" ref={scroller} data-testid="registry-tree" role="tree">
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            return (
              <div
                key={item.key}
                className={`tree-row tree-${row.type}`}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
              >
                <TreeRow
                  row={row}
                  checked={checked}
                  service={selection.featureService}
                  onToggleSection={toggleSection}
                  onToggleView={toggleView}
                />
              </div>
            );
          })}
        </div>
      </div>
    </aside>
  );
}

function TreeRow(props: {
  row: Row;
  checked: Set<string>;
  service: string | undefined;
  onToggleSection: (id: Section) => void;
  onToggleView: (name: string) => void;
}) {
  const actions = useActions();
  const { row, checked } = props;
  switch (row.type) {
    case 'section':
      return (
        <button
          type="button"
          className="tree-toggle section"
          aria-expanded={row.open}
          onClick={() => props.onToggleSection(row.id)}
          data-testid={`tree-section-${row.id}`}
        >
          <span className="caret">{row.open ? '▾' : '▸'}</span>
          {row.label} <span className="muted">({row.count})</span>
        </button>
      );
    case 'view': {
      const count = row.features.filter((f) => checked.has(`${row.name}:${f}`)).length;
      return (
        <div
          className="tree-line"
          data-testid={`tree-view-${row.name}`}
          role="treeitem"
          aria-expanded={row.open}
        >
          <button
            type="button"
            className="tree-toggle caret"
            onClick={() => props.onToggleView(row.name)}
            aria-label={`${row.open ? 'Collapse' : 'Expand'} ${row.name}`}
          >
            {row.open ? '▾' : '▸'}
          </button>
          <input
            type="checkbox"
            aria-label={`All features of ${row.name}`}
            checked={count > 0 && count === row.features.length}
            ref={(el) => {
              if (el) el.indeterminate = count > 0 && count < row.features.length;
            }}
            onChange={(e) => actions.setViewFeatures(row.name, row.features, e.target.checked)}
          />
          <span className="tree-name" title={row.detail}>
            {row.name}
          </span>
          <span className="tree-detail">{row.detail}</span>
        </div>
      );
    }
    case 'feature': {
      const ref = `${row.view}:${row.feature}`;
      return (
        <label className="tree-line feature" data-testid={`tree-feature-${ref}`} role="treeitem">
          <input
            type="checkbox"
            aria-label={ref}
            checked={checked.has(ref)}
            onChange={() => actions.toggleFeature(ref)}
          />
          <span className="tree-name">{row.feature}</span>
          <span className="tree-detail">{row.valueType.toLowerCase()}</span>
        </label>
      );
    }
    case 'service': {
      const selected = props.service === row.name;
      return (
        <div className="tree-line" data-testid={`tree-service-${row.name}`} role="treeitem">
          <button
            type="button"
            className={`small ${selected ? 'selected' : ''}`}
            aria-pressed={selected}
            onClick={() => actions.useService(selected ? undefined : row.name)}
          >
            {selected ? 'Using' : 'Use'}
          </button>
          <span className="tree-name">{row.name}</span>
          <span className="tree-detail" title={row.detail}>
            {row.detail}
          </span>
        </div>
      );
    }
    case 'item':
      return (
        <div className="tree-line item" role="treeitem">
          <span className="tree-name">{row.name}</span>
          <span className="tree-detail" title={row.detail}>
            {row.detail}
          </span>
        </div>
      );
  }
}
