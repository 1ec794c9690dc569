// The bus's shared, org-scoped state store (DESIGN §8, §12a): what a data plane keeps that every
// data plane must read (stored Responses and their input items, the owner of a file or batch,
// response-cache entries). JetStream KV (and its object store for large values) in a fleet, a
// bounded map in process; both pass test/support/state-store-contract.ts.

/** Where a value lives. Every value belongs to one org; no call can reach another org's value. */
export interface StateKey {
  orgId: string;
  namespace: StateNamespace;
  /** Any string, client-chosen ids included: the store encodes or hashes it. */
  id: string;
}

export const STATE_NAMESPACES = [
  "responses",
  "response-inputs",
  "files",
  "batches",
  "cache",
] as const;
export type StateNamespace = (typeof STATE_NAMESPACES)[number];

export interface StatePutOptions {
  /**
   * Kept at most this long (a cache entry's ttl). The namespace's retention bounds it: a longer
   * ttl is cut to the retention.
   */
  ttlMs?: number;
}

export interface StateStore {
  /**
   * Stores a JSON value (not null); resolves once every data plane can read it. Replaces an
   * existing one. Rejects with BusUnavailableError when the bus cannot take it now (NATS
   * unreachable, no acknowledgement in time), with StateValueTooLargeError above
   * MAX_STATE_VALUE_BYTES, and with a TypeError for a value JSON cannot carry or a key without an
   * orgId.
   */
  put(key: StateKey, value: unknown, options?: StatePutOptions): Promise<void>;
  /**
   * `put` of a value already encoded (an upstream's JSON kept as it came, without parsing and
   * serializing it again): `json` is stored as it is and `getJson` gives it back byte for byte.
   * It must be the JSON text of an object or an array; the store checks only its first and last
   * characters (a TypeError otherwise), the caller vouches for the rest (it was read from a
   * JSON.parse that succeeded, or made by JSON.stringify). Resolves, rejects and counts bytes as
   * `put` does.
   */
  putJson(key: StateKey, json: string, options?: StatePutOptions): Promise<void>;
  /**
   * The value, or null when absent, expired or deleted. Never another org's value. Rejects with
   * BusUnavailableError when the bus cannot answer now.
   */
  get<T = unknown>(key: StateKey): Promise<T | null>;
  /**
   * The value's JSON text, or null, like `get`: a `putJson` value byte for byte, a `put` value
   * as JSON.stringify wrote it.
   */
  getJson(key: StateKey): Promise<string | null>;
  /** true when something was deleted (false when it was absent or expired). */
  delete(key: StateKey): Promise<boolean>;
  /**
   * The value with its revision (a number that changes with every write of the key), or null,
   * like `get`. For a read-modify-write with `putIfRevision`.
   */
  getWithRevision<T = unknown>(key: StateKey): Promise<Revisioned<T> | null>;
  /**
   * Compare-and-set: stores the value only if the key is still at `revision` (null: only if it
   * is absent or expired). true when stored; false when another writer changed the key since
   * (nothing is written then: read again and decide again). Values must fit one bus message
   * (MAX_REVISIONED_VALUE_BYTES); rejects as `put` does otherwise.
   */
  putIfRevision(
    key: StateKey,
    value: unknown,
    revision: number | null,
    options?: StatePutOptions,
  ): Promise<boolean>;
  /**
   * Delivers every value of `namespace` (every org's: for a process serving the whole fleet, as a
   * data plane's response cache) still live when the call is made, then every put and delete
   * after it, in order. A deletion whose key the store hashed (ids not short enough to encode)
   * cannot be named and is not delivered; expiry is never delivered (readers compare expiresAt).
   * Rejects with BusUnavailableError when the bus cannot start the watch now.
   */
  watch(namespace: StateNamespace, onChange: (change: StateChange) => void): Promise<StateWatch>;
}

/** One value put into (or deleted from) a namespace, as a watch delivers it. */
export interface StateChange {
  orgId: string;
  id: string;
  /** The value put; null when it was deleted. */
  value: unknown;
  /** When the value stops being readable (ms since the epoch); 0 for a deletion. */
  expiresAt: number;
}

export interface StateWatch {
  /** Stops delivery; resolves once no change will be delivered again. */
  stop(): Promise<void>;
}

export interface Revisioned<T> {
  value: T;
  revision: number;
}

/**
 * The largest value a compare-and-set takes: one inline message on NATS's default max_payload
 * (1 MiB) with room for the envelope. Records kept this way (a batch's owner and settlement) are
 * a few hundred bytes.
 */
export const MAX_REVISIONED_VALUE_BYTES = 512 * 1024;

/** How long each namespace keeps a value after its last put, in milliseconds. */
export type StateRetention = Record<StateNamespace, number>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The defaults of the MODELUX_*_RETENTION settings (docs/configuration.md): stored responses as
 * long as OpenAI keeps them; a file's or batch's owner for a year (a vendor keeps a file until it
 * is deleted, and the record is a few bytes); a cache entry at most a week, whatever its config's
 * ttl.
 */
export const DEFAULT_STATE_RETENTION: StateRetention = {
  responses: 30 * DAY_MS,
  "response-inputs": 30 * DAY_MS,
  files: 365 * DAY_MS,
  batches: 365 * DAY_MS,
  cache: 7 * DAY_MS,
};

/**
 * The largest value either store takes (its JSON, in UTF-8 bytes): a stored response with
 * several base64 images fits, as does a whole request body at the data plane's default limit.
 */
export const MAX_STATE_VALUE_BYTES = 64 * 1024 * 1024;

export class StateValueTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`a state value of ${bytes} bytes is larger than the store takes (${limit})`);
    this.name = "StateValueTooLargeError";
  }
}

/** The value's JSON, or a TypeError for what the store cannot keep. */
export function encodeStateValue(key: StateKey, value: unknown): string {
  checkStateKey(key);
  // null is refused because get answers null for "absent": a stored null could not be told apart.
  if (value === null) throw new TypeError("a state value must not be null");
  const json = value === undefined ? undefined : JSON.stringify(value);
  if (json === undefined) throw new TypeError("a state value must be JSON (got undefined)");
  return json;
}

/**
 * `json` as `putJson` takes it: the text of an object or an array (its first and last characters
 * checked, around any whitespace), or a TypeError.
 */
export function checkEncodedStateValue(key: StateKey, json: string): string {
  checkStateKey(key);
  if (typeof json !== "string") throw new TypeError("an encoded state value must be a string");
  const text = json.trim();
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  const object = first === 0x7b && last === 0x7d;
  const array = first === 0x5b && last === 0x5d;
  if (!object && !array)
    throw new TypeError("an encoded state value must be the JSON of an object or an array");
  return json;
}

/** Refuses a key that would not name one org's value; any id is fine. */
export function checkStateKey(key: StateKey): void {
  if (typeof key.orgId !== "string" || key.orgId === "")
    throw new TypeError("a state key needs an orgId");
  if (typeof key.id !== "string") throw new TypeError("a state key needs a string id");
  if (!(STATE_NAMESPACES as readonly string[]).includes(key.namespace))
    throw new TypeError(`unknown state namespace ${JSON.stringify(key.namespace)}`);
}

/** How long a put keeps its value: the namespace's retention, or less when the put asks. */
export function keptForMs(
  retention: StateRetention,
  key: StateKey,
  options: StatePutOptions | undefined,
): number {
  const limit = retention[key.namespace];
  const ttl = options?.ttlMs;
  if (ttl === undefined) return limit;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new TypeError("ttlMs must be a positive number");
  return Math.min(ttl, limit);
}
