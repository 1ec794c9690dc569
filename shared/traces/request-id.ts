// Request ids are UUIDv7 (RFC 9562): the first 48 bits are the Unix time in milliseconds, so
// the warehouse can go straight to the hour partition that holds a request.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** The time a UUIDv7 request id was made (epoch ms), or null when it is not a UUIDv7. */
export function requestIdTime(requestId: string): number | null {
  if (!UUID.test(requestId)) return null;
  const hex = requestId.slice(0, 8) + requestId.slice(9, 13);
  return Number.parseInt(hex, 16);
}
