// The X-Modelux-Provider-Key header as read (bare key or vendor=key pairs), the fingerprint the
// request log keeps, and the keyed hash (docs/provider-keys.md).
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import {
  enforceProviderKeyPolicy,
  keyFingerprint,
  parseProviderKeys,
  providerKeyPolicy,
  withOwnKey,
} from "../../dataplane/pipeline/provider-keys.ts";

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as GatewayError;
  }
  return null;
};

describe("parseProviderKeys", () => {
  test("absent is null; a single key is bare, even one holding = or ::", () => {
    expect(parseProviderKeys(null)).toBeNull();
    expect(parseProviderKeys("  sk-abc  ")).toEqual({ bare: "sk-abc", named: new Map() });
    expect(parseProviderKeys("c2VjcmV0==")?.bare).toBe("c2VjcmV0==");
    expect(parseProviderKeys("AKID::secret/+x::us-east-1")?.bare).toBe(
      "AKID::secret/+x::us-east-1",
    );
  });

  test("vendor=key pairs, comma-separated, spaces around them allowed", () => {
    const keys = parseProviderKeys("openai=sk-1, anthropic = sk-ant-2 ,bedrock=A::B::us-east-1");
    expect(keys?.bare).toBeNull();
    expect(Object.fromEntries(keys?.named ?? [])).toEqual({
      openai: "sk-1",
      anthropic: "sk-ant-2",
      bedrock: "A::B::us-east-1",
    });
  });

  test("refusals name the header and the pair, never the key", () => {
    for (const [value, says] of [
      ["", "is empty"],
      ["openai=sk-1,unknown=sk-2", "pair 2"],
      ["openai=sk-1,just-a-key", "pair 2"],
      ["openai=sk-1,openai=sk-2", "openai is named twice"],
      ["openai=", "openai key"],
      ["two words", "no spaces"],
    ] as const) {
      const error = refusal(() => parseProviderKeys(value));
      expect(error).toBeInstanceOf(GatewayError);
      expect(error?.status).toBe(400);
      expect(error?.message).toContain("X-Modelux-Provider-Key");
      expect(error?.message).toContain(says);
      expect(error?.message).not.toContain("sk-2");
    }
  });
});

describe("withOwnKey", () => {
  test("a resource's provider is asked with the caller's key for its vendor, else as stored", () => {
    const provider = { id: "prv_1", vendor: "openai", credential: "sk-stored" };
    expect(withOwnKey(provider, null)).toBe(provider);
    expect(withOwnKey(provider, parseProviderKeys("sk-own"))).toEqual({
      ...provider,
      credential: "sk-own",
    });
    expect(withOwnKey(provider, parseProviderKeys("openai=sk-own,anthropic=sk-ant"))).toEqual({
      ...provider,
      credential: "sk-own",
    });
    expect(withOwnKey(provider, parseProviderKeys("anthropic=sk-ant"))).toBe(provider);
    expect(provider.credential).toBe("sk-stored");
  });
});

describe("the project's policy", () => {
  test("allow unless the setting says require or forbid", () => {
    expect(providerKeyPolicy(undefined)).toBe("allow");
    expect(providerKeyPolicy({ provider_keys: "bogus" })).toBe("allow");
    expect(providerKeyPolicy({ provider_keys: "forbid" })).toBe("forbid");
    const keys = parseProviderKeys("sk-abc");
    expect(refusal(() => enforceProviderKeyPolicy("forbid", keys))?.status).toBe(400);
    expect(refusal(() => enforceProviderKeyPolicy("forbid", null))).toBeNull();
    expect(refusal(() => enforceProviderKeyPolicy("require", null))?.status).toBe(401);
    expect(refusal(() => enforceProviderKeyPolicy("require", keys))).toBeNull();
  });
});

describe("keyFingerprint", () => {
  test("first 8 and last 4 of a long key; less of a short one; an access key id of a composite", () => {
    expect(keyFingerprint("sk-proj-abcdefghijklmnopqrstuvwxyzTA0A")).toBe("sk-proj-…TA0A");
    expect(keyFingerprint("0123456789abcdef")).toBe("…cdef");
    expect(keyFingerprint("short")).toBe("…");
    expect(keyFingerprint("AKIAIOSFODNN7EXAMPLE::wJalrXUtnFEMI/K7MDENG::us-east-1")).toBe(
      "AKIAIOSF…MPLE",
    );
  });

  test("the keyed hash is stable per secret, differs across secrets, and is not the key's SHA-256", () => {
    const key = "sk-proj-abcdefghijklmnopqrstuvwxyzTA0A";
    const box = new SecretBox(new Uint8Array(32).fill(1));
    const hash = box.keyedHash("provider-key", key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new SecretBox(new Uint8Array(32).fill(1)).keyedHash("provider-key", key)).toBe(hash);
    expect(new SecretBox(new Uint8Array(32).fill(2)).keyedHash("provider-key", key)).not.toBe(hash);
    expect(box.keyedHash("another-purpose", key)).not.toBe(hash);
    expect(hash).not.toBe(createHash("sha256").update(key).digest("hex"));
  });
});
