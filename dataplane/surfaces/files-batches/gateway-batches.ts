// Batches the gateway runs itself (issue 17 §3: a batch on an `@config`, or for a vendor without a
// batch API) live in an id namespace of their own, so every call with such an id goes to their
// runner, never to a vendor: `batch_mlx_…` on the OpenAI surface, `msgbatch_mlx_…` on
// Anthropic's. Until a runner is plugged in (filesBatchesPlugin's `gatewayBatches`), creating one
// is a 400 naming why and every such id is a 404.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { CallContext, Surface } from "./call-context.ts";

export const GATEWAY_BATCH_PREFIX: Record<Surface, string> = {
  openai: "batch_mlx_",
  anthropic: "msgbatch_mlx_",
};

export type GatewayBatchOperation = "retrieve" | "cancel" | "delete" | "results";

/** The runner of gateway batches, as the surfaces hand calls to it. */
export interface GatewayBatches {
  /**
   * A new batch whose requests need the gateway (`reason` says why): `requests` are the client's
   * request objects in its surface's shape (OpenAI's input lines, Anthropic's `requests`).
   */
  create(
    call: CallContext,
    input: { reason: string; requests: AsyncIterable<Record<string, unknown>> },
  ): Promise<Response>;
  /** A call on one of its batches, by id. */
  handle(call: CallContext, operation: GatewayBatchOperation, id: string): Promise<Response>;
}

export function isGatewayBatchId(surface: Surface, id: string): boolean {
  return id.startsWith(GATEWAY_BATCH_PREFIX[surface]);
}

export function gatewayBatchCall(
  runner: GatewayBatches | undefined,
  call: CallContext,
  operation: GatewayBatchOperation,
  id: string,
): Promise<Response> {
  if (!runner) throw new GatewayError("not_found", `no batch ${JSON.stringify(id)}`);
  return runner.handle(call, operation, id);
}

/** Why a batch must be run by the gateway, refused while no runner is plugged in. */
export function gatewayBatchRefusal(reason: string, param: string): GatewayError {
  return new GatewayError(
    "invalid_request",
    `${reason}: batches the gateway runs itself (on a routing config, or for a vendor without a batch API) are not available yet; name a provider's model`,
    { param },
  );
}
