// Everything one simulator instance remembers, shared by its formats and its control API.
import type { AnthropicBatch } from "../formats/anthropic/batches.ts";
import type { OpenAiBatch } from "../formats/openai/batches.ts";
import { ResponseStore } from "../formats/openai/responses-store.ts";
import { type BatchPace, DEFAULT_BATCH_PACE } from "./batch-pace.ts";
import { CallLog } from "./call-log.ts";
import { FaultTable } from "./faults.ts";
import { type LatencyProfile, type ModelProfile, ProfileTable } from "./profiles.ts";
import { PromptCache } from "./prompt-cache.ts";
import { StoredFiles } from "./stored-files.ts";
import { TenantMap } from "./tenant-map.ts";

export interface SimulatorState {
  profiles: ProfileTable;
  faults: FaultTable;
  calls: CallLog;
  promptCache: PromptCache;
  /** Stored Responses API responses, per tenant (OpenAI's and Azure's). */
  responses: ResponseStore;
  /** Uploaded files and batch output, every vendor's, per tenant (contents on disk). */
  files: StoredFiles;
  openAiBatches: TenantMap<OpenAiBatch>;
  anthropicBatches: TenantMap<AnthropicBatch>;
  /** How many retrievals a batch spends in each state (PUT /_sim/batches). */
  batchPace: BatchPace;
}

export function createSimulatorState(
  profiles?: ModelProfile[],
  defaultProfile?: LatencyProfile,
): SimulatorState {
  return {
    profiles: new ProfileTable(profiles, defaultProfile),
    faults: new FaultTable(),
    calls: new CallLog(),
    promptCache: new PromptCache(),
    responses: new ResponseStore(),
    files: new StoredFiles(),
    openAiBatches: new TenantMap(),
    anthropicBatches: new TenantMap(),
    batchPace: { ...DEFAULT_BATCH_PACE },
  };
}
