// Faults injected through the control API: a status for the next N calls of a model, a stall
// before answering, or a stream cut after N chunks. Each fault counts down on the calls it hits.
import { compileModelPattern } from "./model-pattern.ts";

export type FaultEffect =
  /** `inStream`: inside a 200 stream where the wire format has error events (Responses). */
  | { kind: "status"; status: number; body: unknown; inStream?: boolean }
  | { kind: "stall"; stallMs: number }
  /** Streams only; after 0 chunks the connection drops before the response headers. */
  | { kind: "cut"; cutAfterChunks: number };

export interface FaultSpec {
  /** Model name, glob with `*`, or "*" for every model. */
  model: string;
  /** Only calls in this wire format ("openai", "anthropic", …); every format when absent. */
  format: string | undefined;
  /** How many calls it hits; null = until cleared. */
  count: number | null;
  effect: FaultEffect;
}

interface ActiveFault extends FaultSpec {
  pattern: RegExp;
  remaining: number;
}

/** What hits one call: at most one fault of each kind. */
export interface FaultHit {
  status?: { status: number; body: unknown; inStream?: boolean };
  stallMs?: number;
  cutAfterChunks?: number;
}

export class FaultTable {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): void {
    this.faults.push({
      ...spec,
      pattern: compileModelPattern(spec.model),
      remaining: spec.count ?? Number.POSITIVE_INFINITY,
    });
  }

  clear(): void {
    this.faults = [];
  }

  list(): FaultSpec[] {
    return this.faults.map(({ model, format, effect, remaining }) => ({
      model,
      format,
      effect,
      count: Number.isFinite(remaining) ? remaining : null,
    }));
  }

  /** Consumes the faults that apply to one call; undefined (and no work) when none are set. */
  take(format: string, model: string, streaming: boolean): FaultHit | undefined {
    if (this.faults.length === 0) return undefined;
    const hit: FaultHit = {};
    const taken = new Set<FaultEffect["kind"]>();
    for (const fault of this.faults) {
      const { effect } = fault;
      if (taken.has(effect.kind)) continue;
      if (fault.format !== undefined && fault.format !== format) continue;
      if (!fault.pattern.test(model)) continue;
      // A cut is about streams; a plain request leaves it for the next stream.
      if (effect.kind === "cut" && !streaming) continue;
      taken.add(effect.kind);
      fault.remaining--;
      if (effect.kind === "status")
        hit.status = { status: effect.status, body: effect.body, inStream: effect.inStream };
      else if (effect.kind === "stall") hit.stallMs = effect.stallMs;
      else hit.cutAfterChunks = effect.cutAfterChunks;
    }
    this.faults = this.faults.filter((fault) => fault.remaining > 0);
    return taken.size > 0 ? hit : undefined;
  }
}
