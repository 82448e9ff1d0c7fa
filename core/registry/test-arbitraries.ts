/**
 * fast-check generators of registry documents, derived from the message table in schema.ts so that every
 * field the codec knows is exercised (tests only).
 */

import fc from 'fast-check';
import { MAX_DURATION_SECONDS, MAX_TIMESTAMP_SECONDS, MIN_TIMESTAMP_SECONDS } from './codec';
import { setEntry, type RegistryDocument } from './document';
import { REGISTRY, type EnumDef, type FieldDef, type MessageDef, type ScalarType } from './schema';

const text = fc.string({ unit: 'binary', maxLength: 6 });

function enumValue(enumDef: EnumDef): fc.Arbitrary<number> {
  const known = Object.values(enumDef.numbers);
  // Mostly known numbers, sometimes one from a newer Feast.
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 200 }) },
  );
}

function scalar(type: ScalarType, enumDef?: EnumDef): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return text;
    case 'bytes':
      return fc.uint8Array({ maxLength: 6 });
    case 'bool':
      return fc.boolean();
    case 'float':
      return fc.float().map((v) => (Object.is(v, -0) ? 0 : v));
    case 'int32':
      return fc.integer({ min: -2_147_483_648, max: 2_147_483_647 });
    case 'int64':
      return fc.maxSafeInteger();
    case 'enum':
      return enumValue(enumDef as EnumDef);
  }
}

function wellKnown(kind: 'timestamp' | 'duration'): fc.Arbitrary<Record<string, unknown>> {
  if (kind === 'timestamp') {
    return fc.record({
      seconds: fc.integer({ min: MIN_TIMESTAMP_SECONDS, max: MAX_TIMESTAMP_SECONDS }),
      nanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })),
    });
  }
  return fc
    .record({
      seconds: fc.integer({ min: 0, max: MAX_DURATION_SECONDS }),
      nanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999_999 })),
      negative: fc.boolean(),
    })
    .map(({ seconds, nanos, negative }) => ({
      seconds: negative && seconds !== 0 ? -seconds : seconds,
      nanos: negative && nanos !== 0 ? -nanos : nanos,
    }));
}

function field(def: FieldDef, depth: number): fc.Arbitrary<unknown> {
  const maxLength = depth <= 1 ? 3 : 1;
  if (def.kind === 'scalar') {
    return def.repeated
      ? fc.array(scalar(def.type, def.enumDef), { maxLength })
      : scalar(def.type, def.enumDef);
  }
  if (def.kind === 'message') {
    return fc.array(message(def.message(), depth + 1), { maxLength });
  }
  const value =
    def.value.kind === 'message'
      ? message(def.value.message(), depth + 1)
      : scalar(def.value.type, def.value.enumDef);
  return fc.uniqueArray(fc.tuple(text, value), { maxLength, selector: ([key]) => key }).map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) setEntry(out, key, item);
    return out;
  });
}

const MAX_DEPTH = 4;

/** A message with every field set (sub-messages sometimes absent, at most one member per oneof). */
export function message(def: MessageDef, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  if (def.wellKnown) return wellKnown(def.wellKnown);
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const oneofs = new Map<string, FieldDef[]>();
  for (const f of def.fields) {
    if (f.kind === 'message' && f.oneof) {
      oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
    } else if (f.kind === 'message' && !f.repeated) {
      parts[f.json] =
        depth >= MAX_DEPTH
          ? fc.constant(undefined)
          : fc.option(message(f.message(), depth + 1), { nil: undefined });
    } else if (f.kind === 'message' && depth >= MAX_DEPTH) {
      parts[f.json] = fc.constant([]);
    } else {
      parts[f.json] = field(f, depth);
    }
  }
  for (const [group, members] of oneofs) {
    const choices: fc.Arbitrary<[string, unknown] | undefined>[] = [fc.constant(undefined)];
    if (depth < MAX_DEPTH) {
      for (const member of members) {
        if (member.kind !== 'message') continue;
        choices.push(
          message(member.message(), depth + 1).map((value): [string, unknown] => [member.json, value]),
        );
      }
    }
    parts[`oneof:${group}`] = fc.oneof(...choices);
  }
  return fc.record(parts).map((record) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (key.startsWith('oneof:')) {
        if (value) out[(value as [string, unknown])[0]] = (value as [string, unknown])[1];
      } else if (value !== undefined) {
        out[key] = value;
      }
    }
    return out;
  });
}

export const registryDocument: fc.Arbitrary<RegistryDocument> = message(
  REGISTRY,
) as unknown as fc.Arbitrary<RegistryDocument>;
