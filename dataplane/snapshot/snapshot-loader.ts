// Holds the data plane's current RuntimeConfig. Applies snapshots from the bus (latest at start,
// then every update), rejects bad ones and keeps the last good one, and caches it on disk so a
// node restarted while NATS is away still serves.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import { openSnapshot } from "#shared/snapshot/envelope.ts";
import { compileRuntimeConfig, type RuntimeConfig } from "./runtime-config.ts";

export interface SnapshotLoaderOptions {
  secretBox: SecretBox;
  /** File the last good snapshot is kept in; none in tests that want no disk. */
  cacheFile?: string;
  log?: (message: string) => void;
}

export type ApplyResult = { applied: true; version: number } | { applied: false; reason: string };

export class SnapshotLoader {
  /** Read by every request; replaced whole, never mutated. */
  current: RuntimeConfig | null = null;
  lastRejection: string | null = null;
  #watch: Subscription | null = null;
  #bus: Bus | null = null;
  #stopFollowingBus: (() => void) | null = null;
  #cacheWrite: Promise<void> = Promise.resolve();

  constructor(readonly options: SnapshotLoaderOptions) {}

  /** Validates, compiles and swaps in a snapshot when it is newer than the current one. */
  apply(raw: unknown, source: "bus" | "cache" = "bus"): ApplyResult {
    const opened = openSnapshot(raw);
    if (!opened.ok) return this.#reject(opened.reason);
    if (this.current && opened.version <= this.current.version) {
      return {
        applied: false,
        reason: `snapshot ${opened.version} is not newer than ${this.current.version}`,
      };
    }
    let compiled: RuntimeConfig;
    try {
      compiled = compileRuntimeConfig(opened, opened.body, this.options.secretBox);
    } catch (error) {
      return this.#reject(`snapshot ${opened.version}: ${(error as Error).message}`);
    }
    this.current = compiled;
    this.lastRejection = null;
    this.options.log?.(`serving snapshot ${compiled.version} (from ${source})`);
    if (source === "bus") this.#saveToCache(raw);
    return { applied: true, version: compiled.version };
  }

  /**
   * Loads the newest snapshot on the bus, then follows its updates, and reads the newest again
   * each time the bus recovers from an outage (what was written meanwhile, or republished into
   * a bucket the server lost, arrives without waiting for another change).
   */
  async follow(bus: Bus): Promise<void> {
    await this.#watch?.unsubscribe();
    this.#stopFollowingBus?.();
    this.#bus = bus;
    // Watch first so nothing written between the read and the watch is missed.
    this.#watch = await bus.config.watch((raw) => this.apply(raw));
    this.#stopFollowingBus = bus.onRecovered(() => {
      bus.config
        .latest()
        .then((latest) => latest && this.apply(latest))
        .catch((error) =>
          this.options.log?.(`re-reading the snapshot failed: ${(error as Error).message}`),
        );
    });
    const latest = await bus.config.latest();
    if (latest) this.apply(latest);
  }

  /** Whether updates can arrive; the node serves its last good snapshot either way. */
  busState(): "connected" | "disconnected" {
    return this.#bus?.isConnected() ? "connected" : "disconnected";
  }

  async loadCache(): Promise<ApplyResult> {
    const file = this.options.cacheFile;
    if (!file) return { applied: false, reason: "no cache file configured" };
    const handle = Bun.file(file);
    if (!(await handle.exists()))
      return { applied: false, reason: `no cached snapshot at ${file}` };
    try {
      return this.apply(await handle.json(), "cache");
    } catch (error) {
      return this.#reject(`cached snapshot unreadable: ${(error as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.#stopFollowingBus?.();
    this.#stopFollowingBus = null;
    await this.#watch?.unsubscribe().catch(() => {});
    this.#watch = null;
    await this.#cacheWrite;
  }

  #reject(reason: string): ApplyResult {
    this.lastRejection = reason;
    this.options.log?.(`rejected ${reason}; keeping snapshot ${this.current?.version ?? "none"}`);
    return { applied: false, reason };
  }

  #saveToCache(raw: unknown): void {
    const file = this.options.cacheFile;
    if (!file) return;
    // Off the request path, one write at a time, atomic by rename.
    this.#cacheWrite = this.#cacheWrite
      .then(async () => {
        await mkdir(dirname(file), { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, JSON.stringify(raw));
        await rename(temporary, file);
      })
      .catch((error) =>
        this.options.log?.(`snapshot cache write failed: ${(error as Error).message}`),
      );
  }
}
