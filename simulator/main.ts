// `bun run simulator`: the provider simulator on its own, for the gateway and the benchmarks.
import { readSettingsOrExit, simulatorSchema } from "#shared/env/settings.ts";
import { startSimulator } from "./server.ts";

const settings = readSettingsOrExit(simulatorSchema);
const simulator = startSimulator({
  port: settings.SIMULATOR_PORT,
  hostname: settings.MODELUX_HOST,
});
console.log(`modelux provider simulator listening on ${simulator.url}
  OpenAI     ${simulator.url}/v1 (chat/completions, responses, embeddings, models)
  Anthropic  ${simulator.url}/v1 (messages, messages/count_tokens, models)
  control    ${simulator.url}/_sim/ (faults, calls, profiles, cache)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    await simulator.stop();
    process.exit(0);
  });
}
