// The differential test a hand-written check of a request body owes the schema it stands in for:
// on generated bodies, valid and not, whenever the hand check takes a body the schema takes it
// too and outputs the same thing, and the generator reaches both sides (many bodies taken by
// hand, many left to the schema).
import { expect } from "bun:test";
import * as v from "valibot";
import { mulberry32 } from "#shared/random/mulberry32.ts";

export function expectHandCheckAgreesWithSchema<T extends object>(options: {
  hand: (fields: Record<string, unknown>) => T | null;
  schema: v.GenericSchema;
  /** One generated body from the seeded draws. */
  body: (next: () => number) => Record<string, unknown>;
  seed: number;
  bodies?: number;
}): void {
  const next = mulberry32(options.seed);
  let taken = 0;
  let accepted = 0;
  for (let index = 0; index < (options.bodies ?? 20_000); index++) {
    const fields = options.body(next);
    const fast = options.hand(fields);
    const schema = v.safeParse(options.schema, fields, { abortEarly: true });
    if (schema.success) accepted++;
    if (fast === null) continue;
    taken++;
    expect(schema.success).toBe(true);
    expect(fast).toStrictEqual(schema.output as T);
  }
  expect(taken).toBeGreaterThan(2_000);
  expect(accepted - taken).toBeGreaterThan(1_000);
}
