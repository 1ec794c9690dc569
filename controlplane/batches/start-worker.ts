// The control plane's batch worker as a node runs it: each batch's lines through a batch plane
// that is the fleet's traffic (spend deltas and budget state over the bus, traces written ahead
// under `traceDirectory` and shipped to the warehouse), with the settings MODELUX_BATCH_*.
// Stopping lets in-flight lines finish and gives the batch's lease back; after a crash, the lines
// it had claimed are looked up in its write-ahead logs and the warehouse (paid-lookup.ts).
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import type { GatewayBatchRow } from "../db/schema/index.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import { openBatchPlane } from "./batch-plane.ts";
import { combinedPaidLookup, warehousePaidLookup, writeAheadPaidLookup } from "./paid-lookup.ts";
import { type BatchWorkerSettings, readBatchSettings } from "./settings.ts";
import { BatchWorker } from "./worker.ts";

export interface NodeBatchWorkerOptions {
  db: Database;
  secretBox: SecretBox;
  bus: Bus;
  /** Under it, one write-ahead directory per batch plane. */
  traceDirectory: string;
  log: Logger;
  settings?: BatchWorkerSettings;
  /**
   * Where a restart looks up the lines a crashed worker answered (with the batch planes' own
   * write-ahead logs under `traceDirectory`); without it such lines end `result_unknown`.
   */
  warehouse?: Pick<WarehouseQuery, "batchLineRequests"> | null;
}

export function startNodeBatchWorker(options: NodeBatchWorkerOptions): BatchWorker {
  const directoryOf = (batch: GatewayBatchRow) => join(options.traceDirectory, batch.id);
  const worker = new BatchWorker({
    db: options.db,
    workerId: `controlplane-${process.pid}-${crypto.randomUUID().slice(0, 8)}`,
    settings: options.settings ?? readBatchSettings(),
    paidLookup: options.warehouse
      ? combinedPaidLookup(
          writeAheadPaidLookup(directoryOf),
          warehousePaidLookup(options.warehouse, directoryOf),
        )
      : null,
    log: options.log,
    openExecutor: (batch) =>
      openBatchPlane(
        {
          db: options.db,
          secretBox: options.secretBox,
          fleet: {
            bus: options.bus,
            traceDirectory: directoryOf(batch),
            log: options.log,
          },
        },
        batch,
      ),
  });
  worker.start();
  return worker;
}
