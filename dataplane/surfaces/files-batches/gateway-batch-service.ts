// What the surfaces need of whoever keeps and runs gateway batches (the control plane's batch
// store and worker), in plain data so it can be handed in directly (the embedded default passes
// the control plane's implementation in) or carried over a transport. The surfaces render it in
// their own shapes (gateway-batch-runner.ts).
//
// A batch is created in steps, so its lines never sit whole in one place: `stage` stores the
// batch (not visible, not run), `append` adds its lines a bounded chunk at a time (at most
// `appendBytes` of lines per call, in line order; a chunk sent again is stored once), `commit`
// makes it visible and runnable once every line is there, `discard` drops a batch whose
// creation failed (one left staged is dropped by the control plane after an hour without an
// append). createGatewayBatchFrom drives the steps from the lines as they are read.
export type GatewayBatchSurface = "openai" | "anthropic";

export interface NewGatewayBatch {
  projectId: string;
  keyId: string;
  surface: GatewayBatchSurface;
  /** The path each line is sent to on its surface (`/v1/chat/completions`, `/v1/messages`). */
  endpoint: string;
  reason: string;
  inputFileId: string | null;
  metadata: Record<string, string> | null;
  /** Epoch ms: the completion window's end; lines not sent by then end `expired`. */
  deadlineAt: number | null;
  spendCapUsd: number | null;
}

export interface GatewayBatchLine {
  customId: string;
  body: Record<string, unknown>;
}

export interface GatewayBatchState {
  id: string;
  surface: GatewayBatchSurface;
  endpoint: string;
  status: "in_progress" | "cancelling" | "ended";
  endReason: "completed" | "cancelled" | "expired" | "spend_cap" | null;
  inputFileId: string | null;
  metadata: Record<string, string> | null;
  /** Epoch ms. */
  createdAt: number;
  deadlineAt: number | null;
  cancelRequestedAt: number | null;
  endedAt: number | null;
  spendCapUsd: number | null;
  counts: {
    total: number;
    pending: number;
    claimed: number;
    succeeded: number;
    errored: number;
    canceled: number;
    expired: number;
    spentUsd: number;
  };
}

export type GatewayBatchResultSet = "output" | "errors" | "all";

export interface GatewayBatchService {
  /** The most bytes of lines (their JSON) one `append` may carry. */
  readonly appendBytes: number;
  /** Stores a batch to be filled: its id, neither visible nor run until committed. */
  stage(orgId: string, batch: NewGatewayBatch): Promise<{ id: string }>;
  /** Lines `first`, `first + 1`, … of a staged batch; lines already stored are kept as they are. */
  append(orgId: string, id: string, first: number, lines: GatewayBatchLine[]): Promise<void>;
  /** The staged batch with `total` lines, visible and run from now on; a 400 when lines are missing. */
  commit(orgId: string, id: string, total: number): Promise<GatewayBatchState>;
  /** Drops a staged batch (its creation failed); nothing happens to a committed one. */
  discard(orgId: string, id: string): Promise<void>;
  /** Null when the org has no such batch. */
  read(orgId: string, id: string): Promise<GatewayBatchState | null>;
  cancel(orgId: string, id: string): Promise<GatewayBatchState | null>;
  /**
   * Deletes an ended batch and its results; false when the org has no such batch, a 400
   * (`invalid_request`) while it has not ended (cancel it first, as Anthropic's API says).
   */
  delete(orgId: string, id: string): Promise<boolean>;
  /** Finished lines in line order, in the surface's result-line shape (partial while it runs). */
  results(
    orgId: string,
    id: string,
    which: GatewayBatchResultSet,
  ): AsyncIterable<Record<string, unknown>>;
}

/** Lines per `append` at most, whatever their size. */
const APPEND_LINES = 1_000;

/**
 * Creates a batch from its lines as they come (an input file read line by line, a spooled
 * body): stored in chunks of at most `service.appendBytes`, so memory holds one chunk, never the
 * batch. A line that fails (`lines` throws) discards what was staged and throws on.
 */
export async function createGatewayBatchFrom(
  service: GatewayBatchService,
  orgId: string,
  batch: NewGatewayBatch,
  lines: AsyncIterable<GatewayBatchLine> | Iterable<GatewayBatchLine>,
): Promise<GatewayBatchState> {
  const { id } = await service.stage(orgId, batch);
  try {
    let chunk: GatewayBatchLine[] = [];
    let bytes = 0;
    let first = 0;
    const send = async () => {
      await service.append(orgId, id, first, chunk);
      first += chunk.length;
      chunk = [];
      bytes = 0;
    };
    for await (const line of lines) {
      const size = Buffer.byteLength(JSON.stringify(line.body)) + line.customId.length + 64;
      if (chunk.length > 0 && (bytes + size > service.appendBytes || chunk.length >= APPEND_LINES))
        await send();
      chunk.push(line);
      bytes += size;
    }
    if (chunk.length > 0) await send();
    return await service.commit(orgId, id, first);
  } catch (error) {
    await service.discard(orgId, id).catch(() => {});
    throw error;
  }
}

/** The service's calls as bus requests (bus-gateway-batches.ts, a fleet's data plane). */
export type GatewayBatchRequest =
  | { op: "stage"; orgId: string; batch: NewGatewayBatch }
  | { op: "append"; orgId: string; id: string; first: number; lines: GatewayBatchLine[] }
  | { op: "commit"; orgId: string; id: string; total: number }
  | { op: "read" | "cancel" | "delete" | "discard"; orgId: string; id: string }
  | { op: "results"; orgId: string; id: string; which: GatewayBatchResultSet; offset: number };

export type GatewayBatchReply =
  | { ok: true; state: GatewayBatchState | null }
  | { ok: true; staged: { id: string } }
  | { ok: true; done: true }
  | { ok: true; deleted: boolean }
  | { ok: true; lines: Array<Record<string, unknown>>; done: boolean }
  | { ok: false; error: { code: string; message: string; param?: string } };
