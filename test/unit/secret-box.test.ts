import { describe, expect, test } from "bun:test";
import { SecretBox, SecretBoxError } from "#shared/crypto/secret-box.ts";

const box = new SecretBox(new Uint8Array(32).fill(1));

describe("SecretBox (AES-256-GCM)", () => {
  test("round-trips and never repeats a ciphertext", () => {
    const first = box.encrypt("sk-live-123");
    const second = box.encrypt("sk-live-123");
    expect(first).not.toBe(second);
    expect(first).not.toContain("sk-live-123");
    expect(box.decrypt(first)).toBe("sk-live-123");
    expect(box.decrypt(second)).toBe("sk-live-123");
  });

  test("a different key cannot open it", () => {
    const other = new SecretBox(new Uint8Array(32).fill(2));
    expect(() => other.decrypt(box.encrypt("secret"))).toThrow(SecretBoxError);
  });

  test("tampering is detected, not decrypted to garbage", () => {
    const sealed = box.encrypt("secret");
    const [version, iv, body] = sealed.split(".");
    const bytes = Buffer.from(body ?? "", "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    expect(() => box.decrypt(`${version}.${iv}.${bytes.toString("base64url")}`)).toThrow(
      SecretBoxError,
    );
    expect(() => box.decrypt("v2.x.y")).toThrow(SecretBoxError);
  });

  test("refuses a key of the wrong size", () => {
    expect(() => new SecretBox(new Uint8Array(16))).toThrow();
  });
});
