// The fetch every upstream attempt goes through: the data plane's own HTTP/1.1 client
// (upstream-client.ts) or Bun's fetch, under the process's egress policy when it is enforced.
// One policy and one client choice per process, set by its entry point from the settings: the
// attempt loop is reached from many request paths (and from the control plane's replay plane),
// none of which should have to carry them.
import { EgressPolicy } from "#shared/egress/policy.ts";
import { clientFetch } from "./upstream-client.ts";

let policy = EgressPolicy.off;

export type UpstreamClient = "sockets" | "fetch";
let client: UpstreamClient = "sockets";

/** Called once at start-up by `bun run dataplane`, `bun run controlplane` and tests. */
export function useUpstreamEgressPolicy(next: EgressPolicy): void {
  policy = next;
}

export function upstreamEgressPolicy(): EgressPolicy {
  return policy;
}

/** `MODELUX_UPSTREAM_CLIENT`: the sockets client (default) or Bun's fetch for every call. */
export function useUpstreamClient(next: UpstreamClient): void {
  client = next;
}

const PROXIED = ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"].some(
  (name) => (process.env[name] ?? "") !== "",
);

/**
 * What the sockets client takes: a streamed answer's call with a whole body, headers as a
 * record, http(s), no proxy. A plain answer goes through fetch: read whole, it costs the data
 * plane less there (docs/performance.md "The upstream client").
 */
function bySockets(url: string, init: RequestInit, streaming: boolean): boolean {
  if (!streaming || client !== "sockets" || PROXIED) return false;
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== "string") return false;
  const headers = init.headers;
  if (headers instanceof Headers || Array.isArray(headers)) return false;
  return url.startsWith("https://") || url.startsWith("http://");
}

function send(url: string, init: RequestInit | undefined, streaming: boolean): Promise<Response> {
  const request = init ?? {};
  if (!bySockets(url, request, streaming)) return fetch(url, request);
  return clientFetch(url, {
    method: request.method,
    headers: request.headers as Record<string, string> | undefined,
    body: request.body as string | null | undefined,
    signal: request.signal,
  });
}

/**
 * Throws EgressRefusedError for a destination the policy refuses; with the policy off, or a host
 * whose verdict is cached, it costs no DNS lookup.
 */
export function upstreamFetch(
  url: string,
  init: RequestInit,
  /** The answer is a stream (an attempt of a streamed request). */
  streaming = false,
): Promise<Response> {
  if (!policy.enforced) return send(url, init, streaming);
  return policy.fetch(url, init, (hop, hopInit) => send(hop, hopInit, streaming));
}
