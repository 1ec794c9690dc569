// The write-ahead logs of batches that have ended (docs/operations.md, "The trace write-ahead
// log"): a batch's plane writes its rows under `<traceDirectory>/<batch id>` and ships them while
// the batch runs, so rows still there once it has ended (its plane stopped while NATS was away,
// or died, and the batch ended elsewhere since) would be shipped by nothing: no plane of that
// batch opens the directory again. A control plane ships them: at start and every few minutes it
// opens each ended (or deleted) batch's directory that holds segments, as a writer of its own
// beside any live one, takes the segments of dead writers in, ships them and gives the directory
// up (the answers kept beside the rows deleted: no lookup comes now), removing it once empty. A
// running batch's directory is left to its plane: its lookup after a crash reads those rows
// where they are (paid-lookup.ts).
import { readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { inArray } from "drizzle-orm";
import type { Bus } from "#shared/bus/bus.ts";
import type { Logger } from "#shared/log.ts";
import {
  drainWriteAheadLog,
  writeAheadHoldsAnything,
  writeAheadSegmentFiles,
} from "../../dataplane/in-process.ts";
import type { Database } from "../db/client.ts";
import { gatewayBatches } from "../db/schema/index.ts";

export interface EndedBatchLogOptions {
  db: Database;
  bus: Bus;
  /** The batch planes' logs: one directory per batch under it. */
  traceDirectory: string;
  log: Logger;
}

const SWEEP_INTERVAL_MS = 5 * 60_000;

/**
 * Ships the segments left in the directories of batches that have ended or no longer exist;
 * returns the batch ids whose directory was emptied and removed. A directory whose rows the bus
 * does not take now (NATS away) keeps them for the next sweep.
 */
export async function shipEndedBatchLogs(options: EndedBatchLogOptions): Promise<string[]> {
  let entries: string[];
  try {
    entries = readdirSync(options.traceDirectory, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return []; // no batch has run on this node yet
  }
  // Rows to ship, or answers kept for a lookup that will not come now.
  const holding = entries.filter((id) => writeAheadHoldsAnything(join(options.traceDirectory, id)));
  if (holding.length === 0) return [];
  const running = new Set(
    (
      await options.db
        .select({ id: gatewayBatches.id, status: gatewayBatches.status })
        .from(gatewayBatches)
        .where(inArray(gatewayBatches.id, holding))
    )
      .filter((batch) => batch.status !== "ended")
      .map((batch) => batch.id),
  );
  const emptied: string[] = [];
  for (const id of holding) {
    if (running.has(id)) continue;
    const directory = join(options.traceDirectory, id);
    try {
      await drainWriteAheadLog(directory, options.bus, options.log);
    } catch (error) {
      // This one is tried again at the next sweep; the others are not held up by it.
      options.log(`batch ${id}'s log not shipped: ${(error as Error).message}`);
      continue;
    }
    if (writeAheadSegmentFiles(directory).length > 0) continue;
    try {
      rmdirSync(directory);
      emptied.push(id);
      options.log(`batch ${id} has ended: the rows its planes left are shipped`);
    } catch {
      // a live plane's lock, or one that started writing meanwhile: left to it
    }
  }
  return emptied;
}

/** shipEndedBatchLogs now and every few minutes, one sweep at a time, until stopped. */
export function startEndedBatchLogSweep(options: EndedBatchLogOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const sweep = () => {
    running ??= shipEndedBatchLogs(options)
      .catch((error: Error) => options.log(`ended batches' logs: ${error.message}`))
      .finally(() => {
        running = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
