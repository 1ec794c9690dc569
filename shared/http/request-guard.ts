// What every request of a plane passes before its route sees it: the body size limit, enforced
// while the body is read (a declared length is checked at once; a chunked body is counted as it
// arrives and stopped at the limit), the failed-authentication limit per client address, and a
// Host header that makes a URL. Each plane answers the refusals in its callers' error shape
// (`refuse`).
import type { Server } from "bun";
import type { RequestLimitSettings } from "../env/settings.ts";
import { isMetricsRequest } from "../telemetry/metrics-endpoint.ts";
import { addressKey, FailureLimiter } from "./failure-limiter.ts";

export type Refusal =
  | { kind: "body-too-large"; maxBytes: number }
  | { kind: "auth-failures"; retryAfterSeconds: number }
  | { kind: "bad-host" };

export interface RequestGuardOptions {
  maxBodyBytes: number;
  authFailures: FailureLimiter;
  /** Behind a proxy: the header naming the client (its last comma-separated entry). */
  clientAddressHeader?: string | undefined;
  /** The plane's error response for the request's path (OpenAI, Anthropic or Management shape). */
  refuse(request: Request, refusal: Refusal): Response;
  /**
   * Requests outside the failed-authentication limit: never refused by it, their 401s not
   * counted (a plane's /metrics, whose token is compared in constant time instead).
   */
  outsideAuthLimit?: (request: Request) => boolean;
  /**
   * Routes with a limit of their own instead of `maxBodyBytes` (the data plane's file uploads and
   * batch bodies, far larger than a prompt).
   */
  largerBodies?: { maxBytes: number; applies(request: Request): boolean };
}

/**
 * For Bun.serve's `maxRequestBodySize`: the guard enforces the body limit on every request, in
 * the caller's error shape. Bun's own cap would answer first, with an empty 413, to any declared length above it; it reads bodies
 * only on demand and closes a connection whose unread body follows a response, so it is set out
 * of the guard's way.
 */
export const UNLIMITED_BY_BUN = Number.MAX_SAFE_INTEGER;

type Fetch = (request: Request, server: Server<undefined>) => Response | Promise<Response>;

/** A stream cut at the limit fails with this; readers may turn it into their own 413. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
  constructor(readonly maxBytes: number) {
    super(`request body larger than ${maxBytes} bytes`);
  }
}

/**
 * Wraps a plane's fetch handler. A request with a declared length costs one header read; a
 * chunked one is handed on with a counting body, and if the route read past the limit its answer
 * is replaced by the 413. A 401 counts as one failure of the client's address.
 */
export function guardRequests(handle: Fetch, options: RequestGuardOptions): Fetch {
  const { maxBodyBytes, authFailures } = options;
  const exempt = options.outsideAuthLimit ?? (() => false);
  const addressOf = (request: Request, server: Server<undefined>) =>
    clientAddress(request, server, options.clientAddressHeader);
  const counted = (request: Request, server: Server<undefined>, address: string | null) => {
    const result = handle(request, server);
    const count = (response: Response) => {
      if (response.status === 401 && !exempt(request))
        authFailures.fail(address ?? addressOf(request, server));
      return response;
    };
    return result instanceof Promise ? result.then(count) : count(result);
  };

  return (request, server) => {
    // Bun keeps a request whose Host header makes no URL: "a^b" or an empty one leaves the URL
    // relative ("/openai/v1/…", which routers misread as "/v1/…"), "[::1" leaves it unparseable.
    // Routes, error handlers and the counted body below all need a URL: a 400 here (0.3 µs).
    if (!URL.canParse(request.url)) return options.refuse(request, { kind: "bad-host" });
    let address: string | null = null;
    if (authFailures.size > 0 && !exempt(request)) {
      address = addressOf(request, server);
      const retryAfterSeconds = authFailures.retryAfterSeconds(address);
      if (retryAfterSeconds > 0)
        return options.refuse(request, { kind: "auth-failures", retryAfterSeconds });
    }
    const limit = options.largerBodies?.applies(request)
      ? options.largerBodies.maxBytes
      : maxBodyBytes;
    const declared = request.headers.get("content-length");
    if (declared !== null) {
      if (Number(declared) > limit)
        return options.refuse(request, { kind: "body-too-large", maxBytes: limit });
      // Bun reads exactly the declared length, so the route reads within the limit.
      return counted(request, server, address);
    }
    if (request.headers.get("transfer-encoding") === null || request.body === null)
      return counted(request, server, address);

    // Chunked: the route reads through a counter that stops at the limit.
    address ??= addressOf(request, server);
    let exceeded = false;
    const limited = new Request(request, {
      body: countedBody(request.body, limit, () => {
        exceeded = true;
      }),
      duplex: "half",
    } as RequestInit);
    const refuseIfExceeded = (response: Response) =>
      exceeded ? options.refuse(request, { kind: "body-too-large", maxBytes: limit }) : response;
    const result = counted(limited, server, address);
    return result instanceof Promise ? result.then(refuseIfExceeded) : refuseIfExceeded(result);
  };
}

/** A plane's guard from its settings: a failure limiter sized by them and the wrapped fetch. */
export function guardFromSettings(
  handle: Fetch,
  limits: RequestLimitSettings,
  refuse: RequestGuardOptions["refuse"],
  now?: () => number,
  largerBodies?: RequestGuardOptions["largerBodies"],
): { fetch: Fetch; authFailures: FailureLimiter } {
  const authFailures = new FailureLimiter({
    burst: limits.MODELUX_AUTH_FAILURE_BURST,
    perMinute: limits.MODELUX_AUTH_FAILURES_PER_MINUTE,
    capacity: limits.MODELUX_AUTH_FAILURE_ADDRESSES,
    ...(now ? { now } : {}),
  });
  const fetch = guardRequests(handle, {
    maxBodyBytes: limits.MODELUX_MAX_BODY_BYTES,
    authFailures,
    clientAddressHeader: limits.MODELUX_CLIENT_ADDRESS_HEADER,
    refuse,
    outsideAuthLimit: isMetricsRequest,
    ...(largerBodies ? { largerBodies } : {}),
  });
  return { fetch, authFailures };
}

function countedBody(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  onExceeded: () => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      total += value.byteLength;
      if (total > maxBytes) {
        onExceeded();
        reader.cancel().catch(() => {});
        controller.error(new BodyTooLargeError(maxBytes));
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** The key the client is counted under: the proxy's header when configured, else the peer. */
function clientAddress(
  request: Request,
  server: Server<undefined>,
  header: string | undefined,
): string {
  if (header !== undefined) {
    const value = request.headers.get(header);
    const last = value?.slice(value.lastIndexOf(",") + 1).trim();
    if (last) return addressKey(last);
  }
  const peer = server.requestIP(request);
  return peer ? addressKey(peer.address) : "unknown";
}
