// What the control plane's HTTP app answers outside its handlers, always JSON in the Management
// API's error shape (health paths included): unknown paths (404), wrong methods (405 with
// `Allow`), request heads over the limit (431), and anything Elysia itself refuses or that
// escaped a handler (a 500 without its message).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { allowedMethodsOf, type RouteEntry } from "#shared/http/allowed-methods.ts";
import { headersTooLarge, MAX_HEADER_BYTES } from "#shared/http/header-limit.ts";
import { ManagementError, renderError } from "./errors.ts";

export interface AppErrorHandlers {
  onRequest(context: { request: Request }): Response | undefined;
  onError(context: { code: unknown; error: unknown; request: Request }): Response;
}

export function appErrorHandlers(routes: () => readonly RouteEntry[]): AppErrorHandlers {
  const allowedMethods = allowedMethodsOf(routes);
  return {
    onRequest({ request }) {
      if (!headersTooLarge(request)) return undefined;
      return respond(
        new ManagementError(
          "headers_too_large",
          `request headers larger than ${MAX_HEADER_BYTES / 1024} KiB`,
        ),
      );
    },
    onError({ code, error, request }) {
      const pathname = new URL(request.url).pathname;
      if (code === "NOT_FOUND") {
        const allowed = allowedMethods(pathname).filter((method) => method !== "ALL");
        if (allowed.length === 0) {
          return respond(
            new ManagementError("not_found", `no operation at ${request.method} ${pathname}`),
          );
        }
        return respond(
          new ManagementError(
            "method_not_allowed",
            `${request.method} is not allowed at ${pathname} (allowed: ${allowed.join(", ")})`,
          ),
          { allow: allowed.join(", ") },
        );
      }
      if (code === "PARSE" || code === "VALIDATION") {
        return respond(new ManagementError("invalid_request", "the request is malformed"));
      }
      if (!(error instanceof GatewayError)) console.error("control plane request failed:", error);
      return respond(error);
    },
  };
}

function respond(error: unknown, headers: Record<string, string> = {}): Response {
  const rendered = renderError(error);
  return Response.json(rendered.body, {
    status: rendered.status,
    headers: { ...rendered.headers, ...headers },
  });
}
