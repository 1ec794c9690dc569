// Everything one simulator instance remembers, shared by its formats and its control API.
import { ResponseStore } from "../formats/openai/responses-store.ts";
import { CallLog } from "./call-log.ts";
import { FaultTable } from "./faults.ts";
import { type LatencyProfile, type ModelProfile, ProfileTable } from "./profiles.ts";
import { PromptCache } from "./prompt-cache.ts";

export interface SimulatorState {
  profiles: ProfileTable;
  faults: FaultTable;
  calls: CallLog;
  promptCache: PromptCache;
  /** Stored Responses API responses, per tenant (OpenAI's and Azure's). */
  responses: ResponseStore;
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
  };
}
