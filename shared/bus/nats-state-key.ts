// How a state key becomes a JetStream KV key. KV keys allow only [-/_=.a-zA-Z0-9] and ids come from
// clients, so each part is encoded: `b` + base64url of its UTF-8 when short and well formed, else
// `h` + base64url of the SHA-256 of its JSON. The two forms cannot meet, base64url has no `.`, so
// `<org>.<id>` names one (org, id) pair and no id can reach another org's key.
import { createHash } from "node:crypto";
import type { StateKey } from "./state-store.ts";

// 96 bytes encode to 128 characters; longer ids (none of ours) are hashed to 43.
const DIRECT_MAX_BYTES = 96;

export function natsStateKey(key: StateKey): string {
  return `${keyToken(key.orgId)}.${keyToken(key.id)}`;
}

function keyToken(value: string): string {
  // A lone surrogate has no UTF-8 form (it would read as U+FFFD): hash its JSON escape instead.
  if (value.isWellFormed()) {
    const bytes = Buffer.from(value, "utf8");
    if (bytes.length <= DIRECT_MAX_BYTES) return `b${bytes.toString("base64url")}`;
  }
  return `h${createHash("sha256").update(JSON.stringify(value)).digest("base64url")}`;
}

/**
 * The (org, id) a KV key was made from, or null when either part was hashed (then only the
 * envelope stored under it names them) or the key is not one of ours.
 */
export function decodeNatsStateKey(kvKey: string): { orgId: string; id: string } | null {
  const parts = kvKey.split(".");
  if (parts.length !== 2) return null;
  const [org, id] = parts as [string, string];
  if (!org.startsWith("b") || !id.startsWith("b")) return null;
  const decode = (token: string) => Buffer.from(token.slice(1), "base64url").toString("utf8");
  return { orgId: decode(org), id: decode(id) };
}
