// What reached the simulator: calls per (format, model) and the last request of each format,
// headers and body exactly as received, so tests can check what a gateway forwarded.

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The body as received, byte for byte (decoded as UTF-8). */
  raw_body: string;
  /** The parsed body, or null when it was not JSON. */
  body: unknown;
}

export interface CallLogSnapshot {
  /** counts[format][model] = calls. */
  counts: Record<string, Record<string, number>>;
  last: Record<string, RecordedRequest>;
}

export class CallLog {
  private counts = new Map<string, Map<string, number>>();
  private last = new Map<string, RecordedRequest>();

  record(format: string, model: string, request: Request, rawBody: string, body: unknown): void {
    let perModel = this.counts.get(format);
    if (!perModel) {
      perModel = new Map();
      this.counts.set(format, perModel);
    }
    perModel.set(model, (perModel.get(model) ?? 0) + 1);
    const url = new URL(request.url);
    this.last.set(format, {
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      raw_body: rawBody,
      body,
    });
  }

  reset(): void {
    this.counts.clear();
    this.last.clear();
  }

  snapshot(): CallLogSnapshot {
    const counts: CallLogSnapshot["counts"] = {};
    for (const [format, perModel] of this.counts) counts[format] = Object.fromEntries(perModel);
    return { counts, last: Object.fromEntries(this.last) };
  }
}
