// What the replay mode has armed: per wire format, a queue of recordings, each for the next N
// calls of that format. A call takes from the head of its format's queue.
import type { LoadedRecording } from "./recordings.ts";

export interface ArmedReplay {
  format: string;
  recording: LoadedRecording;
  remaining: number;
}

export interface ArmedReplayView {
  format: string;
  recording: string;
  json: string | null;
  chunks: string | null;
  count: number;
}

export class ReplayTable {
  private readonly queues = new Map<string, ArmedReplay[]>();

  arm(format: string, recording: LoadedRecording, count: number): void {
    const queue = this.queues.get(format) ?? [];
    queue.push({ format, recording, remaining: count });
    this.queues.set(format, queue);
  }

  /** Cheap enough for every call: formats with nothing armed never look further. */
  isArmed(format: string): boolean {
    return this.queues.has(format);
  }

  /** Uses one call of the first recording armed for the format. */
  take(format: string): LoadedRecording | undefined {
    const queue = this.queues.get(format);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining--;
    if (head.remaining <= 0) queue.shift();
    if (queue.length === 0) this.queues.delete(format);
    return head.recording;
  }

  clear(): void {
    this.queues.clear();
  }

  list(): ArmedReplayView[] {
    return [...this.queues.values()].flat().map((armed) => ({
      format: armed.format,
      recording: armed.recording.name,
      json: armed.recording.json?.path ?? null,
      chunks: armed.recording.chunks?.path ?? null,
      count: armed.remaining,
    }));
  }
}
