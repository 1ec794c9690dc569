// What the gateway tells an admin about one of its own outbound calls (a credential check, a
// webhook delivery): a category, never the remote's body, headers or the runtime's error text, so
// the answer cannot be used to read or map what the gateway can reach.
import { EgressRefusedError } from "./policy.ts";

/** "HTTP 4xx": the class of a status. */
export function httpCategory(status: number): string {
  return `HTTP ${Math.floor(status / 100)}xx`;
}

/** "refused by egress policy" or "unreachable" for a call that got no HTTP answer. */
export function failureCategory(error: unknown, timeoutMs: number): string {
  if (error instanceof EgressRefusedError) return error.message;
  if (error instanceof Error && error.name === "TimeoutError")
    return `unreachable (no answer within ${timeoutMs} ms)`;
  return "unreachable";
}
