// The seal a signature wears on its way to a client and back: Claude's bare, every other
// family's `mlx:v1:<origin>:<value>`, each value recovered byte for byte.
import { describe, expect, test } from "bun:test";
import { SIGNATURE_ORIGINS } from "#shared/canonical/content.ts";
import { openSignature, sealSignature } from "../../dataplane/wire/signature-envelope.ts";

// A real Claude signature and a real Gemini one (test/fixtures/provider-recordings).
const CLAUDE = "Er4BCkYICxgCKkCoxqLHLrx4mFL9Ox7/aHKht87WDzXfvZ7qbZKSnHV8imA5b3LX+/==";
const GEMINI = "EtoFCtcFAb4+9vtfe4MXRxQjw48U1WKrR/7lYsgFkVi/bepqsSPjY0VU7HEzkeCBIfy1fu5t9aUZ4";

describe("signature envelope", () => {
  test("Claude's signature goes out bare and reads back as Claude's", () => {
    expect(sealSignature(CLAUDE, "claude")).toBe(CLAUDE);
    expect(openSignature(CLAUDE)).toEqual({ value: CLAUDE, origin: "claude" });
  });

  test("every other origin is sealed, and opens to the same bytes and origin", () => {
    for (const origin of SIGNATURE_ORIGINS.filter((known) => known !== "claude")) {
      const sealed = sealSignature(GEMINI, origin);
      expect(sealed).toBe(`mlx:v1:${origin}:${GEMINI}`);
      expect(openSignature(sealed)).toEqual({ value: GEMINI, origin });
    }
  });

  test("a value holding colons comes back whole", () => {
    const value = "a:b::c:";
    expect(openSignature(sealSignature(value, "openai"))).toEqual({ value, origin: "openai" });
  });

  test("an unknown origin, another version or a malformed seal has no origin: sent nowhere", () => {
    expect(openSignature(sealSignature("x", undefined)).origin).toBeUndefined();
    expect(openSignature("mlx:v1:mistral:abc").origin).toBeUndefined();
    expect(openSignature("mlx:v2:gemini:abc").origin).toBeUndefined();
    expect(openSignature("mlx:v1:gemini").origin).toBeUndefined();
  });
});
