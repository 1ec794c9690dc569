// What the data plane's HTTP app answers outside its handlers, always JSON in the caller's shape:
// unknown paths (404), wrong methods (405 with `Allow`), request heads over the limit (431), and
// anything Elysia itself refuses (an unreadable body) or that escaped a handler. A client's
// `X-Request-Id` is set up here to be echoed on whatever answer follows (client-request-id.ts).
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { allowedMethodsOf, type RouteEntry } from "#shared/http/allowed-methods.ts";
import { headersTooLarge, MAX_HEADER_BYTES } from "#shared/http/header-limit.ts";
import { echoClientRequestId } from "./client-request-id.ts";
import { errorResponse, errorShapeOf } from "./respond-error.ts";

export interface AppErrorHandlers {
  onRequest(context: {
    request: Request;
    set: { headers: Record<string, string | number> };
  }): Response | undefined;
  onError(context: { code: unknown; error: unknown; request: Request }): Response;
}

export function appErrorHandlers(routes: () => readonly RouteEntry[]): AppErrorHandlers {
  const allowedMethods = allowedMethodsOf(routes);
  return {
    onRequest({ request, set }) {
      if (headersTooLarge(request)) {
        const error = new GatewayError(
          "headers_too_large",
          `request headers larger than ${MAX_HEADER_BYTES / 1024} KiB`,
        );
        return respond(request, error);
      }
      const refused = echoClientRequestId(request, set);
      return refused && respond(request, refused);
    },
    onError({ code, error, request }) {
      const pathname = pathOf(request);
      if (code === "NOT_FOUND") {
        const allowed = allowedMethods(pathname);
        if (allowed.length === 0) {
          return respond(request, new GatewayError("not_found", `no route at ${pathname}`));
        }
        const refused = new GatewayError(
          "method_not_allowed",
          `${request.method} is not allowed at ${pathname} (allowed: ${allowed.join(", ")})`,
          { headers: { allow: allowed.join(", ") } },
        );
        return respond(request, refused);
      }
      if (code === "PARSE" || code === "VALIDATION") {
        return respond(request, new GatewayError("invalid_request", "the request is malformed"));
      }
      // A GatewayError keeps its code; anything else is a 500 without its message (logged).
      return respond(request, error);
    },
  };
}

function respond(request: Request, error: unknown): Response {
  return errorResponse(errorShapeOf(pathOf(request)), error, Bun.randomUUIDv7());
}

/** The path without a URL object (the request's url is absolute). */
function pathOf(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  return end === -1 ? url.slice(start) : url.slice(start, end);
}
