// The six things measured under the same load: the simulator itself (the floor), a bare Bun
// proxy (the runtime's limit), modelux with its realistic setup (on the in-process bus, and as in
// a fleet: on a nats-server with JetStream, the control plane in another process) and with
// everything off, and the Portkey gateway on Bun. Each says how to start it and how a client addresses it.
import { join } from "node:path";
import type { LoadRequest } from "./load/load-request.ts";
import type { Api } from "./plan.ts";
import {
  freePort,
  ROOT,
  type RunningProcess,
  spawnProcess,
  spawnServer,
  waitForHttp,
} from "./processes.ts";
import { BENCH_CLAUDE_ROUTE, BENCH_PROXY_KEY, BENCH_ROUTE } from "./targets/modelux-snapshot.ts";
import { startBenchNats } from "./targets/nats-server.ts";

export const TARGET_NAMES = [
  "direct",
  "bare-proxy",
  "modelux",
  "modelux-fleet",
  "modelux-off",
  "portkey",
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  direct: "simulator direct (floor)",
  "bare-proxy": "bare Bun proxy",
  modelux: "modelux (auth, fallback, budget, WAL trace)",
  "modelux-fleet": "modelux (realistic setup) on NATS JetStream",
  "modelux-off": "modelux (everything off)",
  portkey: "Portkey gateway 1.15.2 on Bun",
};

export interface StartedTarget {
  /** Null for `direct`: the simulator is the target. */
  process: RunningProcess | null;
  /** Chat Completions, plain or streamed: what every target serves. */
  request(stream: boolean): LoadRequest;
  /**
   * The streamed request of each other API this target is measured on (plan.ts `Api`); a step
   * whose API is missing here is not run on this target. The simulator serves the Responses API
   * itself (the floor of the passthrough); the gateways beside modelux are measured on chat only.
   */
  streamed: Partial<Record<Exclude<Api, "chat">, LoadRequest>>;
  /** Processes the target needs beside its own (the fleet's nats-server and control plane). */
  companions?: RunningProcess[];
}

/** The prompt every target receives; 20 tokens out, so answers are the same size everywhere. */
export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    max_tokens: 20,
    messages: [{ role: "user", content: "Say hello in one short sentence." }],
    ...(stream ? { stream: true } : {}),
  });
}

/** The same prompt through the Responses API: `input` for `messages`, `max_output_tokens`. */
export function responsesBody(model: string): string {
  return JSON.stringify({
    model,
    max_output_tokens: 20,
    input: "Say hello in one short sentence.",
    stream: true,
  });
}

const SIMULATOR_AUTH = { Authorization: "Bearer sk-sim" };
const bun = process.execPath;

export async function startTarget(
  name: TargetName,
  simulatorUrl: string,
  cpus: string | null,
  /** Where the fleet target's nats-server and control plane run (the simulator's CPUs). */
  companionCpus: string | null = null,
): Promise<StartedTarget> {
  const openAi =
    (base: string, headers: Record<string, string>, model = "gpt-4o-mini") =>
    (stream: boolean): LoadRequest => ({
      url: `${base}/v1/chat/completions`,
      headers,
      body: chatBody(model, stream),
    });
  switch (name) {
    case "direct":
      return {
        process: null,
        request: openAi(simulatorUrl, SIMULATOR_AUTH),
        streamed: {
          responses: {
            url: `${simulatorUrl}/v1/responses`,
            headers: SIMULATOR_AUTH,
            body: responsesBody("gpt-4o-mini"),
          },
        },
      };
    case "bare-proxy": {
      const started = await spawnServer({
        name,
        command: [bun, join(ROOT, "bench/overhead/targets/bare-proxy.ts")],
        env: { BENCH_UPSTREAM_URL: simulatorUrl },
        cpus,
      });
      return {
        process: started.process,
        request: openAi(started.url, SIMULATOR_AUTH),
        streamed: {},
      };
    }
    case "modelux":
    case "modelux-off": {
      const started = await spawnServer({
        name,
        command: [bun, join(ROOT, "bench/overhead/targets/modelux.ts")],
        env: {
          BENCH_UPSTREAM_URL: simulatorUrl,
          BENCH_MODELUX_SETUP: name === "modelux" ? "full" : "off",
        },
        cpus,
      });
      const base = `${started.url}/openai`;
      const auth = { Authorization: `Bearer ${BENCH_PROXY_KEY}` };
      const responses = (route: string): LoadRequest => ({
        url: `${base}/v1/responses`,
        headers: auth,
        body: responsesBody(`@${route}`),
      });
      return {
        process: started.process,
        request: openAi(base, auth, `@${BENCH_ROUTE}`),
        // The Responses comparison is made on the realistic setup only.
        streamed:
          name === "modelux"
            ? {
                responses: responses(BENCH_ROUTE),
                "chat-claude": openAi(base, auth, `@${BENCH_CLAUDE_ROUTE}`)(true),
                "responses-claude": responses(BENCH_CLAUDE_ROUTE),
              }
            : {},
      };
    }
    case "modelux-fleet": {
      // A fleet node: the bus is a real nats-server with JetStream; the control plane (snapshot,
      // budget state from spend deltas, the trace consumer acking batches) is another process.
      // Both are pinned with the simulator, as they would run on other machines.
      const nats = await startBenchNats(companionCpus);
      const env = {
        BENCH_UPSTREAM_URL: simulatorUrl,
        BENCH_NATS_URL: nats.url,
        BENCH_MODELUX_SETUP: "full",
      };
      const controlPlane = await spawnServer({
        name: "control-plane",
        command: [bun, join(ROOT, "bench/overhead/targets/control-plane.ts")],
        env,
        cpus: companionCpus,
      }).catch(async (error) => {
        await nats.process.stop();
        throw error;
      });
      const started = await spawnServer({
        name,
        command: [bun, join(ROOT, "bench/overhead/targets/modelux.ts")],
        env,
        cpus,
      }).catch(async (error) => {
        await controlPlane.process.stop();
        await nats.process.stop();
        throw error;
      });
      const base = `${started.url}/openai`;
      return {
        process: {
          ...started.process,
          async stop() {
            await started.process.stop();
            await controlPlane.process.stop();
            await nats.process.stop();
          },
        },
        request: openAi(base, { Authorization: `Bearer ${BENCH_PROXY_KEY}` }, `@${BENCH_ROUTE}`),
        streamed: {},
        companions: [nats.process, controlPlane.process],
      };
    }
    case "portkey": {
      const port = freePort();
      const running = spawnProcess({
        name,
        command: [
          bun,
          join(ROOT, "node_modules/@portkey-ai/gateway/build/start-server.js"),
          `--port=${port}`,
          "--headless",
        ],
        // Production: no log UI routes; the gateway's own defaults otherwise.
        env: { NODE_ENV: "production" },
        cpus,
      });
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/`, running);
      return {
        process: running,
        request: openAi(base, {
          ...SIMULATOR_AUTH,
          "x-portkey-provider": "openai",
          "x-portkey-custom-host": `${simulatorUrl}/v1`,
        }),
        streamed: {},
      };
    }
  }
}
