// What the control API accepts, declared once; strict, since tests and scripts write these.
import * as v from "valibot";
import type { FaultSpec } from "../common/faults.ts";
import type { ModelProfile } from "../common/profiles.ts";

const nonNegativeInteger = v.pipe(v.number(), v.integer(), v.minValue(0));

export const faultRequestSchema = v.pipe(
  v.strictObject({
    model: v.pipe(v.string(), v.minLength(1)),
    format: v.optional(v.string()),
    /** Calls to hit; null = until cleared; 1 when absent. */
    count: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))), 1),
    /** 4xx/5xx: an error in the vendor's shape (or `body`); 2xx: `body` as a scripted answer. */
    status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(200), v.maxValue(599))),
    body: v.optional(v.unknown()),
    /** The error arrives inside a 200 stream, where the format has error events; else as the status. */
    in_stream: v.optional(v.boolean()),
    stall_ms: v.optional(nonNegativeInteger),
    cut_after_chunks: v.optional(nonNegativeInteger),
  }),
  v.check(
    (fault) =>
      fault.status !== undefined ||
      fault.stall_ms !== undefined ||
      fault.cut_after_chunks !== undefined,
    "a fault needs status, stall_ms or cut_after_chunks",
  ),
  v.check(
    (fault) => fault.status === undefined || fault.status >= 400 || fault.body !== undefined,
    "a 2xx status needs the body to answer with",
  ),
  v.check(
    (fault) => fault.in_stream !== true || (fault.status !== undefined && fault.status >= 400),
    "in_stream needs an error status (400 or above)",
  ),
);

export type FaultRequest = v.InferOutput<typeof faultRequestSchema>;

/** One request may set several effects at once (a stall then a status); each counts on its own. */
export function faultSpecs(request: FaultRequest): FaultSpec[] {
  const base = { model: request.model, format: request.format, count: request.count };
  const specs: FaultSpec[] = [];
  if (request.stall_ms !== undefined)
    specs.push({ ...base, effect: { kind: "stall", stallMs: request.stall_ms } });
  if (request.status !== undefined) {
    const effect = { kind: "status" as const, status: request.status, body: request.body };
    specs.push({ ...base, effect: request.in_stream ? { ...effect, inStream: true } : effect });
  }
  if (request.cut_after_chunks !== undefined) {
    specs.push({ ...base, effect: { kind: "cut", cutAfterChunks: request.cut_after_chunks } });
  }
  return specs;
}

export const profilesRequestSchema = v.array(
  v.strictObject({
    name: v.pipe(v.string(), v.minLength(1)),
    models: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
    ttft_ms: v.optional(nonNegativeInteger, 0),
    /** Absent or null: no pacing (JSON has no Infinity). */
    tokens_per_second: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0.001)))),
    error_rate: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
    error_status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599))),
  }),
);

export function toModelProfiles(
  request: v.InferOutput<typeof profilesRequestSchema>,
): ModelProfile[] {
  return request.map((profile) => ({
    ...profile,
    tokens_per_second: profile.tokens_per_second ?? Number.POSITIVE_INFINITY,
  }));
}

/** `PUT /_sim/responses`: how many reads a background response spends queued, then in progress. */
export const responsesSettingsSchema = v.strictObject({
  background_polls: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
});
