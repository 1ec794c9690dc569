// Sealing and opening snapshot envelopes: version, schema version, sha256 over canonical JSON.
import * as v from "valibot";
import { type SnapshotEnvelope, snapshotEnvelopeSchema } from "../bus/envelopes.ts";
import {
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotBody,
  snapshotBodyReadSchema,
  snapshotBodyWriteSchema,
} from "./body.ts";
import { canonicalJson, sha256Hex } from "./canonical-json.ts";

export function snapshotHash(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}

/** Strict: a control plane never publishes a body its own schema rejects. */
export function sealSnapshot(
  version: number,
  body: SnapshotBody,
  createdAt = new Date(),
): SnapshotEnvelope {
  const checked = v.parse(snapshotBodyWriteSchema, body);
  return {
    schema_version: SNAPSHOT_SCHEMA_VERSION,
    version,
    sha256: snapshotHash(checked),
    created_at: createdAt.toISOString(),
    body: checked,
  };
}

export type OpenedSnapshot =
  | { ok: true; version: number; sha256: string; createdAt: string; body: SnapshotBody }
  | { ok: false; reason: string };

/** Lenient reader: rejects a bad hash, a newer schema or a body it cannot serve from. */
export function openSnapshot(raw: unknown): OpenedSnapshot {
  const envelope = v.safeParse(snapshotEnvelopeSchema, raw);
  if (!envelope.success) {
    return { ok: false, reason: `malformed envelope: ${v.summarize(envelope.issues)}` };
  }
  const { schema_version, version, sha256, created_at, body } = envelope.output;
  if (schema_version > SNAPSHOT_SCHEMA_VERSION) {
    return {
      ok: false,
      reason: `snapshot ${version} has schema_version ${schema_version}; this node reads up to ${SNAPSHOT_SCHEMA_VERSION}`,
    };
  }
  // The hash covers the body as written, unknown fields included.
  const actual = snapshotHash(body);
  if (actual !== sha256) {
    return {
      ok: false,
      reason: `snapshot ${version} sha256 mismatch (says ${sha256}, is ${actual})`,
    };
  }
  const parsed = v.safeParse(snapshotBodyReadSchema, body);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `snapshot ${version} body unreadable: ${v.summarize(parsed.issues)}`,
    };
  }
  return { ok: true, version, sha256, createdAt: created_at, body: parsed.output };
}
