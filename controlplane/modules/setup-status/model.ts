// What is configured, and what is still missing before a first request can be served.
import * as v from "valibot";

export const setupStepView = v.object({
  id: v.string(),
  done: v.boolean(),
  required: v.boolean(),
  message: v.string(),
  tool: v.pipe(v.string(), v.description("The MCP tool (and operation id) that does this step.")),
});

export const setupStatusView = v.object({
  ready: v.pipe(v.boolean(), v.description("True when every required step is done.")),
  counts: v.object({
    projects: v.number(),
    providers: v.number(),
    verified_providers: v.number(),
    active_api_keys: v.number(),
    routing_configs: v.number(),
    budgets: v.number(),
    webhooks: v.number(),
  }),
  steps: v.array(setupStepView),
  first_request: v.pipe(
    v.nullable(
      v.object({
        method: v.string(),
        path: v.string(),
        headers: v.record(v.string(), v.string()),
        body: v.record(v.string(), v.unknown()),
      }),
    ),
    v.description("A request that should work now (with your proxy key), once ready."),
  ),
});
export type SetupStatus = v.InferOutput<typeof setupStatusView>;
