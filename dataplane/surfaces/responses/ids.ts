// Ids of what the gateway itself answers on the Responses surface. A response is `resp_mlx<hex>`;
// each of its items carries the same hex (`msg_mlx<hex>_3`, `rs_mlx<hex>_0`, `msg_mlx<hex>_in1`
// for an input item), so an item a client sends back by id (`item_reference`, a reasoning item
// without its encrypted content) leads to the stored response that holds it. Ids an upstream made
// (OpenAI's `resp_…`, `msg_…`) never hold the marker.

const MARKER = "_mlx";
const HEX = /^[0-9a-f]{32}$/;

/** A new response id (time-ordered, as the gateway's request ids). */
export function newResponseId(): string {
  return `resp${MARKER}${Bun.randomUUIDv7("hex").replaceAll("-", "")}`;
}

/** The id of item `key` (its position, or `in<n>` for an input item) of a gateway response. */
export function itemId(prefix: ItemPrefix, responseId: string, key: string | number): string {
  return `${prefix}${MARKER}${responseId.slice(`resp${MARKER}`.length)}_${key}`;
}

export type ItemPrefix = "msg" | "rs" | "fc" | "fco" | "item";

/** Whether the gateway made this id (a response or an item of one). */
export function isGatewayId(id: string): boolean {
  return id.includes(MARKER) && responseIdOfItem(id) !== null;
}

/** The response a gateway-made id belongs to (itself for a response id), or null. */
export function responseIdOfItem(id: string): string | null {
  const at = id.indexOf(MARKER);
  if (at <= 0) return null;
  const hex = id.slice(at + MARKER.length, at + MARKER.length + 32);
  if (!HEX.test(hex)) return null;
  const rest = id.slice(at + MARKER.length + 32);
  if (id.startsWith("resp_") ? rest !== "" : !rest.startsWith("_")) return null;
  return `resp${MARKER}${hex}`;
}
