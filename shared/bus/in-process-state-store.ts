// The state store of the in-process bus (embedded mode): a map with the fleet's semantics (values
// travel as JSON, expire after their namespace's retention or their own ttl) and a memory cap,
// beyond which the least recently written values go first.
import { BusUnavailableError } from "./bus.ts";
import {
  checkEncodedStateValue,
  checkStateKey,
  DEFAULT_STATE_RETENTION,
  encodeStateValue,
  keptForMs,
  MAX_REVISIONED_VALUE_BYTES,
  MAX_STATE_VALUE_BYTES,
  type Revisioned,
  type StateChange,
  type StateKey,
  type StateNamespace,
  type StatePutOptions,
  type StateRetention,
  type StateStore,
  StateValueTooLargeError,
  type StateWatch,
} from "./state-store.ts";

/** What the store may hold at once, in UTF-8 bytes of stored JSON, unless told otherwise. */
export const DEFAULT_IN_PROCESS_STATE_BYTES = 256 * 1024 * 1024;
// Expired values are dropped when read; this sweep frees those nobody reads again.
const SWEEP_EVERY_MS = 60_000;

export interface InProcessStateOptions {
  /** Per namespace; the defaults (DEFAULT_STATE_RETENTION) fill what is not given. */
  retention?: Partial<StateRetention>;
  /** Milliseconds; Date.now unless a test drives it. */
  now?: () => number;
  /** The memory cap (DEFAULT_IN_PROCESS_STATE_BYTES). */
  maxBytes?: number;
}

interface Stored {
  key: StateKey;
  json: string;
  bytes: number;
  expiresAt: number;
  revision: number;
}

export class InProcessStateStore implements StateStore {
  // Map order is write order: the first entry is the least recently written.
  readonly #entries = new Map<string, Stored>();
  readonly #retention: StateRetention;
  readonly #now: () => number;
  readonly #maxBytes: number;
  #bytes = 0;
  #revision = 0;
  #lastSweep: number;
  #closed = false;
  readonly #watchers = new Set<{
    namespace: StateNamespace;
    onChange: (change: StateChange) => void;
  }>();

  constructor(options: InProcessStateOptions = {}) {
    this.#retention = { ...DEFAULT_STATE_RETENTION, ...options.retention };
    this.#now = options.now ?? Date.now;
    this.#maxBytes = options.maxBytes ?? DEFAULT_IN_PROCESS_STATE_BYTES;
    this.#lastSweep = this.#now();
  }

  /** UTF-8 bytes of JSON held now (expired values not yet swept included). */
  get bytes(): number {
    return this.#bytes;
  }

  async put(key: StateKey, value: unknown, options?: StatePutOptions): Promise<void> {
    this.#put(key, encodeStateValue(key, value), options);
  }

  async putJson(key: StateKey, json: string, options?: StatePutOptions): Promise<void> {
    this.#put(key, checkEncodedStateValue(key, json), options);
  }

  #put(key: StateKey, json: string, options: StatePutOptions | undefined): void {
    this.#open();
    const keptMs = keptForMs(this.#retention, key, options);
    const bytes = Buffer.byteLength(json);
    const limit = Math.min(MAX_STATE_VALUE_BYTES, this.#maxBytes);
    if (bytes > limit) throw new StateValueTooLargeError(bytes, limit);
    this.#store(key, json, bytes, keptMs);
  }

  async getWithRevision<T = unknown>(key: StateKey): Promise<Revisioned<T> | null> {
    this.#open();
    checkStateKey(key);
    const entry = this.#live(mapKeyOf(key));
    return entry === null ? null : { value: JSON.parse(entry.json) as T, revision: entry.revision };
  }

  async putIfRevision(
    key: StateKey,
    value: unknown,
    revision: number | null,
    options?: StatePutOptions,
  ): Promise<boolean> {
    this.#open();
    const json = encodeStateValue(key, value);
    const keptMs = keptForMs(this.#retention, key, options);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_REVISIONED_VALUE_BYTES)
      throw new StateValueTooLargeError(bytes, MAX_REVISIONED_VALUE_BYTES);
    const current = this.#live(mapKeyOf(key));
    if ((current?.revision ?? null) !== revision) return false;
    this.#store(key, json, bytes, keptMs);
    return true;
  }

  #store(key: StateKey, json: string, bytes: number, keptMs: number): void {
    const now = this.#now();
    const mapKey = mapKeyOf(key);
    this.#remove(mapKey);
    this.#revision += 1;
    const stored = { key, json, bytes, expiresAt: now + keptMs, revision: this.#revision };
    this.#entries.set(mapKey, stored);
    this.#bytes += bytes;
    this.#notify(key, stored);
    if (now - this.#lastSweep >= SWEEP_EVERY_MS) this.#sweepExpired(now);
    if (this.#bytes > this.#maxBytes) this.#makeRoom();
  }

  async get<T = unknown>(key: StateKey): Promise<T | null> {
    this.#open();
    checkStateKey(key);
    const entry = this.#live(mapKeyOf(key));
    return entry === null ? null : (JSON.parse(entry.json) as T);
  }

  async getJson(key: StateKey): Promise<string | null> {
    this.#open();
    checkStateKey(key);
    return this.#live(mapKeyOf(key))?.json ?? null;
  }

  async delete(key: StateKey): Promise<boolean> {
    this.#open();
    checkStateKey(key);
    const mapKey = mapKeyOf(key);
    if (this.#live(mapKey) === null) return false;
    this.#remove(mapKey);
    this.#notify(key, null);
    return true;
  }

  async watch(
    namespace: StateNamespace,
    onChange: (change: StateChange) => void,
  ): Promise<StateWatch> {
    this.#open();
    const watcher = { namespace, onChange };
    const now = this.#now();
    for (const entry of [...this.#entries.values()])
      if (entry.key.namespace === namespace && entry.expiresAt > now)
        deliver(onChange, changeOf(entry.key, entry));
    this.#watchers.add(watcher);
    return {
      stop: async () => {
        this.#watchers.delete(watcher);
      },
    };
  }

  /** Each watcher gets its own copy of the value, as from the bus (values travel as JSON). */
  #notify(key: StateKey, stored: Stored | null): void {
    for (const watcher of this.#watchers)
      if (watcher.namespace === key.namespace) deliver(watcher.onChange, changeOf(key, stored));
  }

  close(): void {
    this.#closed = true;
    this.#watchers.clear();
    this.#entries.clear();
    this.#bytes = 0;
  }

  #open(): void {
    if (this.#closed) throw new BusUnavailableError("the in-process bus is closed");
  }

  /** The entry unless it expired (then it is dropped). */
  #live(mapKey: string): Stored | null {
    const entry = this.#entries.get(mapKey);
    if (entry === undefined) return null;
    if (this.#now() < entry.expiresAt) return entry;
    this.#remove(mapKey);
    return null;
  }

  #remove(mapKey: string): void {
    const entry = this.#entries.get(mapKey);
    if (entry === undefined) return;
    this.#entries.delete(mapKey);
    this.#bytes -= entry.bytes;
  }

  #sweepExpired(now: number): void {
    this.#lastSweep = now;
    for (const [mapKey, entry] of this.#entries) if (entry.expiresAt <= now) this.#remove(mapKey);
  }

  /**
   * Over the cap: the least recently written go first. Expired values are swept at most once a
   * minute (#store), not here: a store at its cap is written on every put, and a sweep visits
   * every value (170,000 stored responses in 256 MiB: milliseconds of CPU a put).
   */
  #makeRoom(): void {
    for (const mapKey of this.#entries.keys()) {
      if (this.#bytes <= this.#maxBytes) return;
      this.#remove(mapKey);
    }
  }
}

function changeOf(key: StateKey, stored: Stored | null): StateChange {
  return {
    orgId: key.orgId,
    id: key.id,
    value: stored === null ? null : JSON.parse(stored.json),
    expiresAt: stored?.expiresAt ?? 0,
  };
}

/** A watcher that throws must not break the put that notified it. */
function deliver(onChange: (change: StateChange) => void, change: StateChange): void {
  try {
    onChange(change);
  } catch (error) {
    console.warn(`state watch: a watcher failed: ${(error as Error).message}`);
  }
}

/** Unambiguous whatever the strings hold: no org's id can spell another org's key. */
function mapKeyOf(key: StateKey): string {
  return JSON.stringify([key.namespace, key.orgId, key.id]);
}
