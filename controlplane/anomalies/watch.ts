// The periodic anomaly pass (docs/anomalies.md): every few minutes, for each org with an enabled
// webhook endpoint subscribed to `request.anomaly_detected` (or to every event), one detection
// pass over its request logs. Orgs nobody listens for are not read. Several control planes may
// run it at once: detectAnomalies sends each (org, route, metric, window) once.
import { sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { webhooks } from "../db/schema/index.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import { detectAnomalies } from "./detect.ts";

/** How often the pass runs: a third of the 15-minute window, so a spike is told within ~5 min. */
export const ANOMALY_PASS_INTERVAL_MS = 5 * 60_000;

export interface AnomalyWatchOptions {
  db: Database;
  warehouse: WarehouseQuery;
  log: (message: string) => void;
  intervalMs?: number;
  now?: () => number;
}

export interface AnomalyWatch {
  /** One pass over every listening org; returns how many events it sent. */
  runOnce(): Promise<number>;
  stop(): void;
}

/** The orgs with an enabled endpoint that would receive `request.anomaly_detected`. */
async function listeningOrgs(db: Database): Promise<string[]> {
  // Across orgs on purpose: the pass then reads each org's own logs only.
  const rows = await db
    .selectDistinct({ org_id: webhooks.org_id })
    .from(webhooks)
    .where(
      sql`${webhooks.enabled} and (${webhooks.event_types} @> '["request.anomaly_detected"]'::jsonb or ${webhooks.event_types} @> '["*"]'::jsonb)`,
    );
  return rows.map((row) => row.org_id);
}

export function startAnomalyWatch(options: AnomalyWatchOptions): AnomalyWatch {
  const now = options.now ?? Date.now;
  let running: Promise<number> | null = null;
  const runOnce = async (): Promise<number> => {
    let sent = 0;
    for (const orgId of await listeningOrgs(options.db)) {
      try {
        sent += (await detectAnomalies(options.db, options.warehouse, orgId, now())).length;
      } catch (error) {
        options.log(`anomaly detection for ${orgId}: ${(error as Error).message}`);
      }
    }
    return sent;
  };
  const timer = setInterval(() => {
    if (running) return;
    running = runOnce()
      .catch((error: Error) => {
        options.log(`anomaly detection: ${error.message}`);
        return 0;
      })
      .finally(() => {
        running = null;
      });
  }, options.intervalMs ?? ANOMALY_PASS_INTERVAL_MS);
  timer.unref?.();
  return { runOnce, stop: () => clearInterval(timer) };
}
