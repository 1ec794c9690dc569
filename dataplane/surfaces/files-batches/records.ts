// What the gateway remembers of a file or batch, in the bus's state store (namespaces `files` and
// `batches`, per org): the provider credential that holds it, so every later call with its id,
// from any data plane, reaches the same credential; for a batch also what its admission charged
// and whether its cost was settled. Version 1; read leniently (fields a newer node adds pass),
// written strictly.
import * as v from "valibot";
import type { StateKey, StateStore } from "#shared/bus/state-store.ts";

export const RECORD_VERSION = 1;

const fileRecordSchema = v.looseObject({
  v: v.number(),
  provider_id: v.string(),
  /** The batch whose output or error file this is, when it is one. */
  batch_id: v.optional(v.nullable(v.string())),
});
export type FileRecord = v.InferOutput<typeof fileRecordSchema>;

const settlementSchema = v.looseObject({
  state: v.picklist(["claimed", "settled"]),
  node_id: v.string(),
  /** Milliseconds since the epoch when it was claimed or settled. */
  at: v.number(),
  actual_usd: v.optional(v.number()),
  lines: v.optional(v.number()),
});
export type Settlement = v.InferOutput<typeof settlementSchema>;

const batchRecordSchema = v.looseObject({
  v: v.number(),
  provider_id: v.string(),
  surface: v.picklist(["openai", "anthropic"]),
  project_id: v.string(),
  key_id: v.string(),
  /** The cost charged at admission (batch price), USD. */
  estimate_usd: v.number(),
  /** The budget periods it was charged to (`budgetId\u0000periodStart`). */
  spend_keys: v.array(v.string()),
  input_file_id: v.optional(v.nullable(v.string())),
  tags: v.optional(v.record(v.string(), v.string()), {}),
  end_user: v.optional(v.nullable(v.string()), null),
  settlement: v.nullable(settlementSchema),
});
export type BatchRecord = v.InferOutput<typeof batchRecordSchema>;

const fileKey = (orgId: string, id: string): StateKey => ({ orgId, namespace: "files", id });
export const batchKey = (orgId: string, id: string): StateKey => ({
  orgId,
  namespace: "batches",
  id,
});

export async function readFileRecord(
  state: StateStore,
  orgId: string,
  id: string,
): Promise<FileRecord | null> {
  return lenient(fileRecordSchema, await state.get(fileKey(orgId, id)));
}

export function rememberFile(
  state: StateStore,
  orgId: string,
  id: string,
  record: Omit<FileRecord, "v">,
): Promise<void> {
  return state.put(fileKey(orgId, id), { v: RECORD_VERSION, ...record });
}

export function forgetFile(state: StateStore, orgId: string, id: string): Promise<boolean> {
  return state.delete(fileKey(orgId, id));
}

export async function readBatchRecord(
  state: StateStore,
  orgId: string,
  id: string,
): Promise<{ record: BatchRecord; revision: number } | null> {
  const stored = await state.getWithRevision(batchKey(orgId, id));
  if (stored === null) return null;
  const record = lenient(batchRecordSchema, stored.value);
  return record === null ? null : { record, revision: stored.revision };
}

export function rememberBatch(
  state: StateStore,
  orgId: string,
  id: string,
  record: Omit<BatchRecord, "v">,
): Promise<void> {
  return state.put(batchKey(orgId, id), { ...record, v: RECORD_VERSION });
}

function lenient<T>(schema: v.GenericSchema<unknown, T>, value: unknown): T | null {
  const parsed = v.safeParse(schema, value);
  return parsed.success ? parsed.output : null;
}
