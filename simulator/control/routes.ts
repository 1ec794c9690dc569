// The simulator's control API under /_sim/ (no auth: it only runs on developer machines and
// in tests): inject and clear faults, read and reset the call log, swap latency profiles,
// forget the prompt cache, pace background responses and forget stored ones.
import * as v from "valibot";
import { jsonResponse, parseJsonObject } from "../common/http.ts";
import type { ModelProfile } from "../common/profiles.ts";
import type { SimulatorState } from "../common/state.ts";
import { describeIssue } from "../common/validation.ts";
import type { FormatRoute } from "../formats/wire-format.ts";
import {
  faultRequestSchema,
  faultSpecs,
  profilesRequestSchema,
  responsesSettingsSchema,
  toModelProfiles,
} from "./schemas.ts";

function badRequest(message: string): Response {
  return jsonResponse({ error: { message } }, 400);
}

async function readJson(
  request: Request,
): Promise<{ ok: true; value: unknown } | { ok: false; response: Response }> {
  const raw = await request.text();
  // Arrays are fine here (several faults or profiles at once), so parse without the object rule.
  if (raw.trim().startsWith("[")) {
    try {
      return { ok: true, value: JSON.parse(raw) };
    } catch {
      return { ok: false, response: badRequest("the body is not valid JSON") };
    }
  }
  const parsed = parseJsonObject(raw);
  return parsed.ok
    ? { ok: true, value: parsed.value }
    : { ok: false, response: badRequest(parsed.reason) };
}

/** Infinity is not JSON: unpaced profiles are listed with `tokens_per_second: null`. */
function profileJson(profile: ModelProfile) {
  return {
    ...profile,
    models: profile.models.map(String),
    tokens_per_second: Number.isFinite(profile.tokens_per_second)
      ? profile.tokens_per_second
      : null,
  };
}

export function controlRoutes(state: SimulatorState): FormatRoute[] {
  const faultsBody = () => ({ faults: state.faults.list() });
  const responsesBody = () => ({
    background_polls: state.responses.pollsPerState,
    stored: state.responses.size,
  });
  return [
    { method: "GET", path: "/_sim/health", handle: () => jsonResponse({ status: "ok" }) },
    { method: "GET", path: "/_sim/faults", handle: () => jsonResponse(faultsBody()) },
    {
      method: "POST",
      path: "/_sim/faults",
      async handle(request) {
        const body = await readJson(request);
        if (!body.ok) return body.response;
        const items = Array.isArray(body.value) ? body.value : [body.value];
        const specs = [];
        for (const item of items) {
          const parsed = v.safeParse(faultRequestSchema, item);
          if (!parsed.success) {
            const problem = describeIssue(parsed.issues);
            return badRequest(
              problem.param ? `${problem.param}: ${problem.message}` : problem.message,
            );
          }
          specs.push(...faultSpecs(parsed.output));
        }
        for (const spec of specs) state.faults.add(spec);
        return jsonResponse(faultsBody(), 201);
      },
    },
    {
      method: "DELETE",
      path: "/_sim/faults",
      handle() {
        state.faults.clear();
        return jsonResponse(faultsBody());
      },
    },
    { method: "GET", path: "/_sim/calls", handle: () => jsonResponse(state.calls.snapshot()) },
    {
      method: "DELETE",
      path: "/_sim/calls",
      handle() {
        state.calls.reset();
        return jsonResponse(state.calls.snapshot());
      },
    },
    {
      method: "GET",
      path: "/_sim/profiles",
      handle: () => jsonResponse({ profiles: state.profiles.list().map(profileJson) }),
    },
    {
      method: "PUT",
      path: "/_sim/profiles",
      async handle(request) {
        const body = await readJson(request);
        if (!body.ok) return body.response;
        const parsed = v.safeParse(profilesRequestSchema, body.value);
        if (!parsed.success) {
          const problem = describeIssue(parsed.issues);
          return badRequest(`${problem.param}: ${problem.message}`);
        }
        state.profiles.replace(toModelProfiles(parsed.output));
        return jsonResponse({ profiles: state.profiles.list().map(profileJson) });
      },
    },
    { method: "GET", path: "/_sim/responses", handle: () => jsonResponse(responsesBody()) },
    {
      method: "PUT",
      path: "/_sim/responses",
      async handle(request) {
        const body = await readJson(request);
        if (!body.ok) return body.response;
        const parsed = v.safeParse(responsesSettingsSchema, body.value);
        if (!parsed.success) {
          const problem = describeIssue(parsed.issues);
          return badRequest(`${problem.param}: ${problem.message}`);
        }
        state.responses.pollsPerState = parsed.output.background_polls;
        return jsonResponse(responsesBody());
      },
    },
    {
      method: "DELETE",
      path: "/_sim/responses",
      handle() {
        state.responses.clear();
        return jsonResponse(responsesBody());
      },
    },
    {
      method: "DELETE",
      path: "/_sim/cache",
      handle() {
        state.promptCache.clear();
        return jsonResponse({ cleared: true });
      },
    },
  ];
}
