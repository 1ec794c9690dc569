// Files and batches on both surfaces as one Elysia plugin (DESIGN §12a, docs/batches-and-files.md):
// /openai/v1/files, /openai/v1/batches, /anthropic/v1/files, /anthropic/v1/messages/batches.
// Bodies are not parsed by the framework (`parse: "none"`): uploads stream through. Every failure
// is an answer in the surface's error shape (serveSurface). Batches the gateway runs itself plug
// in through `gatewayBatches` (gateway-batches.ts).
import { Elysia } from "elysia";
import type { DataPlaneContext } from "../../context.ts";
import { serveSurface } from "../respond-error.ts";
import {
  anthropicBatchCall,
  anthropicBatchResults,
  createAnthropicBatch,
  listAnthropicBatches,
} from "./anthropic-batches.ts";
import { type CallContext, openCall, type Surface } from "./call-context.ts";
import { deleteFile, fileContent, listFiles, retrieveFile, uploadFile } from "./files.ts";
import { GATEWAY_FILE_PREFIX, type GatewayBatches } from "./gateway-batches.ts";
import {
  cancelOpenAiBatch,
  createOpenAiBatch,
  listOpenAiBatches,
  retrieveOpenAiBatch,
  settleFromOutput,
} from "./openai-batches.ts";

export interface FilesBatchesOptions {
  gatewayBatches?: GatewayBatches;
}

export function filesBatchesPlugin(context: DataPlaneContext, options: FilesBatchesOptions = {}) {
  const runner = options.gatewayBatches;
  const serve =
    (surface: Surface, handler: (call: CallContext, id: string) => Promise<Response>) =>
    ({ request, params }: { request: Request; params?: Record<string, string | undefined> }) =>
      serveSurface(surface, (requestId) =>
        handler(openCall(request, context, requestId, surface), params?.id ?? ""),
      );
  const none = { parse: "none" as const };
  const settleOutput = (call: CallContext) => (batchId: string) => {
    settleFromOutput(call, batchId).catch((error) =>
      console.error(`batch ${batchId}: settlement on reading its output failed:`, error),
    );
  };
  const files = (surface: Surface, prefix: string) =>
    new Elysia({ name: `modelux.files.${surface}`, prefix })
      .post("/files", serve(surface, uploadFile), none)
      .get("/files", serve(surface, listFiles))
      .get("/files/:id", serve(surface, retrieveFile))
      .get(
        "/files/:id/content",
        serve(surface, (call, id) =>
          runner && surface === "openai" && id.startsWith(GATEWAY_FILE_PREFIX)
            ? runner.fileContent(call, id)
            : fileContent(call, id, settleOutput(call)),
        ),
      )
      .delete("/files/:id", serve(surface, deleteFile));
  return new Elysia({ name: "modelux.surface.files-batches" })
    .use(files("openai", "/openai/v1"))
    .use(files("anthropic", "/anthropic/v1"))
    .post(
      "/openai/v1/batches",
      serve("openai", (call) => createOpenAiBatch(call, runner)),
      none,
    )
    .get("/openai/v1/batches", serve("openai", listOpenAiBatches))
    .get(
      "/openai/v1/batches/:id",
      serve("openai", (call, id) => retrieveOpenAiBatch(call, id, runner)),
    )
    .post(
      "/openai/v1/batches/:id/cancel",
      serve("openai", (call, id) => cancelOpenAiBatch(call, id, runner)),
      none,
    )
    .post(
      "/anthropic/v1/messages/batches",
      serve("anthropic", (call) => createAnthropicBatch(call, runner)),
      none,
    )
    .get("/anthropic/v1/messages/batches", serve("anthropic", listAnthropicBatches))
    .get(
      "/anthropic/v1/messages/batches/:id",
      serve("anthropic", (call, id) => anthropicBatchCall(call, "retrieve", id, runner)),
    )
    .post(
      "/anthropic/v1/messages/batches/:id/cancel",
      serve("anthropic", (call, id) => anthropicBatchCall(call, "cancel", id, runner)),
      none,
    )
    .delete(
      "/anthropic/v1/messages/batches/:id",
      serve("anthropic", (call, id) => anthropicBatchCall(call, "delete", id, runner)),
    )
    .get(
      "/anthropic/v1/messages/batches/:id/results",
      serve("anthropic", (call, id) => anthropicBatchResults(call, id, runner)),
    );
}
