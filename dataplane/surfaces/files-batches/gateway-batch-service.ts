// What the surfaces need of whoever keeps and runs gateway batches (the control plane's batch
// store and worker), in plain data so it can be handed in directly (the embedded default passes
// the control plane's implementation in) or carried over a transport. The surfaces render it in
// their own shapes (gateway-batch-runner.ts).
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
  lines: Array<{ customId: string; body: Record<string, unknown> }>;
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
  create(orgId: string, batch: NewGatewayBatch): Promise<GatewayBatchState>;
  /** Null when the org has no such batch. */
  read(orgId: string, id: string): Promise<GatewayBatchState | null>;
  cancel(orgId: string, id: string): Promise<GatewayBatchState | null>;
  /** Finished lines in line order, in the surface's result-line shape (partial while it runs). */
  results(
    orgId: string,
    id: string,
    which: GatewayBatchResultSet,
  ): AsyncIterable<Record<string, unknown>>;
}

/** The service's calls as bus requests (bus-gateway-batches.ts, a fleet's data plane). */
export type GatewayBatchRequest =
  | { op: "create"; orgId: string; batch: NewGatewayBatch }
  | { op: "read" | "cancel"; orgId: string; id: string }
  | { op: "results"; orgId: string; id: string; which: GatewayBatchResultSet; offset: number };

export type GatewayBatchReply =
  | { ok: true; state: GatewayBatchState | null }
  | { ok: true; lines: Array<Record<string, unknown>>; done: boolean }
  | { ok: false; error: { code: string; message: string; param?: string } };
