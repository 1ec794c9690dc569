// Everything one simulator instance remembers, shared by its formats and its control API.
import { CallLog } from "./call-log.ts";
import { FaultTable } from "./faults.ts";
import { type LatencyProfile, type ModelProfile, ProfileTable } from "./profiles.ts";
import { PromptCache } from "./prompt-cache.ts";

export interface SimulatorState {
  profiles: ProfileTable;
  faults: FaultTable;
  calls: CallLog;
  promptCache: PromptCache;
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
  };
}
