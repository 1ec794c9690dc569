// Config snapshots in the JetStream KV bucket `modelux_config`, key `snapshot`. Writes are
// compare-and-set on the key's revision, so two control planes racing cannot lower the version.
// A bucket the server lost (its store wiped) is created again by the next operation that finds
// it missing, or by restore() when the connection comes back.
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import type { ConfigStore, Subscription } from "./bus.ts";
import { StaleSnapshotVersionError } from "./bus.ts";
import { type SnapshotEnvelope, snapshotEnvelopeSchema } from "./envelopes.ts";
import { decodeLenient, encodeStrict, parseJsonLenient } from "./message-codec.ts";
import { SnapshotWatch } from "./nats-snapshot-watch.ts";
import { CONFIG_BUCKET, SNAPSHOT_KEY } from "./subjects.ts";

// Enough past snapshots to see what changed recently; the warehouse keeps the full history.
const SNAPSHOT_HISTORY = 16;
// Each lost compare-and-set race means another writer stored something, so the loop ends; the
// cap only guards against a bug turning it into a spin.
const MAX_PUT_ATTEMPTS = 100;
const BUCKET_STREAM = `KV_${CONFIG_BUCKET}`;

/** Opens the bucket when it exists and creates it otherwise. */
function openBucket(js: JetStreamClient): Promise<KV> {
  return new Kvm(js).create(CONFIG_BUCKET, {
    history: SNAPSHOT_HISTORY,
    storage: StorageType.File,
  });
}

export async function openNatsConfigStore(js: JetStreamClient): Promise<NatsConfigStore> {
  return new NatsConfigStore(js, await openBucket(js));
}

export class NatsConfigStore implements ConfigStore {
  readonly #watches = new Set<SnapshotWatch>();
  #kv: KV;
  #restoring: Promise<void> | null = null;

  constructor(
    private readonly js: JetStreamClient,
    kv: KV,
  ) {
    this.#kv = kv;
  }

  async latest(): Promise<SnapshotEnvelope | null> {
    return this.#withBucket(async () => {
      const entry = await this.#current();
      return entry === null
        ? null
        : decodeLenient(snapshotEnvelopeSchema, entry.string(), "stored snapshot");
    });
  }

  async put(snapshot: SnapshotEnvelope): Promise<void> {
    const json = encodeStrict(snapshotEnvelopeSchema, snapshot, "snapshot envelope");
    return this.#withBucket(async () => {
      for (let attempt = 1; ; attempt++) {
        const entry = await this.#current();
        if (entry !== null) {
          const storedVersion = storedVersionOf(entry);
          if (storedVersion >= snapshot.version) {
            throw new StaleSnapshotVersionError(storedVersion, snapshot.version);
          }
        }
        try {
          // update() fails when the key moved past the revision we read; create() when it appeared.
          if (entry === null) await this.#kv.create(SNAPSHOT_KEY, json);
          else await this.#kv.update(SNAPSHOT_KEY, json, entry.revision);
          return;
        } catch (error) {
          if (!isLostRace(error) || attempt >= MAX_PUT_ATTEMPTS) throw error;
        }
      }
    });
  }

  async watch(onSnapshot: (snapshot: unknown) => void): Promise<Subscription> {
    const watch = new SnapshotWatch(() => this.#kv, onSnapshot);
    await this.#withBucket(() => watch.start());
    this.#watches.add(watch);
    return {
      unsubscribe: async () => {
        this.#watches.delete(watch);
        watch.stop();
      },
    };
  }

  /**
   * Brings the bucket back when the server lost it (a wiped store) and reopens every watch on it.
   * Harmless when nothing was lost: the bucket is opened as it is.
   */
  restore(): Promise<void> {
    this.#restoring ??= (async () => {
      try {
        this.#kv = await openBucket(this.js);
        for (const watch of this.#watches) watch.restart();
      } finally {
        this.#restoring = null;
      }
    })();
    return this.#restoring;
  }

  close(): void {
    for (const watch of this.#watches) watch.stop();
    this.#watches.clear();
  }

  /** Runs an operation; when it failed because the bucket is gone, restores it and tries once more. */
  async #withBucket<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof StaleSnapshotVersionError || !(await this.#bucketMissing())) throw error;
      await this.restore();
      return operation();
    }
  }

  async #bucketMissing(): Promise<boolean> {
    try {
      const jsm = await this.js.jetstreamManager();
      await jsm.streams.info(BUCKET_STREAM);
      return false;
    } catch (error) {
      return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
    }
  }

  /** The live entry, or null when the key was never written or was deleted. */
  async #current(): Promise<KvEntry | null> {
    const entry = await this.#kv.get(SNAPSHOT_KEY);
    return entry !== null && entry.operation === "PUT" ? entry : null;
  }
}

/** The stored version, read without the full schema so a newer writer's shape still compares. */
function storedVersionOf(entry: KvEntry): number {
  const parsed = parseJsonLenient(entry.string(), "stored snapshot") as {
    version?: unknown;
  } | null;
  // An unreadable stored value must not block every future write.
  return typeof parsed?.version === "number" ? parsed.version : 0;
}

function isLostRace(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
