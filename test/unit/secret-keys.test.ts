// The one key helper (controlplane/api/secret-keys.ts) proxy and management keys share: made with
// their kind's prefix, stored as SHA-256 and a display prefix, read from a bearer header, and
// given a status from revocation and expiry.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  bearerToken,
  isKeyOfKind,
  issueSecretKey,
  keyStatus,
  SECRET_KEY_PREFIX,
} from "../../controlplane/api/secret-keys.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("secret keys", () => {
  test("each kind is issued with its prefix and stored as its hash and display prefix only", () => {
    for (const kind of ["proxy", "management"] as const) {
      const { key, stored } = issueSecretKey(kind);
      expect(key.startsWith(SECRET_KEY_PREFIX[kind])).toBe(true);
      expect(key.length).toBeGreaterThan(30);
      expect(stored).toEqual({ key_hash: sha256(key), key_prefix: key.slice(0, 11) });
      expect(isKeyOfKind(key, kind)).toBe(true);
      expect(isKeyOfKind(key, kind === "proxy" ? "management" : "proxy")).toBe(false);
      expect(issueSecretKey(kind).key).not.toBe(key);
    }
  });

  test("a wanted key (pinned or remembered) is kept as given", () => {
    const wanted = "mlx_sk_pinnedpinnedpinned";
    expect(issueSecretKey("proxy", wanted)).toEqual({
      key: wanted,
      stored: { key_hash: sha256(wanted), key_prefix: "mlx_sk_pinn" },
    });
  });

  test("the bearer token is read from the header, or null", () => {
    expect(bearerToken("Bearer mlx_mk_abc")).toBe("mlx_mk_abc");
    expect(bearerToken("bearer   mlx_mk_abc  ")).toBe("mlx_mk_abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });

  test("status: revoked before expired before active", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    const past = new Date("2025-12-31T00:00:00Z");
    const future = new Date("2026-01-02T00:00:00Z");
    expect(keyStatus({ revoked_at: past, expires_at: past }, now)).toBe("revoked");
    expect(keyStatus({ revoked_at: null, expires_at: now }, now)).toBe("expired");
    expect(keyStatus({ revoked_at: null, expires_at: future }, now)).toBe("active");
    expect(keyStatus({ revoked_at: null, expires_at: null }, now)).toBe("active");
  });
});
