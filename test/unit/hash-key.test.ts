// Keys are stored and looked up by their SHA-256 in hex (DESIGN §13): the hash must stay the
// standard one, so keys stored by any earlier version (and by the control plane) still match.
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { hashKey } from "#shared/ids/ids.ts";

test("hashKey is the hex SHA-256 of the key", () => {
  expect(hashKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  for (const key of ["mlx_sk_benchbenchbenchbenchbench01", "", "ключ-🔑"])
    expect(hashKey(key)).toBe(createHash("sha256").update(key).digest("hex"));
});
