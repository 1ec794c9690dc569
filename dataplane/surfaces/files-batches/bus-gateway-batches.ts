// Gateway batches for a data plane in a fleet: each call of the GatewayBatchService is a request
// on the bus (GATEWAY_BATCHES_SUBJECT) answered by one control plane (controlplane/batches/
// serve-batches.ts), so the data plane never imports the control plane. Results come back a page
// at a time. A batch larger than one bus message is a 413 naming the limit.
import type { Bus } from "#shared/bus/bus.ts";
import { BusUnavailableError } from "#shared/bus/bus.ts";
import { GATEWAY_BATCHES_SUBJECT } from "#shared/bus/subjects.ts";
import { ERROR_STATUS, type ErrorCode, GatewayError } from "#shared/errors/gateway-error.ts";
import type {
  GatewayBatchReply,
  GatewayBatchRequest,
  GatewayBatchService,
  GatewayBatchState,
} from "./gateway-batch-service.ts";

const TIMEOUT_MS = 10_000;

export function busGatewayBatchService(bus: () => Bus | null): GatewayBatchService {
  const ask = async (request: GatewayBatchRequest): Promise<GatewayBatchReply> => {
    const connected = bus();
    if (!connected) throw new BusUnavailableError("not connected to the bus yet");
    if (request.op === "create") {
      const bytes = Buffer.byteLength(JSON.stringify(request));
      if (bytes > connected.maxTraceBytes())
        throw new GatewayError(
          "payload_too_large",
          `a batch the gateway runs is handed to the control plane in one bus message, at most ${connected.maxTraceBytes()} bytes (NATS max_payload); this one is ${bytes}`,
        );
    }
    const reply = (await connected
      .request(GATEWAY_BATCHES_SUBJECT, request, TIMEOUT_MS)
      .catch((error: unknown) => {
        if (!(error instanceof BusUnavailableError)) throw error;
        throw new GatewayError(
          "unavailable",
          "no control plane answered about gateway-run batches; retry",
          { retryAfterSeconds: 1 },
        );
      })) as GatewayBatchReply | null;
    if (!reply || typeof reply !== "object")
      throw new GatewayError("unavailable", "the control plane gave no answer about the batch");
    if (!reply.ok)
      throw new GatewayError(
        reply.error.code in ERROR_STATUS ? (reply.error.code as ErrorCode) : "internal",
        reply.error.message,
        reply.error.param ? { param: reply.error.param } : {},
      );
    return reply;
  };
  const state = (reply: GatewayBatchReply) =>
    (reply.ok && "state" in reply ? reply.state : null) as GatewayBatchState | null;
  return {
    async create(orgId, batch) {
      const created = state(await ask({ op: "create", orgId, batch }));
      if (!created)
        throw new GatewayError("unavailable", "the control plane did not store the batch");
      return created;
    },
    read: async (orgId, id) => state(await ask({ op: "read", orgId, id })),
    cancel: async (orgId, id) => state(await ask({ op: "cancel", orgId, id })),
    async *results(orgId, id, which) {
      for (let offset = 0; ; ) {
        const reply = await ask({ op: "results", orgId, id, which, offset });
        const page = reply.ok && "lines" in reply ? reply : { lines: [], done: true };
        yield* page.lines;
        offset += page.lines.length;
        if (page.done || page.lines.length === 0) return;
      }
    },
  };
}
