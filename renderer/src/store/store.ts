/**
 * The renderer's state: one vanilla zustand store with namespaced slices (session, registry, selection,
 * config, frame, plan, run, results, permissions, ui), each holding plain data, and the actions that call the
 * host through the typed API. Arrow tables live here as decoded column vectors; nothing builds row objects.
 * High-frequency things (the run's elapsed clock) stay in components.
 */
import * as arrow from 'apache-arrow';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { WorkbenchApi } from '../../../core/contract/api';
import type { ConfigProblem, EngineError } from '../../../core/contract/errors';
import type {
  CheckMode,
  EntityFramePreview,
  ExplainResult,
  ExportFormat,
  IamCheckResult,
  MinimalPolicyResult,
  PlanPreview,
  ProgressEvent,
  RedshiftTarget,
  RegistryView,
  RunPhase,
  RunSummary,
  SessionInfo,
} from '../../../core/contract/types';

export type Tab = 'config' | 'frame' | 'plan' | 'results' | 'permissions';
export const TABS: { id: Tab; label: string }[] = [
  { id: 'config', label: 'feature_store.yaml' },
  { id: 'frame', label: 'Entity frame' },
  { id: 'plan', label: 'Plan' },
  { id: 'results', label: 'Results' },
  { id: 'permissions', label: 'Permissions' },
];

/** The phases a retrieval goes through, in order, as the run strip shows them. */
export const RUN_PHASES: RunPhase[] = ['upload', 'copy', 'query', 'unload', 'download', 'decode', 'cleanup'];

export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled';

export interface RunState {
  id: string;
  status: RunStatus;
  startedAt: number;
  endedAt?: number;
  phases: Partial<Record<RunPhase, 'running' | 'done'>>;
  phase?: RunPhase;
  message: string;
  bytes: number;
  rows?: number;
  statementId?: string;
  statementStatus?: string;
  error?: EngineError;
  /** What was asked, for the history list. */
  label: string;
  frameName: string;
  resultRows?: number;
  batchesReceived: number;
  cleanup?: string;
}

export interface WorkbenchState {
  session: { info?: SessionInfo; error?: EngineError; opening: boolean; profiles: string[] };
  registry: { view?: RegistryView; error?: EngineError; loading: boolean };
  selection: {
    features: string[];
    featureService?: string;
    fullFeatureNames: boolean;
    filterByCreatedTimestamp: boolean;
    search: string;
  };
  config: {
    path: string;
    text: string;
    savedText: string;
    problems: ConfigProblem[];
    summary?: string;
    loaded: boolean;
    saving: boolean;
    /** A sentence about the last save or edit. */
    note?: string;
    error?: EngineError;
  };
  frame: {
    preview?: EntityFramePreview;
    table?: arrow.Table;
    loading: boolean;
    error?: EngineError;
    fileName?: string;
  };
  plan: {
    preview?: PlanPreview;
    error?: EngineError;
    loading: boolean;
    explain?: {
      status: 'running' | 'done' | 'failed';
      result?: ExplainResult;
      error?: EngineError;
      message?: string;
    };
  };
  run: { current?: RunState; history: RunState[] };
  results: {
    table?: arrow.Table;
    summary?: RunSummary;
    resultId?: string;
    exporting?: ExportFormat;
    exportNote?: string;
    exportError?: EngineError;
  };
  permissions: {
    text: string;
    fileName: string;
    mode: CheckMode;
    result?: IamCheckResult;
    error?: EngineError;
    checking: boolean;
    minimal?: MinimalPolicyResult;
    minimalError?: EngineError;
  };
  ui: {
    tab: Tab;
    hintDismissed: boolean;
    disconnected: boolean;
    /** A short message shown above the tabs (e.g. why Ctrl+Enter did nothing). */
    toast?: string;
  };
}

export interface WorkbenchActions {
  start(): Promise<void>;
  openRepo(repoDir: string | undefined): Promise<void>;
  setConnection(choice: { kind: 'sandbox' } | { kind: 'aws'; profile?: string }): Promise<void>;
  toggleFeature(ref: string): void;
  setViewFeatures(view: string, features: string[], checked: boolean): void;
  useService(name: string | undefined): void;
  clearSelection(): void;
  setSearch(text: string): void;
  setOption(option: 'fullFeatureNames' | 'filterByCreatedTimestamp', value: boolean): void;
  editConfig(text: string): void;
  saveConfig(): Promise<void>;
  switchTarget(target: RedshiftTarget): Promise<void>;
  openFrame(file: { name: string; bytes: Uint8Array<ArrayBuffer> }): Promise<void>;
  refreshPlan(): void;
  explain(): Promise<void>;
  run(): Promise<void>;
  /** Cancels the run in progress; false when there is none. */
  cancelRun(): boolean;
  exportResult(format: ExportFormat): Promise<{ fileName: string; blob: Blob } | undefined>;
  setPolicy(text: string, fileName?: string): void;
  setMode(mode: CheckMode): void;
  checkPolicy(): Promise<void>;
  setTab(tab: Tab): void;
  dismissHint(): void;
  toast(message: string | undefined): void;
  setDisconnected(): void;
}

export type WorkbenchStore = StoreApi<WorkbenchState> & { actions: WorkbenchActions };

const HINT_KEY = 'fwb-hint-dismissed';

/** A request for the plan and the run, from the selection; undefined when nothing is chosen. */
export interface RetrievalRequestInput {
  features?: string[];
  featureService?: string;
  fullFeatureNames: boolean;
  filterByCreatedTimestamp: boolean;
}

export function retrievalRequest(selection: WorkbenchState['selection']): RetrievalRequestInput | undefined {
  const flags = {
    fullFeatureNames: selection.fullFeatureNames,
    filterByCreatedTimestamp: selection.filterByCreatedTimestamp,
  };
  if (selection.featureService) return { featureService: selection.featureService, ...flags };
  if (selection.features.length > 0) return { features: selection.features, ...flags };
  return undefined;
}

function storageGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage can be unavailable (private windows); the hint then shows again next time.
  }
}

function debounce(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

function appendBatch(table: arrow.Table | undefined, bytes: Uint8Array): arrow.Table {
  const next = arrow.tableFromIPC(bytes);
  if (!table) return next;
  return table.concat(next);
}

function applyProgress(run: RunState, event: ProgressEvent): RunState {
  const phases = { ...run.phases };
  if (event.state === 'started' || event.state === 'running') phases[event.phase] = 'running';
  if (event.state === 'finished') phases[event.phase] = 'done';
  return {
    ...run,
    phases,
    phase: event.phase,
    message: event.message,
    bytes: run.bytes + (event.state === 'finished' || event.phase === 'download' ? (event.bytes ?? 0) : 0),
    ...(event.rows !== undefined ? { rows: event.rows } : {}),
    ...(event.statementId ? { statementId: event.statementId } : {}),
    ...(event.status ? { statementStatus: event.status } : {}),
    ...(event.phase === 'cleanup' && event.state === 'finished' ? { cleanup: event.message } : {}),
  };
}

export function createWorkbenchStore(api: WorkbenchApi): WorkbenchStore {
  const store = createStore<WorkbenchState>(() => ({
    session: { opening: true, profiles: [] },
    registry: { loading: false },
    selection: { features: [], fullFeatureNames: false, filterByCreatedTimestamp: false, search: '' },
    config: { path: '', text: '', savedText: '', problems: [], loaded: false, saving: false },
    frame: { loading: false },
    plan: { loading: false },
    run: { history: [] },
    results: {},
    permissions: { text: '', fileName: 'policy.json', mode: 'enforced', checking: false },
    ui: { tab: 'frame', hintDismissed: storageGet(HINT_KEY) === '1', disconnected: false },
  }));
  const get = store.getState;
  const patch = <K extends keyof WorkbenchState>(key: K, value: Partial<WorkbenchState[K]>) =>
    store.setState((s) => ({ [key]: { ...s[key], ...value } }) as Pick<WorkbenchState, K>);
  /** Replaces a slice, so optional fields can be cleared. */
  const put = <K extends keyof WorkbenchState>(key: K, value: WorkbenchState[K]) =>
    store.setState({ [key]: value } as Pick<WorkbenchState, K>);

  let planController: AbortController | undefined;
  let runController: AbortController | undefined;
  let validateController: AbortController | undefined;
  let checkController: AbortController | undefined;

  const loadRegistry = async () => {
    patch('registry', { loading: true });
    const result = await api.registry.get({});
    put(
      'registry',
      result.ok ? { view: result.value, loading: false } : { error: result.error, loading: false },
    );
    if (result.ok) {
      // Keep only choices that still exist after a reload.
      const model = result.value.model;
      const known = new Set([
        ...model.featureViews.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`)),
        ...model.onDemandFeatureViews.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`)),
      ]);
      const selection = get().selection;
      const features = selection.features.filter((ref) => known.has(ref));
      const service = model.featureServices.some((s) => s.name === selection.featureService)
        ? selection.featureService
        : undefined;
      put('selection', { ...selection, features, ...(service ? { featureService: service } : {}) });
    }
    actions.refreshPlan();
  };

  const loadConfig = async () => {
    const result = await api.config.read({});
    if (!result.ok) {
      patch('config', { error: result.error, loaded: true });
      return;
    }
    const doc = result.value;
    put('config', {
      path: doc.path,
      text: doc.text,
      savedText: doc.text,
      problems: doc.problems,
      ...(doc.summary ? { summary: doc.summary } : {}),
      loaded: true,
      saving: false,
    });
  };

  const afterSession = async (info: SessionInfo) => {
    put('session', { ...get().session, info, opening: false });
    await Promise.all([
      loadConfig(),
      info.repo ? loadRegistry() : Promise.resolve(put('registry', { loading: false })),
    ]);
    if (get().permissions.text === '' && info.repo) void loadMinimalPolicy();
  };

  const loadMinimalPolicy = async () => {
    const result = await api.iam.minimalPolicy({ mode: get().permissions.mode });
    const permissions = get().permissions;
    if (result.ok) put('permissions', { ...permissions, minimal: result.value, minimalError: undefined });
    else put('permissions', { ...permissions, minimalError: result.error });
  };

  const planSoon = debounce(() => void runPlan(), 120);
  const validateSoon = debounce(() => void validateConfig(), 150);
  const checkSoon = debounce(() => void actions.checkPolicy(), 300);

  const runPlan = async () => {
    planController?.abort();
    const request = retrievalRequest(get().selection);
    if (!request || !get().registry.view) {
      put('plan', { loading: false });
      return;
    }
    const controller = new AbortController();
    planController = controller;
    patch('plan', { loading: true });
    const frameId = get().frame.preview?.frameId;
    const result = await api.plan.preview(
      { request, ...(frameId ? { frameId } : {}) },
      { signal: controller.signal },
    );
    if (controller.signal.aborted) return;
    put(
      'plan',
      result.ok ? { preview: result.value, loading: false } : { error: result.error, loading: false },
    );
  };

  const validateConfig = async () => {
    validateController?.abort();
    const controller = new AbortController();
    validateController = controller;
    const text = get().config.text;
    const result = await api.config.validate({ text }, { signal: controller.signal });
    if (controller.signal.aborted || get().config.text !== text) return;
    if (result.ok) {
      const config = get().config;
      const { summary: _old, ...rest } = config;
      put('config', {
        ...rest,
        problems: result.value.problems,
        ...(result.value.summary ? { summary: result.value.summary } : {}),
      });
    }
  };

  const finishRun = (status: RunStatus, extra: Partial<RunState>) => {
    const current = get().run.current;
    if (!current) return;
    const finished: RunState = { ...current, ...extra, status, endedAt: Date.now() };
    put('run', { current: finished, history: [finished, ...get().run.history].slice(0, 50) });
  };

  const actions: WorkbenchActions = {
    async start() {
      const [session, profiles] = await Promise.all([api.session.current({}), api.session.listProfiles({})]);
      if (profiles.ok) patch('session', { profiles: profiles.value.profiles });
      if (!session.ok) {
        put('session', { ...get().session, error: session.error, opening: false });
        return;
      }
      await afterSession(session.value);
    },

    async openRepo(repoDir) {
      patch('session', { opening: true });
      const result = await api.session.open(repoDir ? { repoDir } : {});
      if (!result.ok) {
        patch('session', { opening: false, error: result.error });
        return;
      }
      put('frame', { loading: false });
      put('results', {});
      put('selection', { ...get().selection, features: [] });
      await afterSession(result.value);
    },

    async setConnection(choice) {
      patch('session', { opening: true });
      const repoDir = get().session.info?.repoDir;
      const isDemo = get().session.info?.isDemo ?? true;
      const result = await api.session.open({
        ...(repoDir && !isDemo ? { repoDir } : {}),
        connection: choice,
      });
      if (!result.ok) {
        patch('session', { opening: false, error: result.error });
        return;
      }
      put('frame', { loading: false });
      await afterSession(result.value);
    },

    toggleFeature(ref) {
      const selection = get().selection;
      const has = selection.features.includes(ref);
      const { featureService: _service, ...rest } = selection;
      put('selection', {
        ...rest,
        features: has ? selection.features.filter((r) => r !== ref) : [...selection.features, ref],
      });
      planSoon();
    },

    setViewFeatures(view, features, checked) {
      const selection = get().selection;
      const refs = features.map((f) => `${view}:${f}`);
      const { featureService: _service, ...rest } = selection;
      const kept = selection.features.filter((r) => !refs.includes(r));
      put('selection', { ...rest, features: checked ? [...kept, ...refs] : kept });
      planSoon();
    },

    useService(name) {
      const { featureService: _service, ...rest } = get().selection;
      put('selection', name ? { ...rest, features: [], featureService: name } : rest);
      planSoon();
    },

    clearSelection() {
      const { featureService: _service, ...rest } = get().selection;
      put('selection', { ...rest, features: [] });
      planSoon();
    },

    setSearch(text) {
      patch('selection', { search: text });
    },

    setOption(option, value) {
      patch('selection', { [option]: value });
      planSoon();
    },

    editConfig(text) {
      patch('config', { text });
      validateSoon();
    },

    async saveConfig() {
      const text = get().config.text;
      patch('config', { saving: true });
      const result = await api.config.save({ text });
      if (!result.ok) {
        patch('config', { saving: false, error: result.error });
        return;
      }
      const saved = result.value;
      const problems = saved.problems.length;
      patch('config', {
        saving: false,
        savedText: text,
        problems: saved.problems,
        note:
          problems === 0
            ? `Saved ${saved.path}. The workbench now uses it.`
            : `Saved with ${problems} ${problems === 1 ? 'problem' : 'problems'}; the workbench keeps using the last valid configuration until they are fixed.`,
      });
      const { error: _error, ...config } = get().config;
      put('config', config);
      if (problems === 0) {
        put('session', { ...get().session, info: saved.session, opening: false });
        await loadRegistry();
      } else {
        patch('session', { info: saved.session });
      }
    },

    async switchTarget(target) {
      const result = await api.config.switchTarget({ text: get().config.text, target });
      if (!result.ok) {
        patch('config', { error: result.error });
        return;
      }
      const { summary: _old, ...config } = get().config;
      put('config', {
        ...config,
        text: result.value.text,
        problems: result.value.problems,
        ...(result.value.summary ? { summary: result.value.summary } : {}),
        note: 'The target was changed in the editor (comments kept). Review it and press Ctrl+S to save.',
      });
      patch('ui', { tab: 'config' });
    },

    async openFrame(file) {
      put('frame', {
        loading: true,
        fileName: file.name,
        ...(get().frame.preview ? { preview: get().frame.preview!, table: get().frame.table! } : {}),
      });
      patch('ui', { tab: 'frame' });
      const result = await api.frames.open({ fileName: file.name, bytes: file.bytes });
      if (!result.ok) {
        put('frame', { loading: false, fileName: file.name, error: result.error });
        return;
      }
      const previous = get().frame.preview?.frameId;
      if (previous) void api.frames.close({ frameId: previous });
      put('frame', {
        loading: false,
        fileName: file.name,
        preview: result.value,
        table: arrow.tableFromIPC(result.value.preview),
      });
      actions.dismissHint();
      planSoon();
    },

    refreshPlan() {
      planSoon();
    },

    async explain() {
      const request = retrievalRequest(get().selection);
      const frameId = get().frame.preview?.frameId;
      if (!request || !frameId) {
        patch('plan', {
          explain: { status: 'failed', message: 'EXPLAIN needs an entity frame and chosen features.' },
        });
        return;
      }
      patch('plan', { explain: { status: 'running', message: 'staging the entity frame' } });
      const result = await api.plan.explain(
        { request, frameId },
        {
          onEvent: (event) =>
            patch('plan', { explain: { status: 'running', message: event.progress.message } }),
        },
      );
      patch('plan', {
        explain: result.ok
          ? { status: 'done', result: result.value }
          : { status: 'failed', error: result.error },
      });
    },

    async run() {
      if (get().run.current?.status === 'running') return;
      const request = retrievalRequest(get().selection);
      const frame = get().frame.preview;
      if (!request) {
        actions.toast('Pick features (or a feature service) on the left first.');
        return;
      }
      if (!frame) {
        actions.toast('Drop a CSV of entity keys and timestamps first (or open the Entity frame tab).');
        return;
      }
      actions.toast(undefined);
      const controller = new AbortController();
      runController = controller;
      const label = request.featureService
        ? `feature service ${request.featureService}`
        : `${request.features!.length} ${request.features!.length === 1 ? 'feature' : 'features'}`;
      put('run', {
        history: get().run.history,
        current: {
          id: `run-${Date.now()}`,
          status: 'running',
          startedAt: Date.now(),
          phases: {},
          message: 'starting',
          bytes: 0,
          label,
          frameName: frame.fileName,
          batchesReceived: 0,
        },
      });
      put('results', {});
      patch('ui', { tab: 'results' });
      const result = await api.retrieval.run(
        { request, frameId: frame.frameId },
        {
          signal: controller.signal,
          onEvent: (event) => {
            const current = get().run.current;
            if (!current) return;
            if (event.type === 'started') patch('results', { resultId: event.resultId });
            else if (event.type === 'progress')
              patch('run', { current: applyProgress(current, event.progress) });
            else if (event.type === 'batch') {
              patch('results', { table: appendBatch(get().results.table, event.arrow) });
              patch('run', { current: { ...current, batchesReceived: current.batchesReceived + 1 } });
            }
          },
        },
      );
      runController = undefined;
      if (result.ok) {
        patch('results', { summary: result.value, resultId: result.value.resultId });
        finishRun('done', { resultRows: result.value.rows });
      } else if (result.error.kind === 'Cancelled') {
        finishRun('cancelled', { error: result.error });
      } else {
        finishRun('failed', { error: result.error });
      }
    },

    cancelRun() {
      if (get().run.current?.status !== 'running' || !runController) return false;
      runController.abort();
      return true;
    },

    async exportResult(format) {
      const resultId = get().results.resultId;
      if (!resultId || !get().results.summary) return undefined;
      patch('results', { exporting: format, exportNote: undefined });
      const parts: Uint8Array[] = [];
      const result = await api.results.export(
        { resultId, format },
        { onEvent: (event) => parts.push(event.bytes) },
      );
      if (!result.ok) {
        patch('results', { exporting: undefined, exportError: result.error });
        return undefined;
      }
      const { exporting: _e, exportError: _x, ...rest } = get().results;
      put('results', {
        ...rest,
        exportNote: `${result.value.fileName}: ${result.value.rows} rows, ${result.value.bytes} bytes`,
      });
      return {
        fileName: result.value.fileName,
        blob: new Blob(parts as BlobPart[], { type: result.value.mimeType }),
      };
    },

    setPolicy(text, fileName) {
      patch('permissions', { text, ...(fileName ? { fileName } : {}) });
      if (text.trim() !== '') checkSoon();
    },

    setMode(mode) {
      patch('permissions', { mode });
      void loadMinimalPolicy();
      if (get().permissions.text.trim() !== '') void actions.checkPolicy();
    },

    async checkPolicy() {
      checkController?.abort();
      const { text, fileName, mode } = get().permissions;
      if (text.trim() === '') return;
      const controller = new AbortController();
      checkController = controller;
      patch('permissions', { checking: true });
      const result = await api.iam.check(
        { policies: [{ fileName, text }], mode },
        { signal: controller.signal },
      );
      if (controller.signal.aborted) return;
      const { result: _r, error: _e, ...rest } = get().permissions;
      put('permissions', {
        ...rest,
        checking: false,
        ...(result.ok ? { result: result.value } : { error: result.error }),
      });
    },

    setTab(tab) {
      patch('ui', { tab });
    },

    dismissHint() {
      if (!get().ui.hintDismissed) {
        storageSet(HINT_KEY, '1');
        patch('ui', { hintDismissed: true });
      }
    },

    toast(message) {
      const { toast: _t, ...ui } = get().ui;
      put('ui', message ? { ...ui, toast: message } : ui);
    },

    setDisconnected() {
      patch('ui', { disconnected: true });
    },
  };

  return Object.assign(store, { actions });
}
