// What the gateway keeps of a response it served (`store` not false), in the bus's state store:
// the Response object as the client got it, who made it, and (apart, in `response-inputs`) the
// request's own input items with ids. Versioned; written strictly, read leniently, so an older
// data plane reads what a newer one wrote (test/unit/responses-stored.test.ts reads each version).
import * as v from "valibot";

export const STORED_VERSION = 1;

const storedSignature = v.looseObject({ signature: v.string(), origin: v.optional(v.string()) });

const storedResponseSchema = v.looseObject({
  version: v.number(),
  /** The Response object as sent (its final state; a background one as first answered). */
  response: v.looseObject({ id: v.string(), output: v.optional(v.array(v.unknown()), []) }),
  /** The provider that answered (one of the org's, by id). */
  provider: v.looseObject({ id: v.string(), name: v.string(), vendor: v.string() }),
  /** Whether that provider's upstream keeps the response too (a passthrough with store on). */
  upstream_stored: v.optional(v.boolean(), false),
  /** Run by the upstream in the background: its state there is the truth. */
  background: v.optional(v.boolean(), false),
  previous_response_id: v.optional(v.nullable(v.string()), null),
  /** Signatures the output items have no field for, by item id (output-items.ts). */
  hidden: v.optional(v.record(v.string(), storedSignature), {}),
  /**
   * A background response's cost, known only when it ends: the budgets to charge (spend keys),
   * the upstream model it is priced as, and whether it has been charged.
   */
  billing: v.optional(
    v.looseObject({
      spend_keys: v.array(v.string()),
      model: v.string(),
      charged: v.boolean(),
    }),
  ),
});

const storedInputsSchema = v.looseObject({
  version: v.number(),
  items: v.array(v.looseObject({ id: v.optional(v.string()), type: v.optional(v.string()) })),
});

export type StoredResponse = v.InferOutput<typeof storedResponseSchema>;
export type StoredInputs = v.InferOutput<typeof storedInputsSchema>;

/** A stored value as this version reads it, or null when it is not one (then: not found). */
export function readStoredResponse(value: unknown): StoredResponse | null {
  const parsed = v.safeParse(storedResponseSchema, value);
  return parsed.success ? parsed.output : null;
}

export function readStoredInputs(value: unknown): StoredInputs | null {
  const parsed = v.safeParse(storedInputsSchema, value);
  return parsed.success ? parsed.output : null;
}

/** The record a data plane writes now. */
export function storedResponse(fields: Omit<StoredResponse, "version">): StoredResponse {
  return { ...fields, version: STORED_VERSION } as StoredResponse;
}

/**
 * The record's JSON around a Response object's JSON kept as the upstream sent it (a passthrough
 * stream's): the same record as `storedResponse`, without parsing and serializing the response
 * again. `responseJson` must be the JSON of an object (a JSON.parse of it succeeded).
 */
export function storedResponseJson(
  fields: Omit<StoredResponse, "version" | "response">,
  responseJson: string,
): string {
  const head = JSON.stringify({ version: STORED_VERSION, ...fields });
  return `${head.slice(0, -1)},"response":${responseJson}}`;
}

export function storedInputs(items: StoredInputs["items"]): StoredInputs {
  return { version: STORED_VERSION, items };
}
