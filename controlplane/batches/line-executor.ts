// What the worker sends a line through: one request on the batch's surface, as the batch's key,
// answered by the full pipeline. `clientRequestId` (X-Request-Id, kept in the line's trace) is
// `<batch>-<line>-<attempt>`, so a trace can be matched to the attempt that made it.

export interface LineAnswer {
  /** The data plane's request id (X-Modelux-Request-Id). */
  requestId: string | null;
  statusCode: number;
  body: unknown;
  costUsd: number;
}

export interface LineExecutor {
  send(
    endpoint: string,
    body: Record<string, unknown>,
    clientRequestId: string,
  ): Promise<LineAnswer>;
  /** The line whose call got `requestId` is recorded (or put back): what was kept for it can go. */
  recorded?(requestId: string): void;
  close(): Promise<void>;
}

export const lineRequestId = (batchId: string, lineIndex: number, attempt: number): string =>
  `${batchId}-${lineIndex}-${attempt}`;

/** An answer's body as a line's result keeps it: its JSON, else the text as it came. */
export function parseLineAnswer(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
