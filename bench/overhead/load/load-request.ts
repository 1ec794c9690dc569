// One request as every load generator sends it: where to, which headers, which body.
export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The raw HTTP/1.1 bytes for our own generator (keep-alive, fixed length). */
export function encodeHttpRequest(request: LoadRequest): Uint8Array {
  const url = new URL(request.url);
  const body = Buffer.from(request.body);
  const lines = [
    `POST ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    "Content-Type: application/json",
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${body.length}`,
    "",
    "",
  ];
  return Buffer.concat([Buffer.from(lines.join("\r\n")), body]);
}
