// X-Modelux-Warnings: codes `<type>:<subject>`, each once, header-safe whatever a client named.
import { describe, expect, test } from "bun:test";
import { dropped } from "#shared/canonical/warnings.ts";
import { warningsHeader } from "../../dataplane/surfaces/response-headers.ts";

describe("warningsHeader", () => {
  test("nothing dropped: no header", () => {
    expect(warningsHeader([])).toBeUndefined();
  });

  test("codes in order, each once", () => {
    const warnings = [dropped("n", "anthropic"), dropped("seed", "anthropic"), dropped("n", "x")];
    expect(warningsHeader(warnings)).toBe("unsupported-field:n, unsupported-field:seed");
  });

  test("a client's names cannot break the header or add codes", () => {
    const header = warningsHeader([
      {
        type: "lossy-conversion",
        subject: "tools.a, b\r\nx-evil: 1.parameters",
        message: "schema changed",
      },
    ]);
    expect(header).toBe("lossy-conversion:tools.a__b__x-evil:_1.parameters");
    expect(() => new Headers({ "x-modelux-warnings": header ?? "" })).not.toThrow();
  });

  test("bounded: at most 32 codes of at most 96 characters", () => {
    const many = Array.from({ length: 100 }, (_, i) => dropped(`${i}${"f".repeat(200)}`, "x"));
    const codes = warningsHeader(many)?.split(", ") ?? [];
    expect(codes.length).toBe(32);
    for (const code of codes) expect(code.length).toBeLessThanOrEqual(96);
  });
});
