// What recording one finished request costs the data plane (metrics on, as in a fleet): real
// decision traces from requests through a gateway harness (chat on both surfaces, a fallback,
// embeddings), queued again and again and drained, timed per request. The drain runs off the
// request path; this is the CPU it takes from the node.
//
//   bun bench/telemetry/record.ts [--requests=200] [--rounds=30] [--spans]
import { defaultObservability } from "#shared/env/settings.ts";
import type { DecisionTrace } from "../../dataplane/trace/decision-trace.ts";
import type { RecentTraces } from "../../dataplane/trace/trace-emitter.ts";
import { startGatewayHarness } from "../../test/support/gateway-harness.ts";
import { routingClient } from "../../test/support/routing-client.ts";

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) =>
  Number(args.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const requests = flag("requests", 200);
const rounds = flag("rounds", 30);
const spans = args.includes("--spans");

// Spans go to a port nothing listens on: the export fails, off the path, as a dead collector would.
const harness = startGatewayHarness({
  telemetry: {
    ...defaultObservability(),
    ...(spans ? { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" } : {}),
  },
  routingConfigs: {
    chain: {
      strategy: "fallback",
      attempts: [{ model: "anthropic/claude-sonnet-4-5" }, { model: "openai/gpt-4o-mini" }],
    },
  },
});
await harness.context.telemetry.ready;
const client = routingClient(harness);
for (let index = 0; index < requests; index++) {
  if (index % 10 === 0) await client.fault({ model: "claude-sonnet-4-5", status: 503, count: 1 });
  const kind = index % 4;
  if (kind === 0) await client.openai("@openai");
  else if (kind === 1) await client.anthropic("@anthropic");
  else if (kind === 2) await client.openai("@chain");
  else await client.openai("openai/gpt-4o-mini", { stream: true });
}
const telemetry = harness.context.telemetry;
telemetry.drain();
const traces: DecisionTrace[] = (harness.context.traces as RecentTraces).all();

const perRequestNs: number[] = [];
for (let round = 0; round < rounds; round++) {
  for (const trace of traces) telemetry.observe(trace, "chat");
  const started = performance.now();
  telemetry.drain();
  perRequestNs.push(((performance.now() - started) * 1e6) / traces.length);
}
perRequestNs.sort((a, b) => a - b);
const overheads = traces
  .map((trace) => trace.overhead_ms)
  .filter((value): value is number => value !== null)
  .sort((a, b) => a - b);
const median = (values: number[]) => values[Math.floor(values.length / 2)] ?? Number.NaN;
console.log(
  `recording ${traces.length} traces x ${rounds} rounds${spans ? " (metrics and spans)" : " (metrics)"}: ` +
    `median ${(median(perRequestNs) / 1000).toFixed(2)} µs per request, ` +
    `best ${((perRequestNs[0] ?? Number.NaN) / 1000).toFixed(2)} µs; ` +
    `the same requests' gateway overhead: median ${(median(overheads) * 1000).toFixed(0)} µs`,
);
await harness.stop();
process.exit(0);
