// One keep-alive HTTP/1.1 connection of the open-loop generator, on a raw Bun socket: it writes a
// request and reads the answer incrementally, noting when the first body byte arrived (time to
// first token for a stream), the `x-modelux-overhead-ms` header and when the answer ended. Only
// what our targets send is understood: Content-Length or chunked bodies, no 1xx, no pipelining.
import type { Socket } from "bun";

export interface ResponseTiming {
  status: number;
  /** performance.now() at the first body byte; null for an empty body. */
  firstByteAt: number | null;
  endedAt: number;
  /** The gateway's own figure, when it sends one. */
  selfReportedOverheadMs: number | null;
}

export interface ConnectionEvents {
  onResponse(connection: HttpConnection, timing: ResponseTiming): void;
  /** The socket failed or closed with a request in flight (or before it could be used). */
  onFailure(connection: HttpConnection, reason: "connect" | "disconnect"): void;
}

const LF = 10;
const HEADER_END = Buffer.from("\r\n\r\n");

type BodyState =
  | { kind: "head" }
  | { kind: "length"; remaining: number }
  | { kind: "chunk-size"; line: string }
  | { kind: "chunk-data"; remaining: number }
  | { kind: "chunk-crlf"; remaining: number; last: boolean };

export class HttpConnection {
  busy = false;
  closed = false;
  private socket: Socket<HttpConnection> | null = null;
  private head: Buffer = Buffer.alloc(0);
  private state: BodyState = { kind: "head" };
  private status = 0;
  private firstByteAt: number | null = null;
  private overheadMs: number | null = null;
  /** Bytes the kernel did not take yet (a full send buffer). */
  private unsent: Uint8Array | null = null;

  constructor(private readonly events: ConnectionEvents) {}

  async open(hostname: string, port: number): Promise<void> {
    try {
      this.socket = await Bun.connect<HttpConnection>({
        hostname,
        port,
        data: this,
        socket: SOCKET_HANDLERS,
      });
      this.socket.setNoDelay(true);
    } catch {
      this.closed = true;
      this.events.onFailure(this, "connect");
    }
  }

  send(request: Uint8Array): void {
    this.busy = true;
    this.state = { kind: "head" };
    this.head = Buffer.alloc(0);
    this.firstByteAt = null;
    this.overheadMs = null;
    this.write(request);
  }

  /** Part of the answer in flight had arrived (its head at least): a loss now cut an answer. */
  get answering(): boolean {
    return this.busy && (this.status !== 0 || this.head.length > 0);
  }

  close(): void {
    this.closed = true;
    this.socket?.end();
  }

  private write(bytes: Uint8Array): void {
    const written = this.socket?.write(bytes) ?? 0;
    this.unsent = written < bytes.length ? bytes.subarray(written) : null;
  }

  /** Socket callbacks (shared handler object, per Bun's advice). */
  drained(): void {
    if (this.unsent) this.write(this.unsent);
  }

  lost(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.onFailure(this, "disconnect");
  }

  received(chunk: Buffer): void {
    const now = performance.now();
    let offset = 0;
    while (offset < chunk.length && this.busy) {
      const state = this.state;
      switch (state.kind) {
        case "head":
          offset = this.readHead(chunk, offset);
          break;
        case "length": {
          const take = Math.min(state.remaining, chunk.length - offset);
          if (take > 0) this.firstByteAt ??= now;
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) this.finish(now);
          break;
        }
        case "chunk-size": {
          const end = chunk.indexOf(LF, offset);
          const upTo = end === -1 ? chunk.length : end + 1;
          state.line += chunk.toString("latin1", offset, upTo);
          offset = upTo;
          if (end === -1) break;
          const size = Number.parseInt(state.line, 16);
          this.state =
            size === 0
              ? { kind: "chunk-crlf", remaining: 2, last: true }
              : { kind: "chunk-data", remaining: size };
          break;
        }
        case "chunk-data": {
          const take = Math.min(state.remaining, chunk.length - offset);
          this.firstByteAt ??= now;
          state.remaining -= take;
          offset += take;
          if (state.remaining === 0) this.state = { kind: "chunk-crlf", remaining: 2, last: false };
          break;
        }
        case "chunk-crlf": {
          const take = Math.min(state.remaining, chunk.length - offset);
          state.remaining -= take;
          offset += take;
          if (state.remaining > 0) break;
          if (state.last) this.finish(now);
          else this.state = { kind: "chunk-size", line: "" };
          break;
        }
      }
    }
  }

  /** Collects the status line and headers; returns where the body starts in `chunk`. */
  private readHead(chunk: Buffer, offset: number): number {
    const carried = this.head.length;
    const joined =
      carried === 0 ? chunk.subarray(offset) : Buffer.concat([this.head, chunk.subarray(offset)]);
    const end = joined.indexOf(HEADER_END);
    if (end === -1) {
      this.head = Buffer.from(joined);
      return chunk.length;
    }
    const text = joined.toString("latin1", 0, end).toLowerCase();
    this.head = Buffer.alloc(0);
    this.status = Number.parseInt(text.slice(9, 12), 10);
    const overhead = /\r\nx-modelux-overhead-ms:\s*([0-9.]+)/.exec(text);
    this.overheadMs = overhead ? Number(overhead[1]) : null;
    if (/\r\ntransfer-encoding:\s*chunked/.test(text)) {
      this.state = { kind: "chunk-size", line: "" };
    } else {
      const length = /\r\ncontent-length:\s*(\d+)/.exec(text);
      this.state = { kind: "length", remaining: length ? Number(length[1]) : 0 };
      if (this.state.remaining === 0) this.finish(performance.now());
    }
    // `joined` is the carried head followed by chunk[offset..]: map the body start back.
    return offset + end + HEADER_END.length - carried;
  }

  private finish(now: number): void {
    this.busy = false;
    this.state = { kind: "head" };
    this.events.onResponse(this, {
      status: this.status,
      firstByteAt: this.firstByteAt,
      endedAt: now,
      selfReportedOverheadMs: this.overheadMs,
    });
  }
}

const SOCKET_HANDLERS = {
  data(socket: Socket<HttpConnection>, chunk: Buffer) {
    socket.data.received(chunk);
  },
  drain(socket: Socket<HttpConnection>) {
    socket.data.drained();
  },
  close(socket: Socket<HttpConnection>) {
    socket.data.lost();
  },
  error(socket: Socket<HttpConnection>) {
    socket.data.lost();
  },
  end(socket: Socket<HttpConnection>) {
    socket.data.lost();
  },
};
