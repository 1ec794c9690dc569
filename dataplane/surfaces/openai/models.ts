// GET /openai/v1/models: what the key's project can name. For now its routing configs; the
// price catalog adds concrete models later.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { DataPlaneContext } from "../../context.ts";
import { authenticate } from "../../pipeline/authenticate.ts";

export function handleListModels(request: Request, context: DataPlaneContext): Response {
  const config = context.loader.current;
  if (!config) throw new GatewayError("unavailable", "no config snapshot loaded yet");
  const key = authenticate(config, request.headers, context.revokedKeyHashes);
  const created = Math.floor(Date.parse(config.createdAt) / 1000);
  const data = [...config.routingConfigs.values()]
    .filter((routing) => routing.project_id === key.projectId)
    .map((routing) => ({ id: `@${routing.slug}`, object: "model", created, owned_by: "modelux" }));
  return Response.json({ object: "list", data });
}
