// The checks every fuzz answer must pass (no 5xx, JSON in the caller's error shape, stream events
// too) and the counts kept for the report.
export type Shape = "openai" | "anthropic" | "management" | "generic" | "mcp" | "any";

/**
 * Success bodies that are not JSON by design: exports (declared in the OpenAPI document), docs,
 * a file's content and a batch's JSONL results (streamed down as the provider sent them).
 */
const FILE_TYPES = [
  "text/csv",
  "application/x-ndjson",
  "application/x-jsonl",
  "application/jsonl",
  "application/octet-stream",
  "application/vnd.apache.parquet",
  "text/html",
];

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  ms: number;
}

/** Why an answer fails the fuzz's contract, or null when it passes. */
export function problemWith(answer: Answer, shape: Shape, method: string): string | null {
  if (answer.status >= 500) return `status ${answer.status}`;
  if (method === "HEAD") return answer.text === "" ? null : "HEAD answered with a body";
  if (answer.status === 204 || answer.status === 304)
    return answer.text === "" ? null : `${answer.status} with a body`;
  if (answer.status < 400 && FILE_TYPES.some((type) => answer.contentType.startsWith(type)))
    return null;
  if (answer.status < 400 && answer.contentType.startsWith("text/event-stream"))
    return streamProblem(answer.text);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    return `non-JSON body (${answer.contentType || "no content-type"})`;
  }
  if (!answer.contentType.includes("application/json"))
    return `JSON body sent as ${answer.contentType || "no content-type"}`;
  if (answer.status < 400) return null;
  const body = json as { type?: unknown; jsonrpc?: unknown; error?: Record<string, unknown> };
  const error = body?.error;
  // MCP callers get JSON-RPC errors from the transport, the Management API's shape from the gate.
  if ((shape === "mcp" || shape === "any") && body?.jsonrpc === "2.0")
    return typeof error?.code === "number" && typeof error.message === "string"
      ? null
      : "not a JSON-RPC error";
  if (!error || typeof error !== "object") return "error body without `error`";
  if (typeof error.message !== "string" || typeof error.type !== "string")
    return "error without a string type and message";
  switch (shape) {
    case "openai":
      return "param" in error && body.type === undefined ? null : "not OpenAI's error shape";
    case "anthropic":
      return body.type === "error" ? null : "not Anthropic's error shape";
    case "any":
      return null;
    case "management":
    case "generic":
    case "mcp":
      // A stable string code (modelux.ai's contract) and the HTTP status beside it.
      if (typeof error.code !== "string" || error.code === "")
        return `error.code ${String(error.code)} is not a string code`;
      return error.status === answer.status
        ? null
        : `error.status ${String(error.status)} ≠ ${answer.status}`;
  }
}

function streamProblem(text: string): string | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "[DONE]") continue;
    try {
      JSON.parse(data);
    } catch {
      return `stream event not JSON: ${data.slice(0, 80)}`;
    }
  }
  return null;
}

/** The shape the plane answers errors in, from the path as the server sees it. */
export function shapeOf(pathname: string, plane: "data" | "control"): Shape {
  if (plane === "control") return "management";
  if (pathname === "/openai" || pathname.startsWith("/openai/")) return "openai";
  if (pathname === "/anthropic" || pathname.startsWith("/anthropic/")) return "anthropic";
  return "generic";
}

/** Counts for the report: requests, statuses, contract failures, slowest answer. */
export class FuzzTally {
  requests = 0;
  serverErrors = 0;
  nonJson = 0;
  maxMs = 0;
  readonly statuses = new Map<number, number>();
  readonly failures: string[] = [];

  record(answer: Answer, problem: string | null, request: string) {
    this.requests++;
    this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    if (answer.status >= 500) this.serverErrors++;
    if (problem?.startsWith("non-JSON") || problem?.startsWith("stream event")) this.nonJson++;
    this.maxMs = Math.max(this.maxMs, answer.ms);
    if (problem && this.failures.length < 20)
      this.failures.push(`${problem}: ${request} → ${answer.status} ${answer.text.slice(0, 300)}`);
  }

  summary(): string {
    const statuses = [...this.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status}×${count}`)
      .join(" ");
    return `${this.requests} requests, ${this.serverErrors} 5xx, ${this.nonJson} non-JSON, slowest ${Math.round(this.maxMs)} ms; ${statuses}`;
  }
}
