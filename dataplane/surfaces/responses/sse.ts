// One Responses stream event on the wire: `event: <type>` and its JSON with the stream's
// sequence_number, as OpenAI writes them (the OpenAI SDK raises `event: error` as an APIError).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { openAiErrorBody } from "../../wire/openai/error-body.ts";

export function sseEvent(type: string, sequence: number, fields: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence, ...fields })}\n\n`;
}

/** The error event's fields: OpenAI's code, message and param for a gateway error. */
export function errorFields(error: GatewayError): {
  code: string;
  message: string;
  param: string | null;
} {
  const body = JSON.parse(openAiErrorBody(error)) as {
    error: { code?: unknown; message: string; param?: string | null; type: string };
  };
  const code = body.error.code;
  return {
    code: typeof code === "string" ? code : body.error.type,
    message: body.error.message,
    param: body.error.param ?? null,
  };
}

export const streamEnded = () =>
  new GatewayError("upstream_error", "the upstream stream ended unexpectedly");
