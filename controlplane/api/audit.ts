// Audit rows for every change made through the Management API or MCP: who (the management key),
// what (action, resource, before and after), when. Before/after are the public views of the
// resource, and anything named like a secret is dropped again here, whatever a caller passes.
import { newId } from "#shared/ids/ids.ts";
import type { Database } from "../db/client.ts";
import { auditLog } from "../db/schema/index.ts";
import type { AuditEntry, Caller } from "./operation.ts";

const SECRET_FIELD =
  /(^|_)(api_key|key|secret|signing_secret|credential|password|token)$|_hash$|_ciphertext$/;

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) {
    if (SECRET_FIELD.test(name) && typeof inner === "string") continue;
    out[name] = redactSecrets(inner);
  }
  return out;
}

export async function writeAudit(
  db: Database,
  caller: Caller,
  requestId: string,
  entry: AuditEntry,
): Promise<void> {
  await db.insert(auditLog).values({
    id: newId("auditEntry"),
    org_id: caller.org_id,
    actor_type: "management_key",
    actor_id: caller.key_id,
    action: entry.action,
    resource_type: entry.resource_type,
    resource_id: entry.resource_id,
    before: entry.before === undefined ? null : redactSecrets(entry.before),
    after: entry.after === undefined ? null : redactSecrets(entry.after),
    request_id: requestId,
  });
}
