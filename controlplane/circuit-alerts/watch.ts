// `provider.health_changed` from the fleet's circuit breakers (docs/provider-health.md): a
// provider is failing while one of its circuits is open or half-open on some data plane that
// reports, healthy again once every reporting data plane has it closed. Each change is sent once
// for the whole fleet: every control plane hears the same circuit states (FleetCircuits), and
// the one that first moves the provider's `provider_circuit_health` row sends the event in the
// same transaction; the others find the row already moved and send nothing. The row also keeps a
// restarted control plane from sending a change again, and tells it which providers were failing
// when it stopped. Nothing is concluded while no data plane reports (nothing is known), and no
// provider is called healthy while a node lists only its first circuits (truncated).
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { providerCircuitHealth, providers } from "../db/schema/index.ts";
import { Tenant } from "../db/tenant.ts";
import { type FleetCircuits, providerKey } from "../modules/provider-health/fleet-circuits.ts";
import { viewProvider } from "../modules/providers/service.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";

/** A pass at least this often, so that a data plane gone silent is noticed without a message. */
export const CIRCUIT_PASS_INTERVAL_MS = 5_000;

type Health = "healthy" | "failing";

export interface CircuitHealthChange {
  org_id: string;
  provider_id: string;
  previous: Health;
  current: Health;
  /** This control plane moved the row and sent the event (false: another one had). */
  sent: boolean;
}

export interface CircuitAlertWatchOptions {
  db: Database;
  fleetCircuits: FleetCircuits;
  log: (message: string) => void;
  intervalMs?: number;
  now?: () => number;
}

export interface CircuitAlertWatch {
  /** Compares the fleet's failing providers with what was last sent and sends the changes. */
  runOnce(): Promise<CircuitHealthChange[]>;
  /** A pass soon (after a node's message): passes never overlap, one more follows a busy one. */
  wake(): void;
  /** No pass after this; resolves once the running one has finished. */
  stop(): Promise<void>;
}

export function startCircuitAlertWatch(options: CircuitAlertWatchOptions): CircuitAlertWatch {
  const now = options.now ?? Date.now;
  // The providers this control plane knows as failing; null until read from the table.
  let known: Map<string, { org_id: string; provider_id: string }> | null = null;
  const runOnce = async (): Promise<CircuitHealthChange[]> => {
    const fleet = options.fleetCircuits.failingProviders();
    if (!fleet) return [];
    known ??= await failingInTable(options.db);
    const changes: Array<{ org_id: string; provider_id: string; current: Health }> = [];
    for (const [key, provider] of fleet.failing)
      if (!known.has(key)) changes.push({ ...provider, current: "failing" });
    if (fleet.complete)
      for (const [key, provider] of known)
        if (!fleet.failing.has(key)) changes.push({ ...provider, current: "healthy" });
    const done: CircuitHealthChange[] = [];
    for (const change of changes) {
      const key = providerKey(change.org_id, change.provider_id);
      try {
        const sent = await moveAndSend(options.db, options.fleetCircuits, change, now());
        if (sent !== null) done.push({ ...change, previous: opposite(change.current), sent });
        if (change.current === "failing") known.set(key, change);
        else known.delete(key);
      } catch (error) {
        // Tried again at the next pass: `known` still has the provider as it was.
        options.log(`provider ${change.provider_id} health: ${(error as Error).message}`);
      }
    }
    return done;
  };

  let running: Promise<unknown> | null = null;
  let again = false;
  let stopped = false;
  const pass = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((error: Error) => options.log(`provider health from circuits: ${error.message}`))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          pass();
        }
      });
  };
  const timer = setInterval(pass, options.intervalMs ?? CIRCUIT_PASS_INTERVAL_MS);
  timer.unref?.();
  return {
    runOnce,
    wake: pass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

const opposite = (health: Health): Health => (health === "failing" ? "healthy" : "failing");

/** Every provider the table has as failing, across orgs (what the fleet said last). */
async function failingInTable(db: Database) {
  const rows = await db
    .select({ org_id: providers.org_id, provider_id: providerCircuitHealth.provider_id })
    .from(providerCircuitHealth)
    .innerJoin(providers, eq(providers.id, providerCircuitHealth.provider_id))
    .where(eq(providerCircuitHealth.state, "failing"));
  return new Map(rows.map((row) => [providerKey(row.org_id, row.provider_id), row]));
}

/**
 * Moves the provider's row to `current` and, when this call moved it, enqueues the event in the
 * same transaction. True: sent; false: the row was already there (another control plane);
 * null: the provider no longer exists (a circuit a node still remembers for a deleted one).
 */
async function moveAndSend(
  db: Database,
  fleetCircuits: FleetCircuits,
  change: { org_id: string; provider_id: string; current: Health },
  nowMs: number,
): Promise<boolean | null> {
  return db.transaction(async (transaction) => {
    const tx = transaction as unknown as Database;
    const provider = await new Tenant(tx, change.org_id).find(providers, change.provider_id);
    if (!provider) return null;
    const changedAt = new Date(nowMs);
    const moved =
      change.current === "failing"
        ? await tx
            .insert(providerCircuitHealth)
            .values({ provider_id: provider.id, state: "failing", changed_at: changedAt })
            .onConflictDoUpdate({
              target: providerCircuitHealth.provider_id,
              set: { state: "failing", changed_at: changedAt },
              where: sql`${providerCircuitHealth.state} <> 'failing'`,
            })
            .returning({ provider_id: providerCircuitHealth.provider_id })
        : await tx
            .update(providerCircuitHealth)
            .set({ state: "healthy", changed_at: changedAt })
            .where(
              and(
                eq(providerCircuitHealth.provider_id, change.provider_id),
                eq(providerCircuitHealth.state, "failing"),
              ),
            )
            .returning({ provider_id: providerCircuitHealth.provider_id });
    if (moved.length === 0) return false;
    await enqueueEvent(
      tx,
      change.org_id,
      "provider.health_changed",
      {
        provider: viewProvider(provider),
        source: "circuit_breakers",
        previous: opposite(change.current),
        current: change.current,
        // As get_provider_health shows it.
        dataplane: fleetCircuits.ofProvider(change.org_id, change.provider_id),
      },
      { now: changedAt },
    );
    return true;
  });
}
