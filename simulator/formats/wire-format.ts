// What a wire format contributes to the simulator: its routes. Each format lives in its own
// folder and builds these from the shared state; the server only mounts them.
import type { SimulatorState } from "../common/state.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

export interface FormatRoute {
  method: HttpMethod;
  /** A Bun route pattern, e.g. "/v1/messages" or "/v1/models/:model". */
  path: string;
  /**
   * When several formats serve the same method and path (both vendors have GET /v1/models),
   * the first route that recognizes the request answers; a route without it is the fallback.
   */
  recognizes?: (request: Request) => boolean;
  /** POST routes answer with an armed replay recording unless this is false. */
  replayable?: boolean;
  handle(request: Request): Response | Promise<Response>;
}

export interface WireFormat {
  name: string;
  routes: FormatRoute[];
}

export type CreateWireFormat = (state: SimulatorState) => WireFormat;
