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

/** The request head's size as sent (near enough): the request line and `name: value\r\n` each. */
export function headerBytes(request: Request): number {
  let bytes = request.method.length + request.url.length + 12;
  request.headers.forEach((value, name) => {
    bytes += name.length + value.length + 4;
  });
  return bytes;
}

export function headersTooLarge(request: Request): boolean {
  return headerBytes(request) > MAX_HEADER_BYTES;
}
