import { jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestampColumn, timestamps } from "./columns.ts";
import { orgs } from "./orgs.ts";

/** An org's provider credential (BYOK). The credential is AES-256-GCM ciphertext, never plain. */
export const providers = pgTable(
  "providers",
  {
    id: text("id").primaryKey(),
    org_id: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    vendor: text("vendor").notNull(),
    base_url: text("base_url"),
    /** `v1.<iv>.<ciphertext+tag>` in base64url, see shared/crypto. */
    credential_ciphertext: text("credential_ciphertext").notNull(),
    /** Last characters of the credential, for people to recognise it. */
    credential_hint: text("credential_hint").notNull(),
    /** Vendor options: api_version, deployments, region, … */
    options: jsonb("options").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status").notNull().default("active"),
    /** Last successful check of the credential against the upstream. */
    verified_at: timestampColumn("verified_at"),
    /** The outcome of the last check, successful or not (never the credential itself). */
    last_verification: jsonb("last_verification").$type<ProviderVerification>(),
    ...timestamps,
  },
  (table) => [uniqueIndex("providers_org_name_unique").on(table.org_id, table.name)],
);

export interface ProviderVerification {
  checked_at: string;
  ok: boolean;
  /** The check was skipped on request (`verify: false`); ok is then false. */
  skipped?: boolean;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export type ProviderRow = typeof providers.$inferSelect;
