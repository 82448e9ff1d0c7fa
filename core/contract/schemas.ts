/**
 * Request schemas (zod) for every method of the surface. The host validates each payload against these before
 * anything runs, so a malformed request from a renderer or a local page is a RequestInvalid error, never a
 * crash or a half-done operation. Strict objects: unknown keys are mistakes too.
 */
import { z } from 'zod';
import { ALL_COMMANDS } from '../iam/requirements';
import type { Surface } from './surface';

const MAX_TEXT = 4 * 1024 * 1024;
/** Entity frames and policies travel as bytes; past this the user should stage from SQL instead. */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

const name = z.string().min(1).max(512);
const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, - and _');
const text = z.string().max(MAX_TEXT);
const none = z.object({}).strict();

/** AWS profile names as the AWS CLI accepts them (no path separators or shell characters). */
const profileName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_+=,.@-]+$/, 'a profile name is letters, digits and _+=,.@-');

const connection = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sandbox') }).strict(),
  z.object({ kind: z.literal('aws'), profile: profileName.optional() }).strict(),
]);

const redshiftTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cluster'), clusterId: name, user: name }).strict(),
  z.object({ kind: z.literal('serverless'), workgroup: name }).strict(),
]);

const featureRef = z
  .string()
  .min(3)
  .max(1024)
  .regex(/^[^:\s]+:[^:\s]+$/, 'a feature reference is view:feature');

/** What to retrieve: feature references or a feature service, and Feast's two switches. */
export const retrievalRequestSchema = z
  .object({
    features: z.array(featureRef).min(1).max(10_000).optional(),
    featureService: name.optional(),
    fullFeatureNames: z.boolean().default(false),
    filterByCreatedTimestamp: z.boolean().default(false),
  })
  .strict()
  .refine((r) => (r.features === undefined) !== (r.featureService === undefined), {
    message: 'give either features or featureService',
  });

const feastCommand = z.enum(ALL_COMMANDS as unknown as [string, ...string[]]);
const checkMode = z.enum(['documented', 'enforced']);

export const SCHEMAS = {
  session: {
    current: none,
    open: z
      .object({
        /** Absolute folder holding feature_store.yaml; the demo repo when absent. */
        repoDir: z.string().min(1).max(4096).optional(),
        connection: connection.optional(),
        stagingSchema: z
          .string()
          .min(1)
          .max(127)
          .regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'a schema name is an unquoted Redshift identifier')
          .optional(),
      })
      .strict(),
    listProfiles: none,
  },
  config: {
    read: none,
    validate: z.object({ text }).strict(),
    save: z.object({ text }).strict(),
    setField: z
      .object({
        text,
        path: z.array(z.string().min(1).max(256)).min(1).max(16),
        value: z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.null()]),
      })
      .strict(),
    switchTarget: z.object({ text, target: redshiftTarget }).strict(),
  },
  registry: { get: none },
  frames: {
    open: z
      .object({
        fileName: z.string().min(1).max(255),
        bytes: z
          .instanceof(Uint8Array)
          .refine((b) => b.byteLength <= MAX_UPLOAD_BYTES, `at most ${MAX_UPLOAD_BYTES} bytes`),
      })
      .strict(),
    close: z.object({ frameId: id }).strict(),
  },
  plan: {
    preview: z.object({ request: retrievalRequestSchema, frameId: id.optional() }).strict(),
    explain: z.object({ request: retrievalRequestSchema, frameId: id }).strict(),
  },
  retrieval: {
    run: z.object({ request: retrievalRequestSchema, frameId: id }).strict(),
  },
  results: {
    export: z.object({ resultId: id, format: z.enum(['csv', 'parquet', 'arrow']) }).strict(),
    release: z.object({ resultId: id }).strict(),
  },
  iam: {
    check: z
      .object({
        policies: z
          .array(z.object({ fileName: z.string().min(1).max(255), text }).strict())
          .min(1)
          .max(10),
        mode: checkMode,
        commands: z.array(feastCommand).min(1).max(ALL_COMMANDS.length).optional(),
        account: z
          .string()
          .regex(/^\d{12}$/, 'an account ID is 12 digits')
          .optional(),
        workgroupId: z.string().min(1).max(256).optional(),
      })
      .strict(),
    minimalPolicy: z
      .object({ mode: checkMode, commands: z.array(feastCommand).min(1).max(ALL_COMMANDS.length).optional() })
      .strict(),
  },
  sandbox: { status: none },
} as const satisfies { [S in keyof Surface]: { [M in keyof Surface[S]]: z.ZodType } };

export type Schemas = typeof SCHEMAS;
