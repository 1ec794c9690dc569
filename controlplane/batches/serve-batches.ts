// The control plane's answer to a fleet's data planes about gateway batches: GatewayBatchService
// calls arriving as bus requests (dataplane's bus-gateway-batches.ts), served from the batch tables.
// Every call is scoped to the org the request names (the data plane authenticated the key). A
// create comes as steps (stage, append chunks of lines each within a bus message, commit); results
// go back a page at a time, under half a bus message.
import type { Bus, Subscription } from "#shared/bus/bus.ts";
import { GATEWAY_BATCHES_SUBJECT } from "#shared/bus/subjects.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import type {
  GatewayBatchReply,
  GatewayBatchRequest,
  GatewayBatchService,
} from "../../dataplane/in-process.ts";

const PAGE_LINES = 200;

export function serveGatewayBatches(
  bus: Bus,
  service: GatewayBatchService,
  log: (message: string) => void,
): Promise<Subscription> {
  const pageBytes = Math.floor(bus.maxTraceBytes() / 2);
  return bus.serveRequests(GATEWAY_BATCHES_SUBJECT, async (body) => {
    const request = body as GatewayBatchRequest | null;
    try {
      if (!request || typeof request !== "object" || typeof request.orgId !== "string")
        throw new GatewayError("invalid_request", "not a gateway batch request");
      switch (request.op) {
        case "stage":
          return { ok: true, staged: await service.stage(request.orgId, request.batch) };
        case "append":
          await service.append(request.orgId, request.id, request.first, request.lines);
          return { ok: true, done: true };
        case "commit":
          return {
            ok: true,
            state: await service.commit(request.orgId, request.id, request.total),
          };
        case "discard":
          await service.discard(request.orgId, request.id);
          return { ok: true, done: true };
        case "delete":
          return { ok: true, deleted: await service.delete(request.orgId, request.id) };
        case "read":
          return { ok: true, state: await service.read(request.orgId, request.id) };
        case "cancel":
          return { ok: true, state: await service.cancel(request.orgId, request.id) };
        case "results": {
          const lines: Array<Record<string, unknown>> = [];
          let bytes = 0;
          let index = 0;
          // Skips what earlier pages carried: results are read in line order, pages are few.
          for await (const line of service.results(request.orgId, request.id, request.which)) {
            if (index++ < request.offset) continue;
            bytes += JSON.stringify(line).length;
            if (lines.length > 0 && (lines.length >= PAGE_LINES || bytes > pageBytes))
              return { ok: true, lines, done: false } satisfies GatewayBatchReply;
            lines.push(line);
          }
          return { ok: true, lines, done: true } satisfies GatewayBatchReply;
        }
        default:
          throw new GatewayError("invalid_request", "unknown gateway batch request");
      }
    } catch (error) {
      if (error instanceof GatewayError)
        return {
          ok: false,
          error: {
            code: error.code,
            message: error.message,
            ...(error.details.param ? { param: error.details.param } : {}),
          },
        } satisfies GatewayBatchReply;
      log(`gateway batches: ${(error as Error).message}`);
      return {
        ok: false,
        error: { code: "internal", message: "the control plane could not serve the batch call" },
      } satisfies GatewayBatchReply;
    }
  });
}
