// Batches the gateway runs itself (issue 17 §3: a batch on an `@config`, or for a vendor without a
// batch API) live in an id namespace of their own, so every call with such an id goes to their
// runner, never to a vendor: `batch_mlx_…` on the OpenAI surface, `msgbatch_mlx_…` on
// Anthropic's, and their OpenAI output / error files `file_mlx_…`. Without a runner plugged in
// (filesBatchesPlugin's `gatewayBatches`), creating one is a 400 naming why and every such id a 404.
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type { CallContext, Surface } from "./call-context.ts";

export const GATEWAY_BATCH_PREFIX: Record<Surface, string> = {
  openai: "batch_mlx_",
  anthropic: "msgbatch_mlx_",
};
export const GATEWAY_FILE_PREFIX = "file_mlx_";

/** The spend cap of a gateway-run batch, in US dollars (both surfaces). */
export const SPEND_CAP_HEADER = "x-modelux-batch-spend-cap-usd";

export type GatewayBatchOperation = "retrieve" | "cancel" | "delete" | "results";

export interface GatewayBatchInput {
  /** Why the gateway runs it (a line names a routing config, …). */
  reason: string;
  endpoint: string;
  inputFileId: string | null;
  /** OpenAI's `completion_window` as sent (`24h`); null: the surface's default. */
  completionWindow: string | null;
  metadata: Record<string, string> | null;
  /**
   * The lines as they are read (an input file line by line, a spooled body request by request),
   * checked as they come: the runner stores them in chunks, never holding the batch whole. A
   * line that fails (throws) drops what was stored of the batch.
   */
  requests: AsyncIterable<{ customId: string; body: Record<string, unknown> }>;
}

/** The runner of gateway batches, as the surfaces hand calls to it. */
export interface GatewayBatches {
  create(call: CallContext, input: GatewayBatchInput): Promise<Response>;
  /** A call on one of its batches, by id. */
  handle(call: CallContext, operation: GatewayBatchOperation, id: string): Promise<Response>;
  /** The content of one of its OpenAI output / error files (`file_mlx_…`). */
  fileContent(call: CallContext, id: string): Promise<Response>;
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
    `${reason}: batches the gateway runs itself (on a routing config, or for a vendor without a batch API) are not available on this gateway; name a provider's model`,
    { param },
  );
}

/** A passthrough batch is the vendor's to run: a spend cap would not be honoured, so it is refused. */
export function refuseSpendCapOnPassthrough(call: CallContext): void {
  if (call.request.headers.has(SPEND_CAP_HEADER))
    throw new GatewayError(
      "invalid_request",
      "X-Modelux-Batch-Spend-Cap-Usd applies to batches the gateway runs (lines on a routing config); a vendor's batch is admitted against the budgets instead",
      { param: SPEND_CAP_HEADER },
    );
}
