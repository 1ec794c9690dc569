// The closed set of errors the gateway answers with, and their HTTP status. Surfaces render
// them in their own wire shape (dataplane/surfaces/*/errors.ts); handlers never build bodies.
import { BusUnavailableError } from "#shared/bus/bus.ts";

export const ERROR_STATUS = {
  invalid_request: 400,
  authentication: 401,
  budget_exceeded: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unprocessable: 422,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
  not_implemented: 501,
  upstream_error: 502,
  unavailable: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The budget a 402 names (DESIGN §7); clients (`BudgetExceededError`) read it from the body. */
export interface BudgetErrorInfo {
  name: string;
  spend_usd: number;
  cap_usd: number;
  period: string;
  period_resets_at: string;
}

export interface GatewayErrorDetails {
  param?: string;
  retryAfterSeconds?: number;
  upstreamKind?: string;
  budget?: BudgetErrorInfo;
  /** Response headers the error carries (`x-modelux-budget-*` on a 402). */
  headers?: Record<string, string>;
  /**
   * The code and type a surface's clients test for where they differ from the closed set's
   * (OpenAI's `code`: `previous_response_not_found`, or none; its `type`: a missing stored
   * response is an `invalid_request_error`); the status stays the closed set's.
   */
  surfaceCode?: string | null;
  surfaceType?: string;
}

export class GatewayError extends Error {
  override name = "GatewayError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: GatewayErrorDetails = {},
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * Anything thrown that is not a GatewayError becomes `internal`, without its message; the bus
 * being unreachable (its state store answering BusUnavailableError) becomes a 503 to retry.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof BusUnavailableError)
    return new GatewayError("unavailable", "the gateway's shared state is unreachable; retry", {
      retryAfterSeconds: 1,
    });
  return new GatewayError("internal", "internal error");
}
