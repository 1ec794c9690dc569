// The state store of the NATS bus: one JetStream KV bucket per namespace whose max_age is the
// namespace's retention, and beside it an object store for values larger than one message may be.
// Buckets are opened (created when missing, their max_age brought to the setting) on first use;
// one the server lost is created again by the next operation that finds it missing, or by
// restore() when the connection comes back. Every call is bounded: when NATS cannot answer in
// time it rejects with BusUnavailableError instead of waiting for a reconnect.
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm, KvWatchInclude } from "@nats-io/kv";
import { type ObjectStore, Objm, setSha256Backend } from "@nats-io/obj";
import { nanos, nuid } from "@nats-io/transport-node";
import { BusUnavailableError } from "./bus.ts";
import {
  inlineEnvelope,
  inlineValueJson,
  objectEnvelope,
  readAnyEnvelope,
  readEnvelope,
  type StoredState,
} from "./nats-state-envelope.ts";
import { decodeNatsStateKey, natsStateKey } from "./nats-state-key.ts";
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
import { STATE_BUCKET_PREFIX, stateBucket, stateObjectBucket } from "./subjects.ts";

// The object store checks a SHA-256 of every object; Bun's own is several times faster than the
// library's pure-JS default on values of megabytes.
setSha256Backend("native");

export interface NatsStateOptions {
  /** Per namespace; the defaults (DEFAULT_STATE_RETENTION) fill what is not given. */
  retention?: Partial<StateRetention>;
  /** Bucket names start with this (STATE_BUCKET_PREFIX); tests give their own. */
  bucketPrefix?: string;
  /** Longest one call waits for NATS before it rejects with BusUnavailableError. */
  timeoutMs?: number;
}

interface Connection {
  js: JetStreamClient;
  jsm: JetStreamManager;
  servers: string;
  /** Connected, and what the bus keeps on the server restored after a reconnect. */
  usable: () => boolean;
  /** The server's max_payload. */
  maxPayload: () => number;
  log: (message: string) => void;
}

const DEFAULT_TIMEOUT_MS = 5000;
// Room for the envelope's subject and headers in a message carrying an inline value.
const ENVELOPE_HEADROOM_BYTES = 8 * 1024;
const MAX_CHUNK_BYTES = 512 * 1024;
// Each lost compare-and-set race means another writer changed the key; the cap guards a spin.
const MAX_DELETE_ATTEMPTS = 10;
// JetStream's default duplicate window; a stream's window may not exceed its max_age.
const DUPLICATE_WINDOW_MS = 120_000;

export class NatsStateStore implements StateStore {
  readonly #retention: StateRetention;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #buckets = new Map<StateNamespace, Promise<KV>>();
  readonly #objects = new Map<StateNamespace, Promise<ObjectStore>>();

  constructor(
    private readonly connection: Connection,
    options: NatsStateOptions = {},
  ) {
    this.#retention = { ...DEFAULT_STATE_RETENTION, ...options.retention };
    this.#prefix = options.bucketPrefix ?? STATE_BUCKET_PREFIX;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async put(key: StateKey, value: unknown, options?: StatePutOptions): Promise<void> {
    await this.#put(key, encodeStateValue(key, value), options);
  }

  async putJson(key: StateKey, json: string, options?: StatePutOptions): Promise<void> {
    await this.#put(key, checkEncodedStateValue(key, json), options);
  }

  async #put(key: StateKey, json: string, options: StatePutOptions | undefined): Promise<void> {
    const expiresAt = Date.now() + keptForMs(this.#retention, key, options);
    const bytes = json.length * 3 > MAX_STATE_VALUE_BYTES ? Buffer.byteLength(json) : 0;
    if (bytes > MAX_STATE_VALUE_BYTES)
      throw new StateValueTooLargeError(bytes, MAX_STATE_VALUE_BYTES);
    const kvKey = natsStateKey(key);
    await this.#call("put", key.namespace, async () => {
      const bucket = await this.#bucket(key.namespace);
      const previous = await liveEntry(bucket, kvKey);
      const inline = inlineEnvelope(key, expiresAt, json);
      const limit = this.connection.maxPayload() - ENVELOPE_HEADROOM_BYTES;
      if (inline.length <= limit / 3 || Buffer.byteLength(inline) <= limit) {
        await bucket.put(kvKey, inline);
      } else {
        // The object first: a reader that sees the pointer finds the whole object behind it.
        const object = `${kvKey}.${nuid.next()}`;
        const objects = await this.#objectStore(key.namespace);
        await objects.putBlob(
          { name: object, options: { max_chunk_size: this.#chunkBytes() } },
          new TextEncoder().encode(json),
        );
        await bucket.put(kvKey, objectEnvelope(key, expiresAt, object)).catch(async (error) => {
          await objects.delete(object).catch(() => {});
          throw error;
        });
      }
      // The replaced value's object (if any) is no longer reachable.
      if (previous) await this.#dropObjectOf(key, previous);
    });
  }

  async get<T = unknown>(key: StateKey): Promise<T | null> {
    return this.#read(
      key,
      (stored) => stored.value as T,
      (blob) => parseObject(blob) as T | null,
    );
  }

  async getJson(key: StateKey): Promise<string | null> {
    return this.#read(
      key,
      (stored, envelope) => inlineValueJson(key, stored, envelope),
      // The object holds the value's JSON as it was put (checked to be JSON first).
      (blob) => (parseObject(blob) !== null ? new TextDecoder().decode(blob) : undefined),
    );
  }

  /**
   * A live value of `key`, read from its inline envelope or its object; undefined from `object`
   * reads the entry again. A put replacing a large value may drop its object between the two
   * reads: the entry is read again then, once.
   */
  #read<R>(
    key: StateKey,
    inline: (stored: Extract<StoredState, { kind: "inline" }>, envelope: string) => R,
    object: (blob: Uint8Array) => R | undefined,
  ): Promise<R | null> {
    checkStateKey(key);
    const kvKey = natsStateKey(key);
    return this.#call("get", key.namespace, async () => {
      const bucket = await this.#bucket(key.namespace);
      for (let attempt = 1; ; attempt++) {
        const entry = await liveEntry(bucket, kvKey);
        const envelope = entry ? entry.string() : null;
        const stored = envelope === null ? null : readEnvelope(key, envelope);
        if (envelope === null || stored === null || stored.expiresAt <= Date.now()) return null;
        if (stored.kind === "inline") return inline(stored, envelope);
        const blob = await (await this.#objectStore(key.namespace)).getBlob(stored.object);
        const value = blob === null ? undefined : object(blob);
        if (value !== undefined) return value;
        const now = await liveEntry(bucket, kvKey);
        if (attempt >= 2 || now?.revision === entry?.revision) return null;
      }
    });
  }

  async delete(key: StateKey): Promise<boolean> {
    checkStateKey(key);
    const kvKey = natsStateKey(key);
    return this.#call("delete", key.namespace, async () => {
      const bucket = await this.#bucket(key.namespace);
      for (let attempt = 1; ; attempt++) {
        const entry = await liveEntry(bucket, kvKey);
        if (entry === null) return false;
        const stored = readEnvelope(key, entry.string());
        try {
          // Only the revision read: a put landing in between is not deleted unseen.
          await bucket.delete(kvKey, { previousSeq: entry.revision });
        } catch (error) {
          if (isLostRace(error) && attempt < MAX_DELETE_ATTEMPTS) continue;
          throw error;
        }
        await this.#dropObjectOf(key, entry);
        return stored !== null && stored.expiresAt > Date.now();
      }
    });
  }

  async getWithRevision<T = unknown>(key: StateKey): Promise<Revisioned<T> | null> {
    checkStateKey(key);
    const kvKey = natsStateKey(key);
    return this.#call("get", key.namespace, async () => {
      const bucket = await this.#bucket(key.namespace);
      const entry = await liveEntry(bucket, kvKey);
      const stored = entry ? readEnvelope(key, entry.string()) : null;
      if (entry === null || stored === null || stored.expiresAt <= Date.now()) return null;
      if (stored.kind === "inline") return { value: stored.value as T, revision: entry.revision };
      // Written by `put` above one message: read through the object, same revision.
      const blob = await (await this.#objectStore(key.namespace)).getBlob(stored.object);
      return blob === null ? null : { value: parseObject(blob) as T, revision: entry.revision };
    });
  }

  async putIfRevision(
    key: StateKey,
    value: unknown,
    revision: number | null,
    options?: StatePutOptions,
  ): Promise<boolean> {
    const json = encodeStateValue(key, value);
    const expiresAt = Date.now() + keptForMs(this.#retention, key, options);
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_REVISIONED_VALUE_BYTES)
      throw new StateValueTooLargeError(bytes, MAX_REVISIONED_VALUE_BYTES);
    const kvKey = natsStateKey(key);
    return this.#call("compare-and-set", key.namespace, async () => {
      const bucket = await this.#bucket(key.namespace);
      const entry = await liveEntry(bucket, kvKey);
      const stored = entry ? readEnvelope(key, entry.string()) : null;
      const live = entry !== null && stored !== null && stored.expiresAt > Date.now();
      if ((live ? entry.revision : null) !== revision) return false;
      const inline = inlineEnvelope(key, expiresAt, json);
      try {
        // An expired or foreign entry still holds the key: replaced at the revision read.
        if (entry === null) await bucket.create(kvKey, inline);
        else await bucket.update(kvKey, inline, entry.revision);
      } catch (error) {
        // Another writer's create or update landed first (create fails the same way).
        if (isLostRace(error)) return false;
        throw error;
      }
      if (entry !== null) await this.#dropObjectOf(key, entry);
      return true;
    });
  }

  async watch(
    namespace: StateNamespace,
    onChange: (change: StateChange) => void,
  ): Promise<StateWatch> {
    const entries = await this.#call("watch", namespace, async () =>
      (await this.#bucket(namespace)).watch({ include: KvWatchInclude.LastValue }),
    );
    // In order: a value behind an object is fetched before the next change is delivered.
    const done = (async () => {
      for await (const entry of entries) {
        const change = await this.#changeOf(namespace, entry).catch(() => null);
        if (change === null) continue;
        try {
          onChange(change);
        } catch (error) {
          this.connection.log(`state watch: a watcher failed: ${(error as Error).message}`);
        }
      }
    })();
    return {
      stop: async () => {
        entries.stop();
        await done.catch(() => {});
      },
    };
  }

  async #changeOf(namespace: StateNamespace, entry: KvEntry): Promise<StateChange | null> {
    if (entry.operation !== "PUT") {
      const key = decodeNatsStateKey(entry.key);
      return key === null ? null : { ...key, value: null, expiresAt: 0 };
    }
    const stored = readAnyEnvelope(entry.string());
    if (stored === null || stored.expiresAt <= Date.now()) return null;
    const { orgId, id, expiresAt } = stored;
    if (stored.kind === "inline") return { orgId, id, value: stored.value, expiresAt };
    const blob = await (await this.#objectStore(namespace)).getBlob(stored.object);
    const value = blob === null ? null : parseObject(blob);
    return value === null ? null : { orgId, id, value, expiresAt };
  }

  /** Opens again every bucket in use, creating those the server lost (after a reconnect). */
  async restore(): Promise<void> {
    const namespaces = [...this.#buckets.keys()];
    const objectNamespaces = [...this.#objects.keys()];
    this.#buckets.clear();
    this.#objects.clear();
    await Promise.all([
      ...namespaces.map((namespace) => this.#bucket(namespace)),
      ...objectNamespaces.map((namespace) => this.#objectStore(namespace)),
    ]);
  }

  /**
   * Runs one call within the timeout; turns what NATS failed with into BusUnavailableError, and
   * a bucket found missing (a wiped store) into one more try after creating it again.
   */
  async #call<T>(what: string, namespace: StateNamespace, operation: () => Promise<T>): Promise<T> {
    const { servers, usable } = this.connection;
    if (!usable()) throw new BusUnavailableError(`NATS at ${servers} is not connected`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BusUnavailableError(
              `NATS at ${servers} did not answer a state ${what} within ${this.#timeoutMs} ms`,
            ),
          ),
        this.#timeoutMs,
      );
    });
    const attempt = async () => {
      try {
        return await operation();
      } catch (error) {
        if (!(await this.#lost(namespace))) throw error;
        await this.#reopen(namespace);
        return operation();
      }
    };
    try {
      return await Promise.race([attempt(), deadline]);
    } catch (error) {
      throw asUnavailable(error, servers, what);
    } finally {
      clearTimeout(timer);
    }
  }

  #bucket(namespace: StateNamespace): Promise<KV> {
    let opening = this.#buckets.get(namespace);
    if (opening === undefined) {
      const name = stateBucket(this.#prefix, namespace);
      opening = new Kvm(this.connection.js)
        .create(name, {
          history: 1,
          ttl: this.#retention[namespace],
          storage: StorageType.File,
          // Reads go to the stream's leader, so a value is readable everywhere once put resolves.
          allow_direct: false,
        })
        .then(async (bucket) => {
          await this.#keepMaxAge(`KV_${name}`, this.#retention[namespace]);
          return bucket;
        });
      this.#remember(this.#buckets, namespace, opening);
    }
    return opening;
  }

  #objectStore(namespace: StateNamespace): Promise<ObjectStore> {
    let opening = this.#objects.get(namespace);
    if (opening === undefined) {
      const name = stateObjectBucket(this.#prefix, namespace);
      opening = new Objm(this.connection.js)
        .create(name, { ttl: nanos(this.#retention[namespace]), storage: StorageType.File })
        .then(async (objects) => {
          await this.#keepMaxAge(`OBJ_${name}`, this.#retention[namespace]);
          return objects;
        });
      this.#remember(this.#objects, namespace, opening);
    }
    return opening;
  }

  /** Keeps an opening for later calls unless it fails, so the next call tries again. */
  #remember<T>(
    map: Map<StateNamespace, Promise<T>>,
    namespace: StateNamespace,
    opening: Promise<T>,
  ) {
    map.set(namespace, opening);
    opening.catch(() => {
      if (map.get(namespace) === opening) map.delete(namespace);
    });
  }

  /** A bucket made under another retention setting takes this one (the newest start wins). */
  async #keepMaxAge(stream: string, retentionMs: number): Promise<void> {
    const { jsm, log } = this.connection;
    const info = await jsm.streams.info(stream);
    const maxAge = nanos(retentionMs);
    if (info.config.max_age === maxAge) return;
    await jsm.streams.update(stream, {
      ...info.config,
      max_age: maxAge,
      duplicate_window: nanos(Math.min(retentionMs, DUPLICATE_WINDOW_MS)),
    });
    log(`state bucket ${stream}: retention set to ${retentionMs} ms`);
  }

  async #lost(namespace: StateNamespace): Promise<boolean> {
    const streams = [`KV_${stateBucket(this.#prefix, namespace)}`];
    if (this.#objects.has(namespace))
      streams.push(`OBJ_${stateObjectBucket(this.#prefix, namespace)}`);
    for (const stream of streams) {
      try {
        await this.connection.jsm.streams.info(stream);
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
          return true;
      }
    }
    return false;
  }

  async #reopen(namespace: StateNamespace): Promise<void> {
    const hadObjects = this.#objects.has(namespace);
    this.#buckets.delete(namespace);
    this.#objects.delete(namespace);
    await this.#bucket(namespace);
    if (hadObjects) await this.#objectStore(namespace);
  }

  async #dropObjectOf(key: StateKey, entry: KvEntry): Promise<void> {
    const stored = readEnvelope(key, entry.string());
    if (stored?.kind !== "object") return;
    // Best effort: an object left behind expires with the namespace's retention.
    await (await this.#objectStore(key.namespace)).delete(stored.object).catch(() => {});
  }

  #chunkBytes(): number {
    return Math.min(MAX_CHUNK_BYTES, Math.floor(this.connection.maxPayload() / 2));
  }
}

/** An object's JSON; null (with a warning) for bytes some other writer left there. */
function parseObject(blob: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(blob));
  } catch {
    console.warn(`bus: dropped a state object that is not JSON (${blob.length} bytes)`);
    return null;
  }
}

/** The live entry, or null when the key was never written, was deleted or purged. */
async function liveEntry(bucket: KV, kvKey: string): Promise<KvEntry | null> {
  const entry = await bucket.get(kvKey);
  return entry !== null && entry.operation === "PUT" ? entry : null;
}

function isLostRace(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

/** Our own refusals pass through; whatever NATS failed with means the store cannot answer now. */
function asUnavailable(error: unknown, servers: string, what: string): Error {
  if (
    error instanceof BusUnavailableError ||
    error instanceof StateValueTooLargeError ||
    error instanceof TypeError
  )
    return error;
  return new BusUnavailableError(
    `NATS at ${servers} could not ${what} state: ${(error as Error).message}`,
    { cause: error },
  );
}
