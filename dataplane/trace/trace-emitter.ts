// Where finished traces go. The data plane hands every trace here without waiting; the
// warehouse emitter (JetStream → Parquet, issue 7) implements the same interface. The default
// keeps the most recent traces in memory, for tests and for a node's own debugging.
import type { DecisionTrace } from "./decision-trace.ts";

export interface TraceEmitter {
  /** Must not block or throw: called on the request path after the response is decided. */
  emit(trace: DecisionTrace): void;
  /**
   * Optional group commit (the write-ahead log): the trace is written with those of the other
   * requests finished in the same turn of the event loop; the promise resolves once it is
   * written, null when it was written before returning. A caller that answers after that keeps
   * "written before the response" for a share of a write.
   */
  emitGrouped?(trace: DecisionTrace): Promise<void> | null;
}

export class RecentTraces implements TraceEmitter {
  private readonly buffer: DecisionTrace[] = [];
  private next = 0;

  constructor(private readonly capacity = 1_000) {}

  emit(trace: DecisionTrace): void {
    if (this.buffer.length < this.capacity) this.buffer.push(trace);
    else this.buffer[this.next] = trace;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  all(): DecisionTrace[] {
    if (this.buffer.length < this.capacity) return [...this.buffer];
    return [...this.buffer.slice(this.next), ...this.buffer.slice(0, this.next)];
  }

  find(requestId: string): DecisionTrace | undefined {
    return this.buffer.find((trace) => trace.request_id === requestId);
  }
}
