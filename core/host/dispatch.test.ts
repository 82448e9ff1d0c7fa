import { describe, expect, it } from 'vitest';
import type { CallContext, ServiceHandlers } from '../contract/api';
import { WorkbenchError } from '../contract/errors';
import { listMethods } from '../contract/surface';
import { createDispatcher } from './dispatch';

type AnyHandler = (input: unknown, context: CallContext<unknown>) => Promise<unknown>;

/** Handlers for every method that echo their input, with a few replaced by the test. */
function handlers(overrides: Record<string, AnyHandler> = {}): ServiceHandlers {
  const out: Record<string, Record<string, AnyHandler>> = {};
  for (const { service, method, path } of listMethods()) {
    out[service] ??= {};
    out[service][method] = overrides[path] ?? (async (input) => ({ echo: input }));
  }
  return out as unknown as ServiceHandlers;
}

const signal = () => new AbortController().signal;

describe('dispatcher', () => {
  it('refuses to start when a surface method has no handler', () => {
    const partial = handlers() as unknown as Record<string, Record<string, unknown>>;
    delete partial.iam!.check;
    expect(() => createDispatcher(partial as unknown as ServiceHandlers)).toThrow(/iam\.check/);
  });

  it('answers an unknown method with RequestInvalid, prototype names included', async () => {
    const dispatcher = createDispatcher(handlers());
    for (const method of [
      'nope.nope',
      'session.constructor',
      '__proto__.toString',
      42 as unknown as string,
    ]) {
      const result = await dispatcher.dispatch(method, {}, { signal: signal() });
      expect(result).toMatchObject({ ok: false, error: { kind: 'RequestInvalid' } });
    }
  });

  it('validates payloads: wrong types, unknown keys and missing fields are RequestInvalid with paths', async () => {
    const dispatcher = createDispatcher(handlers());
    const cases: [string, unknown, string][] = [
      ['retrieval.run', { request: { features: ['a:b'] } }, 'frameId'],
      ['retrieval.run', { request: { features: ['nocolon'] }, frameId: 'f1' }, 'request.features[0]'],
      ['retrieval.run', { request: {}, frameId: 'f1' }, 'request'],
      ['frames.open', { fileName: 'x.csv', bytes: 'not bytes' }, 'bytes'],
      ['session.current', { extra: 1 }, ''],
      ['iam.check', { policies: [], mode: 'enforced' }, 'policies'],
      ['session.open', { connection: { kind: 'aws', profile: '../../etc' } }, 'connection.profile'],
      ['config.validate', null, ''],
    ];
    for (const [method, payload, path] of cases) {
      const result = await dispatcher.dispatch(method, payload, { signal: signal() });
      expect(result.ok, method).toBe(false);
      if (result.ok) continue;
      expect(result.error.kind).toBe('RequestInvalid');
      if (result.error.kind === 'RequestInvalid') {
        expect(result.error.method).toBe(method);
        expect(result.error.issues.map((i) => i.path)).toContain(path);
      }
    }
  });

  it('passes parsed input (defaults filled) and returns the value', async () => {
    const dispatcher = createDispatcher(handlers());
    const result = await dispatcher.dispatch(
      'plan.preview',
      { request: { featureService: 'svc' } },
      { signal: signal() },
    );
    expect(result).toEqual({
      ok: true,
      value: {
        echo: {
          request: { featureService: 'svc', fullFeatureNames: false, filterByCreatedTimestamp: false },
        },
      },
    });
  });

  it('turns thrown errors into data: WorkbenchError keeps its detail, anything else is Internal', async () => {
    const dispatcher = createDispatcher(
      handlers({
        'registry.get': async () => {
          throw new WorkbenchError({ kind: 'NotFound', what: 'registry', name: 'r.db' });
        },
        'sandbox.status': async () => {
          throw new TypeError('boom');
        },
      }),
    );
    expect(await dispatcher.dispatch('registry.get', {}, { signal: signal() })).toEqual({
      ok: false,
      error: { kind: 'NotFound', what: 'registry', name: 'r.db' },
    });
    expect(await dispatcher.dispatch('sandbox.status', {}, { signal: signal() })).toEqual({
      ok: false,
      error: { kind: 'Internal', message: 'boom' },
    });
  });

  it('streams events to the caller (cleanup events after a cancel too), reaches the handler with the abort signal, and none after the result', async () => {
    const controller = new AbortController();
    const events: unknown[] = [];
    let sawAbort = false;
    let later: CallContext<unknown> | undefined;
    const dispatcher = createDispatcher(
      handlers({
        'retrieval.run': async (_input, context) => {
          later = context;
          context.emit({ type: 'started' });
          controller.abort();
          sawAbort = context.signal.aborted;
          context.emit({ type: 'cleanup' });
          const error = new Error('aborted');
          error.name = 'AbortError';
          throw error;
        },
      }),
    );
    const result = await dispatcher.dispatch(
      'retrieval.run',
      { request: { features: ['v:f'] }, frameId: 'frame_1' },
      { signal: controller.signal, emit: (e) => events.push(e) },
    );
    expect(sawAbort).toBe(true);
    later!.emit({ type: 'after the result' });
    expect(events).toEqual([{ type: 'started' }, { type: 'cleanup' }]);
    expect(result).toMatchObject({ ok: false, error: { kind: 'Cancelled' } });
  });
});
