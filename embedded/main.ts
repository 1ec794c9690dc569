// `bun run dev`: the whole of modelux in one process, with keys printed and a ready curl line.
import { egressPolicyFrom } from "#shared/egress/policy.ts";
import { embeddedSchema, readSettingsOrExit } from "#shared/env/settings.ts";
import { configureLogging } from "#shared/log.ts";
import { useUpstreamClient, useUpstreamEgressPolicy } from "../dataplane/in-process.ts";
import { startEmbedded } from "./start.ts";

const settings = readSettingsOrExit(embeddedSchema);
configureLogging({ level: settings.MODELUX_LOG_LEVEL, format: settings.MODELUX_LOG_FORMAT });
useUpstreamEgressPolicy(egressPolicyFrom(settings));
useUpstreamClient(settings.MODELUX_UPSTREAM_CLIENT);
const running = await startEmbedded(settings);
const { seed } = running;
console.log(`
modelux is running (embedded: PGlite in ${settings.MODELUX_DATA_DIR}/pg, in-process bus, provider simulator)

  data plane     ${running.dataPlaneUrl}    (OpenAI surface at /openai/v1, Anthropic at /anthropic/v1)
  control plane  ${running.controlPlaneUrl}    (dashboard at /, Management API at /manage/v1, docs at /manage/docs, MCP at /mcp)
  simulator      ${running.simulatorUrl}

  proxy key       ${seed.proxyKey}
  management key  ${seed.managementKey}
  (also in ${running.keysFile}; pin them with MODELUX_DEV_PROXY_KEY / MODELUX_DEV_MANAGEMENT_KEY)

Try it:

  curl ${running.dataPlaneUrl}/openai/v1/chat/completions \\
    -H "Authorization: Bearer ${seed.proxyKey}" -H "Content-Type: application/json" \\
    -d '{"model": "@default", "messages": [{"role": "user", "content": "Hello!"}]}'
`);

// One shutdown, whichever signal comes first: drain both planes, flush, exit.
let shuttingDown = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.log(
      `${signal}: draining (readyz fails, no new connections, up to ${settings.MODELUX_SHUTDOWN_GRACE_MS} ms for requests in flight)`,
    );
    await running.stop();
    console.log("drained; spend and traces flushed");
    process.exit(0);
  });
}
