// The error shape of paths outside the client surfaces (health, readiness, unknown paths) and of
// the Management API: `{"error": {type, message, code}}`, `type` the closed set's code and `code`
// the HTTP status.
import type { GatewayError } from "./gateway-error.ts";

export interface GenericErrorBody {
  error: { type: string; message: string; code: number };
}

export function genericErrorBody(error: GatewayError): GenericErrorBody {
  return { error: { type: error.code, message: error.message, code: error.status } };
}
