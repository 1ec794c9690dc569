// Oversized request headers, answered in the caller's error shape. Bun refuses headers past its
// limit (16 KiB by default, `node:http`'s `maxHeaderSize`) itself, before any handler runs, with a
// bare 431 and no body. So the transport's limit is raised to a ceiling and the app refuses
// anything past MAX_HEADER_BYTES with a JSON 431. Past the ceiling Bun still answers alone; the
// ceiling bounds what one connection may make the server buffer.
import http from "node:http";

/** The largest request head (request line and headers) the planes accept. */
export const MAX_HEADER_BYTES = 32 * 1024;
/** What the transport buffers before refusing on its own (without a body). */
export const TRANSPORT_HEADER_CEILING = 1024 * 1024;

/** Process-wide: every Bun server of the process reads it. Idempotent. */
export function raiseTransportHeaderLimit(): void {
  const settings = http as { maxHeaderSize: number };
  if (settings.maxHeaderSize < TRANSPORT_HEADER_CEILING) {
    settings.maxHeaderSize = TRANSPORT_HEADER_CEILING;
  }
}

/**
 * Whether the request head (the request line and `name: value\r\n` each, near enough) is over
 * MAX_HEADER_BYTES. It reads every header (a few µs a request, the strings being made): stops
 * as soon as the limit is passed.
 */
export function headersTooLarge(request: Request): boolean {
  let bytes = request.method.length + request.url.length + 12;
  if (bytes > MAX_HEADER_BYTES) return true;
  for (const [name, value] of request.headers) {
    bytes += name.length + value.length + 4;
    if (bytes > MAX_HEADER_BYTES) return true;
  }
  return false;
}
