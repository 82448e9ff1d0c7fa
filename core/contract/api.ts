/**
 * The types every side is derived from: what the renderer calls ({@link WorkbenchApi}), what the preload
 * exposes ({@link PreloadApi}), and what the host implements ({@link ServiceHandlers}). All three are mapped
 * over the same {@link SURFACE}, so a method missing on one side (or present only on one) fails type checking.
 */
import type { z } from 'zod';
import type { Schemas } from './schemas';
import type { MethodKind, Surface } from './surface';
import type {
  AwsProfiles,
  ConfigDocument,
  ConfigEdited,
  ConfigSaved,
  ConfigValidation,
  EntityFramePreview,
  ExplainEvent,
  ExplainResult,
  ExportDone,
  ExportEvent,
  IamCheckResult,
  MinimalPolicyResult,
  PlanPreview,
  RegistryView,
  Result,
  RetrievalEvent,
  RunSummary,
  SandboxStatus,
  SessionInfo,
} from './types';

/** What each method answers (its Result's value). */
export interface Outputs {
  session: { current: SessionInfo; open: SessionInfo; listProfiles: AwsProfiles };
  config: {
    read: ConfigDocument;
    validate: ConfigValidation;
    save: ConfigSaved;
    setField: ConfigEdited;
    switchTarget: ConfigEdited;
  };
  registry: { get: RegistryView };
  frames: { open: EntityFramePreview; close: { closed: boolean } };
  plan: { preview: PlanPreview; explain: ExplainResult };
  retrieval: { run: RunSummary };
  results: { export: ExportDone; release: { released: boolean } };
  iam: { check: IamCheckResult; minimalPolicy: MinimalPolicyResult };
  sandbox: { status: SandboxStatus };
}

/** The events a `stream` method pushes while it runs (`never` for calls). */
export interface Events {
  plan: { explain: ExplainEvent };
  retrieval: { run: RetrievalEvent };
  results: { export: ExportEvent };
}

// Both maps must name exactly the surface's methods, and events exactly its stream methods.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MethodKeys<T> = { [S in keyof T]: keyof T[S] };
type StreamKeys = {
  [
    S in keyof Surface as {
      [M in keyof Surface[S]]: Surface[S][M] extends 'stream' ? M : never;
    }[keyof Surface[S]] extends never
      ? never
      : S
  ]: { [M in keyof Surface[S] as Surface[S][M] extends 'stream' ? M : never]: true };
};
const outputsMatchSurface: Exactly<MethodKeys<Outputs>, MethodKeys<Surface>> = true;
const schemasMatchSurface: Exactly<MethodKeys<Schemas>, MethodKeys<Surface>> = true;
const eventsMatchStreams: Exactly<MethodKeys<Events>, MethodKeys<StreamKeys>> = true;
void outputsMatchSurface;
void schemasMatchSurface;
void eventsMatchStreams;

type ServiceOf = keyof Surface;
type MethodOf<S extends ServiceOf> = keyof Surface[S] & keyof Outputs[S] & keyof Schemas[S];

/** The payload the caller writes (defaults may be left out). */
export type Input<S extends ServiceOf, M extends MethodOf<S>> = Schemas[S][M] extends z.ZodType
  ? z.input<Schemas[S][M]>
  : never;
/** The payload the handler receives (validated, defaults filled in). */
export type ParsedInput<S extends ServiceOf, M extends MethodOf<S>> = Schemas[S][M] extends z.ZodType
  ? z.output<Schemas[S][M]>
  : never;
export type Output<S extends ServiceOf, M extends MethodOf<S>> = Outputs[S][M];
export type EventOf<S extends ServiceOf, M extends MethodOf<S>> = S extends keyof Events
  ? M extends keyof Events[S]
    ? Events[S][M]
    : never
  : never;
export type KindOf<S extends ServiceOf, M extends MethodOf<S>> = Surface[S][M] extends MethodKind
  ? Surface[S][M]
  : never;

/** Options of a renderer-side call. */
export interface CallOptions<E> {
  /** Aborting cancels the call in the host (the engine sees an AbortSignal). */
  signal?: AbortSignal;
  /** Events of a stream method, in order, before the promise settles. */
  onEvent?: (event: E) => void;
}

/** The typed API the renderer uses: `await api.plan.preview({ request })`. */
export type WorkbenchApi = {
  [S in ServiceOf]: {
    [M in MethodOf<S>]: (
      input: Input<S, M>,
      options?: CallOptions<EventOf<S, M>>,
    ) => Promise<Result<Output<S, M>>>;
  };
};

/**
 * What the preload exposes as `window.workbench`: one function per method taking a caller-chosen call id (an
 * AbortSignal cannot cross the context bridge, so cancelling names the call instead), plus `cancel`.
 */
export type PreloadApi = {
  [S in ServiceOf]: {
    [M in MethodOf<S>]: (
      input: Input<S, M>,
      callId: string,
      onEvent?: (event: EventOf<S, M>) => void,
    ) => Promise<Result<Output<S, M>>>;
  };
} & {
  cancel(callId: string): void;
  readonly transport: 'electron';
  /** The preload's own view of its process (process.sandboxed): true in every shipped build. */
  readonly sandboxed: boolean;
};

/** What a handler gets besides its input. */
export interface CallContext<E> {
  /** Aborted when the caller cancels or goes away. */
  signal: AbortSignal;
  /** Pushes an event to the caller (stream methods). */
  emit(event: E): void;
}

/** What the host implements, one function per method; throwing a WorkbenchError answers with its data. */
export type ServiceHandlers = {
  [S in ServiceOf]: {
    [M in MethodOf<S>]: (
      input: ParsedInput<S, M>,
      context: CallContext<EventOf<S, M>>,
    ) => Promise<Output<S, M>>;
  };
};
