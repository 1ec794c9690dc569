// What the data plane's own HTTP/1.1 client (upstream-client.ts) sends: the origin a URL names,
// and the request's bytes, head and body, as one string or buffer; with the trust store for TLS.
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { concat } from "../surfaces/sse-events.ts";

export interface ClientRequest {
  method?: string | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | Uint8Array | null | undefined;
  signal?: AbortSignal | null | undefined;
}

export interface Origin {
  key: string;
  hostname: string;
  port: number;
  tls: boolean;
  host: string;
}

// Set by the client itself, never copied from the caller's headers.
const OWN_HEADERS = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "accept-encoding",
]);
let extraCa: { ca?: string[] } | null = null;
/**
 * Mozilla's roots (Bun's default) plus NODE_EXTRA_CA_CERTS, as Bun's fetch trusts them; only
 * when that variable is set is the list given (a TLS connect then parses it).
 */
export function trustedCa(): { ca?: string[] } {
  if (extraCa !== null) return extraCa;
  const file = process.env.NODE_EXTRA_CA_CERTS;
  extraCa = file ? { ca: [...rootCertificates, readFileSync(file, "utf8")] } : {};
  return extraCa;
}

/** The origin and the bytes of a request; a TypeError for a URL the client cannot call. */
export function encodeRequest(
  url: string,
  init: ClientRequest,
): { origin: Origin; request: string | Uint8Array; method: string } | TypeError {
  const parsed = new URL(url);
  const tls = parsed.protocol === "https:";
  if (!tls && parsed.protocol !== "http:")
    return new TypeError(`unsupported protocol ${parsed.protocol}`);
  const port = parsed.port === "" ? (tls ? 443 : 80) : Number(parsed.port);
  const hostname = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const origin: Origin = {
    key: `${parsed.protocol}//${parsed.host}`,
    hostname,
    port,
    tls,
    host: parsed.host,
  };
  const body = init.body ?? null;
  const method = (init.method ?? "GET").toUpperCase();
  let head = `${method} ${parsed.pathname}${parsed.search} HTTP/1.1\r\nhost: ${origin.host}\r\n`;
  for (const name in init.headers) {
    const value = init.headers[name] as string;
    if (!OWN_HEADERS.has(name.toLowerCase())) head += `${name}: ${value}\r\n`;
  }
  head += "accept-encoding: identity\r\nconnection: keep-alive\r\n";
  const length =
    body === null ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (body !== null || method === "POST" || method === "PUT" || method === "PATCH")
    head += `content-length: ${length}\r\n`;
  head += "\r\n";
  // A string body goes out with its head as one string (encoded once, by the socket).
  const request =
    body === null ? head : typeof body === "string" ? head + body : concat(Buffer.from(head), body);
  return { origin, request, method };
}
