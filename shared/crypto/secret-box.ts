// AES-256-GCM for provider credentials and webhook secrets: encrypted at rest in Postgres and in
// the snapshot, decrypted only in a data plane's memory (DESIGN §8, §13).
// Format: `v1.<iv base64url>.<ciphertext||tag base64url>`.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  readonly #key: Buffer;
  /** Keys that still open older ciphertexts during a rotation (MODELUX_SECRET_KEY_PREVIOUS). */
  readonly #previous: Buffer[];

  /** Seals under `key`; opens under `key`, then each of `previous` (a rotation in progress). */
  constructor(key: Uint8Array, previous: readonly Uint8Array[] = []) {
    for (const each of [key, ...previous])
      if (each.length !== 32) throw new Error("SecretBox needs a 32-byte key");
    this.#key = Buffer.from(key);
    this.#previous = previous.map((each) => Buffer.from(each));
  }

  /** Whether `sealed` opens under the current key alone (a rotation has reached it). */
  opensWithCurrentKey(sealed: string): boolean {
    try {
      open(this.#key, sealed);
      return true;
    } catch {
      return false;
    }
  }

  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv);
    const body = Buffer.concat([
      cipher.update(plaintext, "utf8"),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${VERSION}.${iv.toString("base64url")}.${body.toString("base64url")}`;
  }

  /**
   * HMAC-SHA256 (hex) of `text` under a key derived from this box's key for `purpose`: the same
   * on every node of a deployment, and not recomputable by whoever holds only the output (a
   * warehouse row, an export) without MODELUX_SECRET_KEY. The box's own key never signs directly.
   */
  keyedHash(purpose: string, text: string): string {
    let derived = this.#derived.get(purpose);
    if (!derived) {
      derived = createHmac("sha256", this.#key).update(`modelux:${purpose}`).digest();
      this.#derived.set(purpose, derived);
    }
    return createHmac("sha256", derived).update(text, "utf8").digest("hex");
  }

  readonly #derived = new Map<string, Buffer>();

  /** Throws `SecretBoxError` on a wrong key or tampered text; never returns garbage. */
  decrypt(sealed: string): string {
    try {
      return open(this.#key, sealed);
    } catch (error) {
      if (!(error instanceof WrongKeyError)) throw error;
    }
    for (const key of this.#previous) {
      try {
        return open(key, sealed);
      } catch (error) {
        if (!(error instanceof WrongKeyError)) throw error;
      }
    }
    throw new SecretBoxError("ciphertext does not open with this key (wrong MODELUX_SECRET_KEY?)");
  }
}

class WrongKeyError extends Error {}

function open(key: Buffer, sealed: string): string {
  const [version, ivText, bodyText] = sealed.split(".");
  if (version !== VERSION || !ivText || !bodyText) {
    throw new SecretBoxError("unrecognised ciphertext format");
  }
  const iv = Buffer.from(ivText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw new SecretBoxError("truncated ciphertext");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(body.subarray(0, body.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return plain.toString("utf8");
  } catch {
    throw new WrongKeyError();
  }
}

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

/** Last four characters, for people to recognise a credential without seeing it. */
export function credentialHint(secret: string): string {
  return secret.length <= 8 ? "…" : `…${secret.slice(-4)}`;
}
