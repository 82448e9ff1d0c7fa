/**
 * The contract's surface, snapshotted: every method, its kind and its request schema (as JSON Schema). A
 * change here changes what the renderer and every host agree on, so it must show up as a deliberate diff.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SCHEMAS } from './schemas';
import { findMethod, ipcChannel, listMethods } from './surface';

describe('contract surface', () => {
  it('matches the snapshot (methods, kinds, request schemas)', () => {
    const surface = listMethods().map(({ path, kind, service, method }) => ({
      path,
      kind,
      channel: ipcChannel(path),
      request: z.toJSONSchema((SCHEMAS as Record<string, Record<string, z.ZodType>>)[service]![method]!, {
        unrepresentable: 'any',
        io: 'input',
      }),
    }));
    expect(surface).toMatchSnapshot();
  });

  it('has a schema for exactly the surface methods', () => {
    const fromSchemas = Object.entries(SCHEMAS).flatMap(([service, methods]) =>
      Object.keys(methods).map((method) => `${service}.${method}`),
    );
    expect(fromSchemas.sort()).toEqual(
      listMethods()
        .map((m) => m.path)
        .sort(),
    );
  });

  it('finds methods by path, and only own properties', () => {
    expect(findMethod('retrieval.run')).toMatchObject({
      service: 'retrieval',
      method: 'run',
      kind: 'stream',
    });
    expect(findMethod('plan.preview')?.kind).toBe('call');
    for (const bad of [
      '',
      'retrieval',
      '.run',
      'retrieval.',
      'nope.run',
      'retrieval.nope',
      'toString.call',
      'session.constructor',
      '__proto__.x',
      'session.hasOwnProperty',
    ]) {
      expect(findMethod(bad)).toBeUndefined();
    }
  });
});
