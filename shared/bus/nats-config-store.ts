// Config snapshots in the JetStream KV bucket `modelux_config`, key `snapshot`. Writes are
// compare-and-set on the key's revision, so two control planes racing cannot lower the version.
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, type KvEntry, Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import type { ConfigStore, Subscription } from "./bus.ts";
import { StaleSnapshotVersionError } from "./bus.ts";
import { type SnapshotEnvelope, snapshotEnvelopeSchema } from "./envelopes.ts";
import { decodeLenient, deliverSafely, encodeStrict, parseJsonLenient } from "./message-codec.ts";
import { CONFIG_BUCKET, SNAPSHOT_KEY } from "./subjects.ts";

// Enough past snapshots to see what changed recently; the warehouse keeps the full history.
const SNAPSHOT_HISTORY = 16;
// Each lost compare-and-set race means another writer stored something, so the loop ends; the
// cap only guards against a bug turning it into a spin.
const MAX_PUT_ATTEMPTS = 100;
const WATCH_RESTART_DELAY_MS = 1000;

export async function openNatsConfigStore(js: JetStreamClient): Promise<NatsConfigStore> {
  // Kvm.create opens the bucket when it exists and creates it otherwise.
  const kv = await new Kvm(js).create(CONFIG_BUCKET, {
    history: SNAPSHOT_HISTORY,
    storage: StorageType.File,
  });
  return new NatsConfigStore(kv);
}

export class NatsConfigStore implements ConfigStore {
  readonly #watches = new Set<() => void>();

  constructor(readonly kv: KV) {}

  async latest(): Promise<SnapshotEnvelope | null> {
    const entry = await this.#current();
    return entry === null
      ? null
      : decodeLenient(snapshotEnvelopeSchema, entry.string(), "stored snapshot");
  }

  async put(snapshot: SnapshotEnvelope): Promise<void> {
    const json = encodeStrict(snapshotEnvelopeSchema, snapshot, "snapshot envelope");
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
        if (entry === null) await this.kv.create(SNAPSHOT_KEY, json);
        else await this.kv.update(SNAPSHOT_KEY, json, entry.revision);
        return;
      } catch (error) {
        if (!isLostRace(error) || attempt >= MAX_PUT_ATTEMPTS) throw error;
      }
    }
  }

  async watch(onSnapshot: (snapshot: unknown) => void): Promise<Subscription> {
    // Start right after the newest stored revision: only later writes are delivered, and the
    // ordered consumer underneath resumes from its cursor instead of replaying the history.
    const status = await this.kv.status();
    let lastRevision = status.streamInfo.state.last_seq;
    const open = () => this.kv.watch({ key: SNAPSHOT_KEY, resumeFromRevision: lastRevision + 1 });
    let iterator: QueuedIterator<KvWatchEntry> | null = await open();
    let active = true;
    const stop = () => {
      active = false;
      iterator?.stop();
    };
    this.#watches.add(stop);

    void (async () => {
      while (active) {
        try {
          iterator ??= await open();
          if (!active) iterator.stop();
          for await (const entry of iterator) {
            if (!active) break;
            // A recreated consumer may hand back a revision already delivered.
            if (entry.revision <= lastRevision) continue;
            lastRevision = entry.revision;
            if (entry.operation !== "PUT") continue;
            const parsed = parseJsonLenient(entry.string(), "snapshot");
            if (parsed !== null) deliverSafely(onSnapshot, parsed, "snapshot watch");
          }
        } catch (error) {
          if (active) console.warn(`bus: snapshot watch interrupted: ${(error as Error).message}`);
        }
        iterator = null;
        // The client ended the watch (for example after a long outage): open it again.
        if (active) await Bun.sleep(WATCH_RESTART_DELAY_MS);
      }
    })();

    return {
      unsubscribe: async () => {
        this.#watches.delete(stop);
        stop();
      },
    };
  }

  close(): void {
    for (const stop of this.#watches) stop();
    this.#watches.clear();
  }

  /** The live entry, or null when the key was never written or was deleted. */
  async #current(): Promise<KvEntry | null> {
    const entry = await this.kv.get(SNAPSHOT_KEY);
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
