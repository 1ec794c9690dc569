// `Idempotency-Key` on POST: the first request with a key runs and its response is stored; a
// retry with the same key and the same request gets that response again, a different request
// with the key is refused (409). Scoped to the management key; kept 24 h.
import { and, eq, lt } from "drizzle-orm";
import { canonicalJson, sha256Hex } from "#shared/snapshot/canonical-json.ts";
import type { Database } from "../db/client.ts";
import { idempotencyKeys } from "../db/schema/index.ts";
import { conflict, invalidField } from "./errors.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type IdempotencyStart =
  | { kind: "started" }
  | { kind: "replay"; status: number; response: unknown };

export function requestHash(method: string, path: string, body: unknown): string {
  return sha256Hex(`${method} ${path}\n${canonicalJson(body ?? null)}`);
}

export async function beginIdempotent(
  db: Database,
  keyId: string,
  idempotencyKey: string,
  hash: string,
  now: Date = new Date(),
): Promise<IdempotencyStart> {
  if (idempotencyKey.length === 0 || idempotencyKey.length > 255) {
    throw invalidField("headers.idempotency-key", "must be 1 to 255 characters");
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await db
      .insert(idempotencyKeys)
      .values({ management_key_id: keyId, key: idempotencyKey, request_hash: hash })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length > 0) return { kind: "started" };
    const [existing] = await db
      .select()
      .from(idempotencyKeys)
      .where(matches(keyId, idempotencyKey));
    if (!existing) continue; // removed in between: try to claim it again
    if (existing.created_at.getTime() < now.getTime() - IDEMPOTENCY_TTL_MS) {
      await db.delete(idempotencyKeys).where(matches(keyId, idempotencyKey));
      continue;
    }
    if (existing.request_hash !== hash) {
      throw conflict("this Idempotency-Key was used with a different request");
    }
    if (existing.status_code === null) {
      throw conflict("a request with this Idempotency-Key is still being processed");
    }
    return { kind: "replay", status: existing.status_code, response: existing.response };
  }
  throw conflict("this Idempotency-Key is being claimed by another request");
}

/** Stores the answer; a server error instead frees the key so the retry runs for real. */
export async function finishIdempotent(
  db: Database,
  keyId: string,
  idempotencyKey: string,
  status: number,
  response: unknown,
): Promise<void> {
  if (status >= 500) {
    await db.delete(idempotencyKeys).where(matches(keyId, idempotencyKey));
    return;
  }
  await db
    .update(idempotencyKeys)
    .set({ status_code: status, response })
    .where(matches(keyId, idempotencyKey));
}

export async function deleteExpiredIdempotencyKeys(db: Database, now: Date = new Date()) {
  await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.created_at, new Date(now.getTime() - IDEMPOTENCY_TTL_MS)));
}

const matches = (keyId: string, idempotencyKey: string) =>
  and(eq(idempotencyKeys.management_key_id, keyId), eq(idempotencyKeys.key, idempotencyKey));
