/**
 * The transport-neutral core of every host: takes a method name and an untrusted payload, validates it against
 * the contract's schema, runs the handler with an AbortSignal and an event sink, and answers a Result. Nothing
 * thrown escapes: engine errors become their EngineError data, anything else becomes Internal. Electron IPC
 * and the browser bridge are thin adapters over this.
 */
import type { ZodType } from 'zod';
import type { CallContext, ServiceHandlers } from '../contract/api';
import { toEngineError, type EngineError } from '../contract/errors';
import { SCHEMAS } from '../contract/schemas';
import { findMethod, listMethods, type MethodInfo } from '../contract/surface';
import type { Result } from '../contract/types';

export interface DispatchOptions {
  signal: AbortSignal;
  emit?: (event: unknown) => void;
}

export interface Dispatcher {
  dispatch(method: string, payload: unknown, options: DispatchOptions): Promise<Result<unknown>>;
  methods: MethodInfo[];
}

/** Zod issue path -> "request.features[2]". */
function issuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out;
}

function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export function createDispatcher(handlers: ServiceHandlers, log?: (line: string) => void): Dispatcher {
  // Every surface method must have a handler at run time too (a JS caller could bypass the types).
  for (const { service, method, path } of listMethods()) {
    const handler = (handlers as unknown as Record<string, Record<string, unknown>>)[service]?.[method];
    if (typeof handler !== 'function') throw new Error(`no handler for ${path}`);
  }
  return {
    methods: listMethods(),
    async dispatch(method, payload, options): Promise<Result<unknown>> {
      const info = typeof method === 'string' ? findMethod(method) : undefined;
      if (!info) {
        return fail({
          kind: 'RequestInvalid',
          method: String(method).slice(0, 200),
          issues: [{ path: '', message: 'no such method in the contract' }],
        });
      }
      const schema = (SCHEMAS as unknown as Record<string, Record<string, ZodType>>)[info.service]![
        info.method
      ]!;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        return fail({
          kind: 'RequestInvalid',
          method: info.path,
          issues: parsed.error.issues.slice(0, 20).map((issue) => ({
            path: issuePath(issue.path),
            message: issue.message,
          })),
        });
      }
      const handler = (handlers as unknown as Record<string, Record<string, Handler>>)[info.service]![
        info.method
      ]!;
      // Events flow until the call settles, also after a cancel: the cleanup's progress is worth showing.
      let settled = false;
      const context: CallContext<unknown> = {
        signal: options.signal,
        emit: (event) => {
          if (!settled) options.emit?.(event);
        },
      };
      try {
        if (options.signal.aborted) return fail({ kind: 'Cancelled', phase: 'before it started' });
        return { ok: true, value: await handler(parsed.data, context) };
      } catch (error) {
        const detail = toEngineError(error);
        if (options.signal.aborted && (detail.kind === 'Internal' || isAbortError(error))) {
          return fail({ kind: 'Cancelled', phase: info.path });
        }
        if (detail.kind === 'Internal')
          log?.(`${info.path} failed: ${error instanceof Error ? error.stack : String(error)}`);
        return fail(detail);
      } finally {
        settled = true;
      }
    },
  };
}

type Handler = (input: unknown, context: CallContext<unknown>) => Promise<unknown>;

function fail(error: EngineError): Result<never> {
  return { ok: false, error };
}
