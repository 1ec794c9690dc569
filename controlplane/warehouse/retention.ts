// Retention: a project's request log keeps `trace_retention_days` full days (a project setting,
// default 30) besides today, UTC; older `date=` partitions are deleted whole, with their rollups.
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import { projects } from "../db/schema/index.ts";
import { DEFAULT_SETTINGS } from "../modules/projects/model.ts";
import { readSettings } from "../modules/projects/service.ts";
import { listWarehouseFiles, type Warehouse } from "./parquet-writer.ts";
import { ROLLUP_DIRECTORY } from "./rollups.ts";

export interface RetentionOptions {
  /** Where projects' settings are read; without it every project keeps the default. */
  db?: Database;
  now?: Date;
  log?: Logger;
}

export interface RetentionResult {
  /** `project_id=…/date=…` partitions deleted. */
  removed: string[];
}

const DAY_MS = 86_400_000;

export async function applyTraceRetention(
  warehouse: Warehouse,
  options: RetentionOptions = {},
): Promise<RetentionResult> {
  const now = options.now ?? new Date();
  const retention = await retentionDays(options.db);
  const dates = new Set<string>();
  for (const file of await listWarehouseFiles(warehouse)) {
    dates.add(`project_id=${file.partition.project_id}/date=${file.partition.date}`);
  }
  const today = Date.parse(now.toISOString().slice(0, 10));
  const removed: string[] = [];
  for (const partition of [...dates].sort()) {
    const [, projectId = "", date = ""] = /^project_id=(.+)\/date=(.+)$/.exec(partition) ?? [];
    const days = retention.get(projectId) ?? DEFAULT_SETTINGS.trace_retention_days;
    if (Date.parse(date) >= today - days * DAY_MS) continue;
    await warehouse.exclusive(async () => {
      await warehouse.storage.removeTree(`${warehouse.root}/${partition}`);
      await warehouse.storage.removeTree(`${warehouse.root}/${ROLLUP_DIRECTORY}/${partition}`);
    });
    removed.push(partition);
  }
  if (removed.length > 0) options.log?.(`retention removed ${removed.length} day partitions`);
  return { removed };
}

/** Each project's retention in days; a deleted project's rows keep the default. */
async function retentionDays(db: Database | undefined): Promise<Map<string, number>> {
  if (!db) return new Map();
  const rows = await db.select({ id: projects.id, settings: projects.settings }).from(projects);
  return new Map(rows.map((row) => [row.id, readSettings(row.settings).trace_retention_days]));
}
