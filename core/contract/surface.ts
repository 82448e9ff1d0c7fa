/**
 * The contract's surface: every service, every method, and how it is called. This is the one list the
 * transports are generated from (Electron IPC handlers and preload, the browser bridge, the renderer proxy);
 * schemas.ts and types.ts must key exactly the same methods, which the type checker enforces (see api.ts).
 *
 * Kept free of zod and of any runtime dependency so that the sandboxed preload can import it cheaply.
 *
 * - `call`: one request, one {@link Result}. Cancellable.
 * - `stream`: one request, any number of events (progress, Arrow batches, file chunks) pushed to the caller
 *   while it runs, then one Result. Cancellable; cancelling reaches the engine as an AbortSignal.
 */
export const SURFACE = {
  /** The open feature repo and its connection (sandbox or an AWS profile). */
  session: { current: 'call', open: 'call', listProfiles: 'call' },
  /** feature_store.yaml: read, validate with positions, save, comment-preserving structured edits. */
  config: { read: 'call', validate: 'call', save: 'call', setField: 'call', switchTarget: 'call' },
  /** The Feast registry of the open repo's project. */
  registry: { get: 'call' },
  /** CSV entity frames, typed and kept in the host until a run stages them. */
  frames: { open: 'call', close: 'call' },
  /** The point-in-time plan (SQL, steps in words, size) and EXPLAIN. */
  plan: { preview: 'call', explain: 'stream' },
  /** Historical retrieval: progress events and Arrow IPC batches while it runs. */
  retrieval: { run: 'stream' },
  /** Results kept in the host after a run: export through the engine's writers, release. */
  results: { export: 'stream', release: 'call' },
  /** IAM policy checks against what each Feast command needs, and the minimal policy. */
  iam: { check: 'call', minimalPolicy: 'call' },
  /** The embedded Redshift sandbox. */
  sandbox: { status: 'call' },
} as const;

export type Surface = typeof SURFACE;
export type ServiceName = keyof Surface;
export type MethodName<S extends ServiceName> = keyof Surface[S] & string;
export type MethodKind = 'call' | 'stream';

/** `service.method`, the name a method travels under on every transport. */
export type MethodPath = { [S in ServiceName]: `${S}.${MethodName<S>}` }[ServiceName];

export interface MethodInfo {
  service: ServiceName;
  method: string;
  path: MethodPath;
  kind: MethodKind;
}

/** Every method, in declaration order. */
export function listMethods(): MethodInfo[] {
  const methods: MethodInfo[] = [];
  for (const service of Object.keys(SURFACE) as ServiceName[]) {
    for (const [method, kind] of Object.entries(SURFACE[service])) {
      methods.push({ service, method, path: `${service}.${method}` as MethodPath, kind: kind as MethodKind });
    }
  }
  return methods;
}

/** The method a `service.method` string names, or undefined (own properties only: no prototype lookups). */
export function findMethod(path: string): MethodInfo | undefined {
  const dot = path.indexOf('.');
  if (dot <= 0) return undefined;
  const service = path.slice(0, dot);
  const method = path.slice(dot + 1);
  if (!Object.hasOwn(SURFACE, service)) return undefined;
  const methods = SURFACE[service as ServiceName] as Record<string, MethodKind>;
  if (!Object.hasOwn(methods, method)) return undefined;
  return { service: service as ServiceName, method, path: path as MethodPath, kind: methods[method]! };
}

/** The Electron IPC channel of a method. */
export function ipcChannel(path: MethodPath): string {
  return `fwb:${path}`;
}

/** Electron IPC channels outside the per-method ones: cancelling a call, events pushed to the renderer. */
export const IPC_CANCEL_CHANNEL = 'fwb:cancel';
export const IPC_EVENT_CHANNEL = 'fwb:event';
