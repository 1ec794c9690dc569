// The error shape of paths outside the client surfaces (health, readiness, unknown paths) and of
// the Management API: `{"error": {type, message, code, status}}`, `type` and `code` the closed
// set's code (a stable string, as modelux.ai documents) and `status` the HTTP status.
import type { GatewayError } from "./gateway-error.ts";

export interface GenericErrorBody {
  error: { type: string; message: string; code: string; status: number };
}

export function genericErrorBody(error: GatewayError): GenericErrorBody {
  return {
    error: { type: error.code, message: error.message, code: error.code, status: error.status },
  };
}
