// Keeps the fleet's config snapshot equal to Postgres. Woken by NOTIFY from the config tables
// (any writer), by a slow poll as a safety net, at start and whenever the bus recovers from an
// outage (which may have wiped it). Each run compiles the body; a new hash becomes the next
// version in `snapshots` and is put to the bus's config store. A failed run is retried, backing
// off, until one succeeds.
import { desc, sql } from "drizzle-orm";
import type { Bus } from "#shared/bus/bus.ts";
import { BusUnavailableError, StaleSnapshotVersionError } from "#shared/bus/bus.ts";
import type { SnapshotEnvelope } from "#shared/bus/envelopes.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import { sealSnapshot, snapshotHash } from "#shared/snapshot/envelope.ts";
import { CONFIG_CHANGED_CHANNEL, type DatabaseHandle } from "../db/client.ts";
import { type SnapshotRow, snapshots } from "../db/schema/index.ts";
import { compileSnapshotBody } from "./compile-snapshot.ts";

/** Any constant works; it only has to be the same for every control plane of a fleet. */
const PUBLISH_LOCK_KEY = 0x6d6c7831;
const DEFAULT_RETRY_MS = 500;
const MAX_RETRY_MS = 5000;

export interface SnapshotPublisherOptions {
  database: DatabaseHandle;
  bus: Bus;
  pollMs: number;
  /** Coalesces a burst of writes (one transaction touching several tables) into one snapshot. */
  debounceMs?: number;
  /** First wait before a failed publish is tried again; doubles up to 5 s while it keeps failing. */
  retryMs?: number;
  log?: (message: string) => void;
}

export class SnapshotPublisher {
  #running: Promise<SnapshotEnvelope> | null = null;
  #again = false;
  #debounce: ReturnType<typeof setTimeout> | null = null;
  #poll: ReturnType<typeof setInterval> | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #stopped = false;
  #latest: SnapshotEnvelope | null = null;
  #failure: string | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #retryDelayMs: number;
  #stopFollowingBus: (() => void) | null = null;

  constructor(readonly options: SnapshotPublisherOptions) {
    this.#retryDelayMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  get latest(): SnapshotEnvelope | null {
    return this.#latest;
  }

  /** Why the fleet may lack the newest snapshot (the last run failed); null when it has it. */
  get failure(): string | null {
    return this.#failure;
  }

  async start(): Promise<SnapshotEnvelope> {
    this.#unlisten = await this.options.database.listen(CONFIG_CHANGED_CHANNEL, () =>
      this.schedule(),
    );
    this.#poll = setInterval(() => this.schedule(), this.options.pollMs);
    // A reconnect may follow a wiped store: put the newest snapshot back at once.
    this.#stopFollowingBus = this.options.bus.onRecovered(() => this.schedule());
    return this.publish();
  }

  /** Asks for a publish soon; many calls in a burst make one. */
  schedule(): void {
    if (this.#stopped || this.#debounce) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = null;
      this.publish().catch(() => {});
    }, this.options.debounceMs ?? 20);
  }

  /** Compiles and publishes now; concurrent calls share a run and one follow-up run. */
  async publish(): Promise<SnapshotEnvelope> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#publishOnce();
    try {
      const published = await this.#running;
      this.#succeeded();
      return published;
    } catch (error) {
      this.#failed(error as Error);
      throw error;
    } finally {
      this.#running = null;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.schedule();
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#debounce) clearTimeout(this.#debounce);
    if (this.#poll) clearInterval(this.#poll);
    if (this.#retry) clearTimeout(this.#retry);
    this.#stopFollowingBus?.();
    await this.#unlisten?.().catch(() => {});
    await this.#running?.catch(() => {});
  }

  async #publishOnce(): Promise<SnapshotEnvelope> {
    const { db } = this.options.database;
    const body = await compileSnapshotBody(db);
    const hash = snapshotHash(body);
    // The advisory lock makes concurrent control planes agree on version numbers.
    const envelope = await db.transaction(async (transaction) => {
      await transaction.execute(sql`select pg_advisory_xact_lock(${PUBLISH_LOCK_KEY})`);
      const [newest] = await transaction
        .select()
        .from(snapshots)
        .orderBy(desc(snapshots.version))
        .limit(1);
      if (newest && newest.sha256 === hash) return envelopeOf(newest);
      const sealed = sealSnapshot((newest?.version ?? 0) + 1, body);
      await transaction.insert(snapshots).values({
        version: sealed.version,
        schema_version: sealed.schema_version,
        sha256: sealed.sha256,
        body: sealed.body,
        created_at: new Date(sealed.created_at),
      });
      this.#log(`snapshot ${sealed.version} compiled (${sealed.sha256.slice(0, 12)})`);
      return sealed;
    });
    await this.#putIfNewer(envelope);
    this.#latest = envelope;
    return envelope;
  }

  #succeeded(): void {
    if (this.#failure !== null) this.#log("snapshot publishing recovered");
    this.#failure = null;
    this.#retryDelayMs = this.options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** Logs the first failure of a streak and tries again later, each time waiting longer. */
  #failed(error: Error): void {
    if (this.#failure === null)
      this.#log(`snapshot publish failed: ${error.message}; retrying until it succeeds`);
    this.#failure = error.message;
    if (this.#stopped || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.schedule();
    }, this.#retryDelayMs);
    this.#retryDelayMs = Math.min(this.#retryDelayMs * 2, MAX_RETRY_MS);
  }

  async #putIfNewer(envelope: SnapshotEnvelope): Promise<void> {
    // Fail at once rather than after a request timeout; the recovery wakes the next run.
    if (!this.options.bus.isConnected()) throw new BusUnavailableError("the bus is not connected");
    const stored = await this.options.bus.config.latest();
    if (stored && stored.version >= envelope.version) return;
    try {
      await this.options.bus.config.put(envelope);
      this.#log(`snapshot ${envelope.version} published`);
    } catch (error) {
      // Another control plane put the same or a newer version first: the fleet is current.
      if (!(error instanceof StaleSnapshotVersionError)) throw error;
    }
  }

  #log(message: string): void {
    this.options.log?.(message);
  }
}

function envelopeOf(row: SnapshotRow): SnapshotEnvelope {
  return {
    schema_version: row.schema_version,
    version: row.version,
    sha256: row.sha256,
    created_at: row.created_at.toISOString(),
    body: row.body as SnapshotBody,
  };
}
