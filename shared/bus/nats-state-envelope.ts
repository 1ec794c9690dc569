// The shape a state value is stored in on JetStream KV, version 1: the key it was stored under
// (checked on read, so a hashed key can never hand over another key's value), when it stops being
// readable, and the value itself or the name of the object-store object holding it. Written
// strictly, read leniently (fields a newer writer adds are ignored).
import * as v from "valibot";
import type { StateKey } from "./state-store.ts";

export const STATE_ENVELOPE_VERSION = 1;

const storedEnvelopeSchema = v.looseObject({
  v: v.pipe(v.number(), v.integer(), v.minValue(1)),
  org_id: v.string(),
  id: v.string(),
  /** Milliseconds since the epoch, by the writer's clock. */
  expires_at: v.number(),
  /** The value's JSON is under `value`, or in this object of the namespace's object store. */
  object: v.optional(v.string()),
});

export type StoredState =
  | { kind: "inline"; expiresAt: number; value: unknown }
  | { kind: "object"; expiresAt: number; object: string };

/** The envelope's JSON around an inline value's JSON (not parsed again). */
export function inlineEnvelope(key: StateKey, expiresAt: number, valueJson: string): string {
  return `${head(key, expiresAt)},"value":${valueJson}}`;
}

/** The envelope's JSON pointing at an object holding the value's JSON. */
export function objectEnvelope(key: StateKey, expiresAt: number, object: string): string {
  return `${head(key, expiresAt)},"object":${JSON.stringify(object)}}`;
}

function head(key: StateKey, expiresAt: number): string {
  return `{"v":${STATE_ENVELOPE_VERSION},"org_id":${JSON.stringify(key.orgId)},"id":${JSON.stringify(key.id)},"expires_at":${expiresAt}`;
}

/**
 * What a stored envelope holds for `key`; null when it is not one (a foreign write), belongs to
 * another key, or holds neither a value nor an object.
 */
export function readEnvelope(key: StateKey, json: string): StoredState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  const result = v.safeParse(storedEnvelopeSchema, parsed);
  if (!result.success) return null;
  const envelope = result.output;
  if (envelope.org_id !== key.orgId || envelope.id !== key.id) return null;
  if (envelope.object !== undefined)
    return { kind: "object", expiresAt: envelope.expires_at, object: envelope.object };
  if (!("value" in envelope)) return null;
  return { kind: "inline", expiresAt: envelope.expires_at, value: envelope.value };
}

/**
 * The JSON text of an inline value as it was put: cut out of the envelope when this writer's
 * layout holds it (the value last), else the parsed value written again.
 */
export function inlineValueJson(
  key: StateKey,
  stored: Extract<StoredState, { kind: "inline" }>,
  envelope: string,
): string {
  const start = `${head(key, stored.expiresAt)},"value":`;
  if (envelope.startsWith(start) && envelope.endsWith("}")) return envelope.slice(start.length, -1);
  return JSON.stringify(stored.value);
}

/** An envelope read without knowing its key (a watch): the key it names, or null. */
export function readAnyEnvelope(
  json: string,
): (StoredState & { orgId: string; id: string }) | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  const result = v.safeParse(storedEnvelopeSchema, parsed);
  if (!result.success) return null;
  const key = { orgId: result.output.org_id, id: result.output.id };
  const stored = readEnvelope({ ...key, namespace: "cache" }, json);
  return stored === null ? null : { ...stored, ...key };
}
