// One watch on the snapshot key of the config bucket. It outlives what the client cannot: a watch
// the client ended is opened again, and a bucket the server lost and got back (a new stream whose
// revisions start again from 1) is read from its start instead of from the old revision.
import type { KV, KvWatchEntry } from "@nats-io/kv";
import type { QueuedIterator } from "@nats-io/transport-node";
import { deliverSafely, parseJsonLenient } from "./message-codec.ts";
import { SNAPSHOT_KEY } from "./subjects.ts";

const RESTART_DELAY_MS = 1000;

export class SnapshotWatch {
  #iterator: QueuedIterator<KvWatchEntry> | null = null;
  #active = true;
  #lastRevision = 0;
  /** When the bucket's stream was created: a different value means it was recreated. */
  #streamCreated = "";
  /** Bumped by restart(): a loop that sees it change reopens at once. */
  #generation = 0;
  #wake: (() => void) | null = null;

  constructor(
    private readonly bucket: () => KV,
    private readonly onSnapshot: (snapshot: unknown) => void,
  ) {}

  /** Starts right after the newest stored revision: only later writes are delivered. */
  async start(): Promise<void> {
    const status = await this.bucket().status();
    this.#streamCreated = status.streamInfo.created;
    this.#lastRevision = status.streamInfo.state.last_seq;
    this.#iterator = await this.#open();
    void this.#run();
  }

  /** Drops the current watch and opens it again now (after the bucket was restored). */
  restart(): void {
    this.#generation++;
    this.#iterator?.stop();
    this.#wake?.();
  }

  stop(): void {
    this.#active = false;
    this.#iterator?.stop();
    this.#wake?.();
  }

  async #open(): Promise<QueuedIterator<KvWatchEntry>> {
    const bucket = this.bucket();
    const { streamInfo } = await bucket.status();
    if (
      streamInfo.created !== this.#streamCreated ||
      streamInfo.state.last_seq < this.#lastRevision
    ) {
      // A new stream: everything in it was written after this watch began.
      this.#streamCreated = streamInfo.created;
      this.#lastRevision = 0;
    }
    // The ordered consumer underneath resumes from its cursor instead of replaying the history.
    return bucket.watch({ key: SNAPSHOT_KEY, resumeFromRevision: this.#lastRevision + 1 });
  }

  async #run(): Promise<void> {
    while (this.#active) {
      const generation = this.#generation;
      try {
        this.#iterator ??= await this.#open();
        if (!this.#active || generation !== this.#generation) this.#iterator.stop();
        for await (const entry of this.#iterator) {
          if (!this.#active) break;
          // A recreated consumer may hand back a revision already delivered.
          if (entry.revision <= this.#lastRevision) continue;
          this.#lastRevision = entry.revision;
          if (entry.operation !== "PUT") continue;
          const parsed = parseJsonLenient(entry.string(), "snapshot");
          if (parsed !== null) deliverSafely(this.onSnapshot, parsed, "snapshot watch");
        }
      } catch (error) {
        if (this.#active && generation === this.#generation)
          console.warn(`bus: snapshot watch interrupted: ${(error as Error).message}`);
      }
      this.#iterator = null;
      // The client ended the watch (for example after a long outage): open it again shortly,
      // or at once when a restart asked for it.
      if (this.#active && generation === this.#generation) await this.#pause();
    }
  }

  async #pause(): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = setTimeout(resolve, RESTART_DELAY_MS);
    this.#wake = resolve;
    await promise;
    clearTimeout(timer);
    this.#wake = null;
  }
}
