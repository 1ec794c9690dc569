// The provider simulator: one HTTP server speaking the vendors' wire formats, with per-model
// latency profiles, deterministic answers, and a control API under /_sim/ for fault injection.
// Plain Bun.serve with its native router: benchmarks measure the gateway through this server.

import { jsonResponse } from "./common/http.ts";
import type { LatencyProfile, ModelProfile } from "./common/profiles.ts";
import { createSimulatorState } from "./common/state.ts";
import { batchControlRoutes } from "./control/batch-routes.ts";
import { replayRoutes } from "./control/replay-routes.ts";
import { controlRoutes } from "./control/routes.ts";
import { WIRE_FORMATS } from "./formats/index.ts";
import type { FormatRoute, HttpMethod } from "./formats/wire-format.ts";
import { DEFAULT_RECORDINGS_ROOT } from "./replay/recordings.ts";
import { ReplayTable } from "./replay/replay-table.ts";
import { withReplay } from "./replay/with-replay.ts";

export type { LatencyProfile, ModelProfile } from "./common/profiles.ts";
export { instantProfile, realisticProfiles } from "./common/profiles.ts";

export interface SimulatorOptions {
  /** 0 picks a free port; the real one is returned. */
  port: number;
  /** 127.0.0.1 unless set. */
  hostname?: string;
  /** Named latency profiles, matched against the request's model in order. */
  profiles?: ModelProfile[];
  /** For models no profile matches: answers at once, unpaced, unless set. */
  defaultProfile?: LatencyProfile;
  /** Where the replay mode reads recordings; this checkout's test/fixtures/provider-recordings unless set. */
  recordingsRoot?: string;
  /** Reads a background Responses API response spends queued, then in progress (1 unless set). */
  backgroundPolls?: number;
}

export interface RunningSimulator {
  /** Base URL without a path, e.g. http://127.0.0.1:8090; vendors' base URLs add `/v1`. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

type Handler = (request: Request) => Response | Promise<Response>;

/** Several formats may share a method and path; the first that recognizes the request answers. */
function dispatch(routes: FormatRoute[]): Handler {
  const [only] = routes;
  if (routes.length === 1 && only) return (request) => only.handle(request);
  const fallback = routes.find((route) => !route.recognizes) ?? only;
  return (request) => {
    const route = routes.find((candidate) => candidate.recognizes?.(request)) ?? fallback;
    return (route as FormatRoute).handle(request);
  };
}

function routeTable(routes: FormatRoute[]): Record<string, Partial<Record<HttpMethod, Handler>>> {
  const grouped = new Map<string, Map<HttpMethod, FormatRoute[]>>();
  for (const route of routes) {
    const byMethod = grouped.get(route.path) ?? new Map<HttpMethod, FormatRoute[]>();
    grouped.set(route.path, byMethod);
    byMethod.set(route.method, [...(byMethod.get(route.method) ?? []), route]);
  }
  const table: Record<string, Partial<Record<HttpMethod, Handler>>> = {};
  for (const [path, byMethod] of grouped) {
    const handlers: Partial<Record<HttpMethod, Handler>> = {};
    for (const [method, candidates] of byMethod) handlers[method] = dispatch(candidates);
    table[path] = handlers;
  }
  return table;
}

export function startSimulator(options: SimulatorOptions): RunningSimulator {
  const state = createSimulatorState(options.profiles, options.defaultProfile);
  if (options.backgroundPolls !== undefined)
    state.responses.pollsPerState = options.backgroundPolls;
  const replay = new ReplayTable();
  const formats = WIRE_FORMATS.map((create) => withReplay(create(state), replay));
  const routes = [
    ...formats.flatMap((format) => format.routes),
    ...controlRoutes(state),
    ...batchControlRoutes(state),
    ...replayRoutes(replay, {
      root: options.recordingsRoot ?? DEFAULT_RECORDINGS_ROOT,
      formats: formats.map((format) => format.name),
    }),
  ];
  const hostname = options.hostname ?? "127.0.0.1";
  const server = Bun.serve({
    hostname,
    port: options.port,
    development: false,
    // Stalls and paced streams can stay quiet for long; Bun's default 10 s would cut them.
    idleTimeout: 255,
    // File uploads (the vendors take 512 MB): Bun's default 128 MiB would refuse them first.
    maxRequestBodySize: 1024 * 1024 * 1024,
    routes: routeTable(routes),
    fetch(request) {
      const { pathname } = new URL(request.url);
      return jsonResponse(
        {
          error: {
            type: "not_found",
            message: `the simulator has no ${request.method} ${pathname}`,
          },
        },
        404,
      );
    },
    error(error) {
      return jsonResponse({ error: { type: "simulator_error", message: error.message } }, 500);
    },
  });
  const port = server.port ?? options.port;
  const reachableHost = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  return {
    url: `http://${reachableHost}:${port}`,
    port,
    stop: async () => {
      await server.stop(true);
      state.files.clear();
    },
  };
}
