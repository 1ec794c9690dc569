// The items a request stands on besides its own input: the turns its `previous_response_id`
// chain stored (each turn's input, then its output), and items it names by a gateway id
// (`item_reference`, a reasoning item sent back without its encrypted content), read from the
// store so they can go to any vendor. Each item knows which provider's upstream holds it, if any.

import * as v from "valibot";
import { SIGNATURE_ORIGINS, type SignatureOrigin } from "#shared/canonical/content.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import { isGatewayId, responseIdOfItem } from "./ids.ts";
import type { LocatedItem } from "./input-items.ts";
import { invalid } from "./parse-request.ts";
import { isGatewayReasoning } from "./reasoning-envelope.ts";
import { type InputItem, itemSchemaFor } from "./request-schema.ts";
import type { ResponseStore, StoredEntry } from "./response-store.ts";
import { isRecord } from "./usage.ts";

export type RawItem = Record<string, unknown>;

export interface ConversationItem {
  item: RawItem;
  /** How warnings name it: `input[3]`, `resp_….output[1]`. */
  path: string;
  /**
   * The provider (id) whose upstream holds this item, so its ids and encrypted content are good
   * there; null for items the gateway made or translated; "client" for the client's own items.
   */
  maker: string | null;
  /** A function call's signature that its item has no field for (stored, never shown). */
  signature?: { signature: string; origin?: SignatureOrigin };
}

/** A chain's turns as items, oldest first: each turn's input items, then its output. */
export function chainItems(links: readonly StoredEntry[]): ConversationItem[] {
  const items: ConversationItem[] = [];
  for (const link of links) {
    const maker = link.record.upstream_stored ? link.record.provider.id : null;
    link.inputs.forEach((item, index) => {
      items.push({ item, path: `${link.id}.input[${index}]`, maker });
    });
    link.record.response.output.forEach((item, index) => {
      if (!isRecord(item)) return;
      items.push({ ...withSignature(link, item), path: `${link.id}.output[${index}]`, maker });
    });
  }
  return items;
}

/**
 * The request's own input items, with the gateway's items it names by id read from the store.
 * An id the gateway made that this org does not hold is a 400 naming the item.
 */
export async function resolveInput(
  input: readonly RawItem[],
  store: ResponseStore,
): Promise<{ items: ConversationItem[]; changed: boolean }> {
  const entries = new Map<string, Promise<StoredEntry | null>>();
  const entry = (responseId: string) => {
    let found = entries.get(responseId);
    if (!found) {
      found = store.get(responseId);
      entries.set(responseId, found);
    }
    return found;
  };
  let changed = false;
  const items: ConversationItem[] = [];
  for (const [index, item] of input.entries()) {
    const path = `input[${index}]`;
    const id = typeof item.id === "string" ? item.id : null;
    const gatewayMade =
      (id !== null && isGatewayId(id)) ||
      (typeof item.encrypted_content === "string" && isGatewayReasoning(item.encrypted_content));
    const named = id !== null && isGatewayId(id) && needsStoredCopy(item);
    if (!named || id === null) {
      items.push({ item, path, maker: gatewayMade ? null : "client" });
      continue;
    }
    const responseId = responseIdOfItem(id) as string;
    const stored = await entry(responseId);
    const found = stored ? findItem(stored, id) : null;
    if (!found) {
      // Only a reference is nothing without what it points to.
      if (item.type === "item_reference") throw itemNotFound(path, id);
      items.push({ item, path, maker: null });
      continue;
    }
    changed = true;
    items.push({ ...found, path, maker: null });
  }
  return { items, changed };
}

/** Whether the client sent only a pointer: a reference, or reasoning without its content. */
function needsStoredCopy(item: RawItem): boolean {
  if (item.type === "item_reference") return true;
  if (item.type === "reasoning") return typeof item.encrypted_content !== "string";
  return item.type === "function_call";
}

function findItem(entry: StoredEntry, id: string): Omit<ConversationItem, "path" | "maker"> | null {
  for (const item of entry.record.response.output) {
    if (isRecord(item) && item.id === id) return withSignature(entry, item);
  }
  const input = entry.inputs.find((item) => item.id === id);
  return input ? { item: input } : null;
}

function withSignature(
  entry: StoredEntry,
  item: RawItem,
): Omit<ConversationItem, "path" | "maker"> {
  const hidden = typeof item.id === "string" ? entry.record.hidden[item.id] : undefined;
  if (!hidden) return { item };
  const origin = SIGNATURE_ORIGINS.find((known) => known === hidden.origin);
  return { item, signature: { signature: hidden.signature, ...(origin && { origin }) } };
}

function itemNotFound(path: string, id: string): GatewayError {
  return invalid(path, `item ${JSON.stringify(id.slice(0, 100))} not found`);
}

/**
 * Items as the translation reads them: each by its type's schema. A stored item that no longer
 * fits one (an upstream's newer shape) is kept by its type only, and dropped with a warning.
 */
export function locatedItems(items: readonly ConversationItem[]): LocatedItem[] {
  return items.map(({ item, path, signature }) => {
    const type = typeof item.type === "string" ? item.type : undefined;
    const parsed = v.safeParse(itemSchemaFor(type), item);
    const checked = parsed.success
      ? (parsed.output as InputItem)
      : ({ type: `${type ?? "message"} (unreadable)` } as InputItem);
    return signature ? { item: checked, path, signature } : { item: checked, path };
  });
}
