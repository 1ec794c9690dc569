// Measures one target through every group of the plan: a (fresh, for a full run) process of
// it, warmed up, then each step of the group with the simulator in the group's mode.

import type { LoadRequest } from "./load/load-request.ts";
import type { Machine } from "./machine.ts";
import { setMode } from "./modes.ts";
import { apiOf, describeLoad, type Plan, type Step } from "./plan.ts";
import type { RunningProcess } from "./processes.ts";
import { runStep, type StepResult, warmUp } from "./run-step.ts";
import { type StartedTarget, startTarget, type TargetName } from "./targets.ts";

export interface RunContext {
  simulatorUrl: string;
  simulator: RunningProcess;
  pinning: Machine["pinning"];
}

export async function measureTarget(
  name: TargetName,
  plan: Plan,
  context: RunContext,
): Promise<StepResult[]> {
  const loadCpus = context.pinning?.simulator_and_load ?? null;
  const results: StepResult[] = [];
  let target: StartedTarget | null = null;
  try {
    for (const group of plan.groups) {
      if (target === null || plan.restartPerGroup) {
        await target?.process?.stop();
        await setMode(context.simulatorUrl, "instant");
        target = await startTarget(
          name,
          context.simulatorUrl,
          context.pinning?.target ?? null,
          loadCpus,
        );
        if (plan.warmupSeconds > 0) {
          await warmUp(target.request(false), plan.warmupSeconds, loadCpus);
          await warmUp(target.request(true), plan.warmupSeconds, loadCpus);
          // Every other API the group measures gets the same warm-up as chat: its code would
          // otherwise be compiled during its own step, a cost chat's step does not carry.
          const apis = group.steps.flatMap((step) => [step.api, step.interleave]);
          for (const api of new Set(apis.flatMap((api) => (api ? [api] : [])))) {
            const request = target.streamed[api];
            if (request) await warmUp(request, plan.warmupSeconds, loadCpus);
          }
        }
      }
      await setMode(context.simulatorUrl, group.mode);
      for (const step of group.steps) {
        // The paired comparison of Responses with chat is modelux's, against its floor.
        if (step.round !== undefined && name !== "direct" && name !== "modelux") continue;
        const started = target;
        const requestOf = (api: Step["api"]) =>
          api ? started.streamed[api] : started.request(step.stream);
        const requests = [
          requestOf(step.api),
          ...(step.interleave ? [requestOf(step.interleave)] : []),
        ];
        // A target that does not serve every API of the step does not run it.
        if (!requests.every((request) => request !== undefined)) continue;
        const stepResults = await runStep(step, requests as LoadRequest[], {
          target: name,
          targetProcess: target.process,
          companions: target.companions ?? [],
          simulator: context.simulator,
          loadCpus,
          openWarmupSeconds: plan.openWarmupSeconds,
        });
        results.push(...stepResults);
        // A step that lost requests shows what the target said meanwhile (its log's tail).
        if (stepResults.some((result) => result.error_count > 0) && started.process)
          console.log(`  ${name} output, last lines:\n${started.process.output().slice(-4000)}`);
        for (const result of stepResults)
          console.log(
            `  ${name.padEnd(12)} ${step.mode.padEnd(9)} ${(step.stream ? "stream" : "plain").padEnd(6)} ${describeLoad(step.load).padEnd(20)} ${apiOf(result).padEnd(16)} ${Math.round(result.throughput).toString().padStart(6)} req/s  p50 ${result.latency?.p50.toFixed(3) ?? "—"} ms  p99 ${result.latency?.p99.toFixed(3) ?? "—"} ms  errors ${result.error_count}${result.error_count > 0 ? ` ${JSON.stringify(result.errors)}${result.disconnected_mid_answer ? `, ${result.disconnected_mid_answer} cut mid-answer` : ""}` : ""}`,
          );
      }
    }
  } finally {
    await target?.process?.stop();
    await setMode(context.simulatorUrl, "instant");
  }
  return results;
}
