// Tells the control planes which of this node's circuit breakers are not closed
// (docs/provider-health.md): the whole list every heartbeat and soon after a circuit changes
// state, off the request path (a timer, never inside an attempt). Nothing is queued while the bus
// is away: each message carries the whole list, so the next one heals any loss.
import type { Bus } from "#shared/bus/bus.ts";
import type { CircuitStates } from "#shared/bus/envelopes.ts";
import type { RuntimeConfig } from "../snapshot/runtime-config.ts";
import { type HealthTracker, splitHealthKey } from "./health.ts";

/** How often a node says what is open when nothing changes. */
export const CIRCUIT_HEARTBEAT_MS = 5_000;
/** Circuits one message lists: well under NATS's default 1 MB payload. */
const MAX_CIRCUITS = 2_000;
/** Least time between two messages asked for by state changes (a flapping circuit). */
const SOON_SPACING_MS = 250;

export interface CircuitPublisherOptions {
  nodeId: string;
  /** The process's id; default a random one. */
  instance?: string;
  heartbeatMs?: number;
  log?: (message: string) => void;
}

export interface CircuitSources {
  bus: () => Bus | null;
  health: HealthTracker;
  /** The snapshot served: names each circuit's provider and its org. */
  runtime: () => RuntimeConfig | null;
}

export class CircuitPublisher {
  readonly heartbeatMs: number;
  private readonly instance: string;
  private readonly log: (message: string) => void;
  private sources: CircuitSources | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private soonTimer: ReturnType<typeof setTimeout> | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private seq = 0;
  /** Reading the states moves open circuits past their cool-down; those changes ask for nothing. */
  private reading = false;
  private failing = false;

  constructor(private readonly options: CircuitPublisherOptions) {
    this.heartbeatMs = options.heartbeatMs ?? CIRCUIT_HEARTBEAT_MS;
    this.instance = options.instance ?? crypto.randomUUID().replaceAll("-", "");
    this.log = options.log ?? (() => {});
  }

  /** Sends now and every heartbeat until stopped; `sources.bus` is read each time. */
  start(sources: CircuitSources): void {
    this.sources = sources;
    if (this.timer) return;
    this.timer = setInterval(() => void this.publish(), this.heartbeatMs);
    void this.publish();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soonTimer) clearTimeout(this.soonTimer);
    this.timer = null;
    this.soonTimer = null;
  }

  /** A circuit changed state (HealthTracker's onStateChange): the fleet hears it shortly. */
  soon(): void {
    if (this.reading || this.soonTimer !== null || this.timer === null) return;
    const wait = Math.max(0, this.lastSentAt + SOON_SPACING_MS - performance.now());
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      void this.publish();
    }, wait);
  }

  /** The circuits that are not closed, as one message would list them. */
  circuits(): { circuits: CircuitStates["circuits"]; truncated: boolean } {
    const sources = this.sources;
    const runtime = sources?.runtime();
    const circuits: CircuitStates["circuits"] = [];
    if (!sources || !runtime) return { circuits, truncated: false };
    let truncated = false;
    this.reading = true;
    try {
      for (const key of sources.health.keys()) {
        const snapshot = sources.health.snapshot(key);
        if (snapshot.state === "closed") continue;
        const { providerId, model } = splitHealthKey(key);
        // A provider gone from the snapshot is nobody's to report.
        const provider = runtime.providersById.get(providerId);
        if (!provider) continue;
        if (circuits.length === MAX_CIRCUITS) {
          truncated = true;
          break;
        }
        circuits.push({
          org_id: provider.orgId,
          provider_id: providerId,
          provider: provider.name,
          model,
          state: snapshot.state,
          opened_at: Math.floor(snapshot.openedAt ?? 0),
          cooldown_ms: Math.floor(snapshot.cooldownMs ?? 0),
        });
      }
    } finally {
      this.reading = false;
    }
    return { circuits, truncated };
  }

  async publish(): Promise<void> {
    const bus = this.sources?.bus() ?? null;
    if (bus === null || !bus.isConnected()) return;
    this.lastSentAt = performance.now();
    const { circuits, truncated } = this.circuits();
    this.seq += 1;
    try {
      await bus.publishCircuitStates({
        node_id: this.options.nodeId,
        instance: this.instance,
        seq: this.seq,
        heartbeat_ms: this.heartbeatMs,
        circuits,
        ...(truncated ? { truncated } : {}),
      });
      if (this.failing) {
        this.failing = false;
        this.log("circuit states reach the control planes again");
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.log(
          `circuit states not sent (the next heartbeat tries again): ${(error as Error).message}`,
        );
      }
    }
  }
}
