// Re-seals every stored secret (provider credentials, webhook signing secrets) under the current
// MODELUX_SECRET_KEY, opening each with the previous key: the middle step of a key rotation while
// the fleet serves (docs/operations.md). Operator work across every org, not a tenant operation.
// A row is swapped only if it still holds what was read (compare and set), so a credential
// rotated through the API meanwhile is never overwritten; a row already under the new key is left
// alone, so a second run changes nothing. The providers table's NOTIFY trigger then makes the
// control plane publish a snapshot carrying the new ciphertexts.
import { and, eq } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type { Database } from "../db/client.ts";
import { providers, webhooks } from "../db/schema/index.ts";

export interface ReencryptReport {
  /** Per `table.column`: secrets found, re-sealed now, already under the current key. */
  columns: Record<string, { found: number; resealed: number; current: number }>;
}

const ATTEMPTS = 3;

async function reseal(
  db: Database,
  box: SecretBox,
  table: PgTable & { id: PgColumn },
  column: PgColumn,
  label: string,
  report: ReencryptReport,
) {
  const counts = { found: 0, resealed: 0, current: 0 };
  report.columns[label] = counts;
  const rows = (await db.select({ id: table.id, sealed: column }).from(table as PgTable)) as Array<{
    id: string;
    sealed: string | null;
  }>;
  for (const row of rows) {
    let sealed = row.sealed;
    if (sealed === null) continue;
    counts.found++;
    for (let attempt = 1; ; attempt++) {
      if (sealed === null || box.opensWithCurrentKey(sealed)) {
        counts.current++;
        break;
      }
      // Throws, naming nothing secret, when neither key opens it.
      const plain = box.decrypt(sealed);
      const swapped = await db
        .update(table)
        .set({ [column.name]: box.encrypt(plain) })
        .where(and(eq(table.id, row.id), eq(column, sealed)))
        .returning({ id: table.id });
      if (swapped.length === 1) {
        counts.resealed++;
        break;
      }
      if (attempt >= ATTEMPTS) throw new Error(`${label} of ${row.id} kept changing; run again`);
      // Written meanwhile (a rotation through the API): look again.
      const [again] = (await db
        .select({ sealed: column })
        .from(table as PgTable)
        .where(eq(table.id, row.id))) as Array<{ sealed: string | null }>;
      sealed = again?.sealed ?? null;
    }
  }
}

export async function reencryptSecrets(db: Database, box: SecretBox): Promise<ReencryptReport> {
  const report: ReencryptReport = { columns: {} };
  await reseal(db, box, providers, providers.credential_ciphertext, "providers.credential", report);
  await reseal(
    db,
    box,
    webhooks,
    webhooks.signing_secret_ciphertext,
    "webhooks.signing_secret",
    report,
  );
  await reseal(
    db,
    box,
    webhooks,
    webhooks.previous_secret_ciphertext,
    "webhooks.previous_secret",
    report,
  );
  return report;
}
