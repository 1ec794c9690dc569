// Gateway batches for a data plane in a fleet: each call of the GatewayBatchService is a request
// on the bus (GATEWAY_BATCHES_SUBJECT) answered by one control plane (controlplane/batches/
// serve-batches.ts), so the data plane never imports the control plane. A batch is created in
// steps whose messages each fit in one bus message (its lines appended a chunk at a time, the
// next chunk sent once the last is stored); results come back a page at a time. A single line
// larger than a bus message is a 413 naming it.
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
/** Room in a message for the request around its lines (op, ids, JSON). */
const ENVELOPE_BYTES = 16 * 1024;
/** NATS's default max_payload, while no bus is connected yet. */
const DEFAULT_MESSAGE_BYTES = 1024 * 1024;

export function busGatewayBatchService(bus: () => Bus | null): GatewayBatchService {
  const messageBytes = () => bus()?.maxTraceBytes() ?? DEFAULT_MESSAGE_BYTES;
  const ask = async (request: GatewayBatchRequest): Promise<GatewayBatchReply> => {
    const connected = bus();
    if (!connected) throw new BusUnavailableError("not connected to the bus yet");
    if (request.op === "append") {
      const bytes = Buffer.byteLength(JSON.stringify(request));
      if (bytes > connected.maxTraceBytes())
        throw new GatewayError(
          "payload_too_large",
          `line ${request.first + 1} of the batch is ${bytes} bytes with its envelope: a batch the gateway runs is handed to the control plane a bus message at a time, at most ${connected.maxTraceBytes()} bytes (NATS max_payload)`,
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
  const stored = (reply: GatewayBatchReply, what: string) => {
    if (!reply.ok || !("done" in reply) || reply.done !== true)
      throw new GatewayError("unavailable", `the control plane did not ${what}`);
  };
  return {
    get appendBytes() {
      return Math.max(1, messageBytes() - ENVELOPE_BYTES);
    },
    async stage(orgId, batch) {
      const reply = await ask({ op: "stage", orgId, batch });
      if (!reply.ok || !("staged" in reply))
        throw new GatewayError("unavailable", "the control plane did not store the batch");
      return reply.staged;
    },
    async append(orgId, id, first, lines) {
      stored(await ask({ op: "append", orgId, id, first, lines }), "store the batch's lines");
    },
    async commit(orgId, id, total) {
      const committed = state(await ask({ op: "commit", orgId, id, total }));
      if (!committed)
        throw new GatewayError("unavailable", "the control plane did not store the batch");
      return committed;
    },
    async discard(orgId, id) {
      stored(await ask({ op: "discard", orgId, id }), "drop the batch");
    },
    read: async (orgId, id) => state(await ask({ op: "read", orgId, id })),
    cancel: async (orgId, id) => state(await ask({ op: "cancel", orgId, id })),
    async delete(orgId, id) {
      const reply = await ask({ op: "delete", orgId, id });
      return reply.ok && "deleted" in reply && reply.deleted;
    },
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
