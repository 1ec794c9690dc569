// The data plane's own HTTP/1.1 client for upstream calls, on Bun's TCP/TLS sockets.
//
// Why not fetch: Bun's fetch runs every request on its HTTP client thread and hands each body
// chunk to JavaScript through a ReadableStream (a promise per read). Measured on the benchmark's
// realistic streams (`bench/overhead/stream-cpu.ts`, docs/performance.md "The upstream client"),
// that hand-off is most of what a streamed request costs the data plane over a bare proxy; a
// socket's data callback delivers the same bytes on the JavaScript thread, with no promise per
// chunk. undici (on Bun's node:net) was measured too and sat between the two.
//
// What it does: keep-alive connections pooled per origin (idle ones closed after IDLE_SECONDS),
// request bodies given whole (string or bytes), Content-Length and chunked response bodies (and
// bodies ended by the connection's close), 1xx responses skipped, `Connection: close` honoured,
// a stale pooled connection (closed by the server while idle) retried once on a new one, the
// caller's AbortSignal (rejects with its reason before the head, errors the body after), a body
// the reader is slow to take pauses the socket. What it does not do, so `upstreamFetch` keeps
// fetch for it: proxies (HTTP(S)_PROXY), request bodies that are streams or forms, redirects
// (never followed: the egress policy follows them by hand, each hop checked), and content
// encodings (it asks for `identity`).
import { Body, type BodySource } from "./upstream-body.ts";
import { type ClientRequest, encodeRequest, type Origin, trustedCa } from "./upstream-request.ts";

export { type BodySink, type PushBody, pushBodyOf } from "./upstream-body.ts";
export type { ClientRequest } from "./upstream-request.ts";

export class UpstreamConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UpstreamConnectionError";
  }
}

const IDLE_SECONDS = 4;
const MAX_IDLE_PER_ORIGIN = 256;
const MAX_HEAD_BYTES = 64 * 1024;
const CRLF = 0x0d;
const HEAD_END = Buffer.from("\r\n\r\n");
const NO_BODY_STATUS = new Set([204, 304]);

const idle = new Map<string, Connection[]>();

/** fetch's answer for the calls `upstreamFetch` gives it (see the header for what it leaves). */
export function clientFetch(url: string, init: ClientRequest = {}): Promise<Response> {
  const encoded = encodeRequest(url, init);
  if (encoded instanceof TypeError) return Promise.reject(encoded);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const { origin, request, method } = encoded;
  return new Promise<Response>((resolve, reject) => {
    const exchange = new Exchange(request, method === "HEAD", signal, resolve, reject);
    start(origin, exchange, true);
  });
}

/** Sends the exchange on a pooled connection, or a new one. */
function start(origin: Origin, exchange: Exchange, mayReuse: boolean): void {
  const pooled = mayReuse ? idle.get(origin.key)?.pop() : undefined;
  if (pooled) {
    pooled.begin(exchange, true);
    return;
  }
  const connection = new Connection(origin);
  const options = {
    hostname: origin.hostname,
    port: origin.port,
    data: connection,
    socket: {
      open: (socket: Bun.Socket<Connection>) => socket.data.opened(socket),
      data: (socket: Bun.Socket<Connection>, bytes: Uint8Array) => socket.data.received(bytes),
      drain: (socket: Bun.Socket<Connection>) => socket.data.drained(),
      close: (socket: Bun.Socket<Connection>) => socket.data.closed(null),
      end: (socket: Bun.Socket<Connection>) => socket.data.closed(null),
      error: (socket: Bun.Socket<Connection>, error: Error) => socket.data.closed(error),
      timeout: (socket: Bun.Socket<Connection>) => socket.data.timedOut(),
      connectError: (socket: Bun.Socket<Connection>, error: Error) => socket.data.closed(error),
    },
    ...(origin.tls ? { tls: { serverName: origin.hostname, ...trustedCa() } } : {}),
  };
  connection.begin(exchange, false);
  Bun.connect<Connection>(options).catch((error: unknown) => connection.closed(error));
}

enum Framing {
  Length = 0,
  Chunked = 1,
  UntilClose = 2,
  None = 3,
}
enum ChunkState {
  Size = 0,
  Data = 1,
  DataEnd = 2,
  Trailer = 3,
}

/** One request and its response. */
class Exchange {
  /** The response head has been handed to the caller. */
  answered = false;
  finished = false;
  body: Body | null = null;
  #onAbort: (() => void) | null = null;

  constructor(
    readonly request: string | Uint8Array,
    readonly isHead: boolean,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (response: Response) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  watch(connection: Connection): void {
    if (!this.signal) return;
    if (this.#onAbort) this.signal.removeEventListener("abort", this.#onAbort);
    this.#onAbort = () => {
      // Failed first: the socket's close must not fail it with another reason.
      this.fail(this.signal?.reason);
      connection.destroy();
    };
    this.signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The response ended or failed: nothing more to watch. */
  done(): void {
    this.finished = true;
    if (this.#onAbort) this.signal?.removeEventListener("abort", this.#onAbort);
    this.#onAbort = null;
  }

  fail(reason: unknown): void {
    if (this.finished) return;
    this.done();
    if (!this.answered) this.reject(reason);
    else this.body?.fail(reason);
  }
}

class Connection implements BodySource {
  socket: Bun.Socket<Connection> | null = null;
  exchange: Exchange | null = null;
  /** Reused from the pool: a close before any byte of the answer is retried once. */
  reused = false;
  sawBytes = false;
  dead = false;
  #pendingWrite: Uint8Array | null = null;
  #buffer: Buffer | null = null;
  #inHead = true;
  #framing = Framing.None;
  #remaining = 0;
  #chunkState = ChunkState.Size;
  #keepAlive = true;

  constructor(readonly origin: Origin) {}

  begin(exchange: Exchange, reused: boolean): void {
    this.exchange = exchange;
    this.reused = reused;
    this.sawBytes = false;
    this.#inHead = true;
    this.#buffer = null;
    this.#keepAlive = true;
    exchange.watch(this);
    if (this.socket) {
      this.socket.timeout(0);
      this.#write(exchange.request);
    }
  }

  opened(socket: Bun.Socket<Connection>): void {
    this.socket = socket;
    if (this.dead) {
      socket.end();
      return;
    }
    if (this.exchange) this.#write(this.exchange.request);
  }

  #write(request: string | Uint8Array): void {
    const socket = this.socket as Bun.Socket<Connection>;
    const written = socket.write(request);
    const bytes = typeof request === "string" ? null : request;
    const total = bytes ? bytes.byteLength : Buffer.byteLength(request as string);
    if (written >= total) {
      this.#pendingWrite = null;
      return;
    }
    // The rest goes out on drain (a large body, a slow peer).
    this.#pendingWrite = (bytes ?? Buffer.from(request as string)).subarray(Math.max(written, 0));
  }

  drained(): void {
    if (this.#pendingWrite) this.#write(this.#pendingWrite);
  }

  timedOut(): void {
    // Only idle pooled connections have a timeout.
    this.destroy();
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.#unpool();
    this.socket?.end();
  }

  #unpool(): void {
    const list = idle.get(this.origin.key);
    const at = list ? list.indexOf(this) : -1;
    if (list && at >= 0) list.splice(at, 1);
  }

  closed(error: unknown): void {
    const wasDead = this.dead;
    this.dead = true;
    this.#unpool();
    const exchange = this.exchange;
    this.exchange = null;
    if (!exchange || exchange.finished) return;
    if (!wasDead && this.#framing === Framing.UntilClose && !this.#inHead) {
      // A body without length ends with the connection.
      exchange.done();
      exchange.body?.end();
      return;
    }
    if (!wasDead && this.reused && !this.sawBytes) {
      // The server closed the idle connection as we sent on it: the request never arrived.
      start(this.origin, exchange, false);
      return;
    }
    const message = error instanceof Error ? `: ${error.message}` : "";
    exchange.fail(
      new UpstreamConnectionError(
        exchange.answered
          ? `the upstream connection closed before the answer ended${message}`
          : `could not reach ${this.origin.key}${message}`,
        { cause: error },
      ),
    );
  }

  received(data: Uint8Array): void {
    const exchange = this.exchange;
    if (!exchange || exchange.finished) {
      // Bytes on an idle connection: nothing asked for them, so it cannot be trusted again.
      this.destroy();
      return;
    }
    this.sawBytes = true;
    let buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (this.#buffer) {
      buf = Buffer.concat([this.#buffer, buf]);
      this.#buffer = null;
    }
    let at = 0;
    try {
      while (at < buf.length && this.exchange === exchange && !exchange.finished) {
        if (this.#inHead) {
          const end = buf.indexOf(HEAD_END, at);
          if (end < 0) {
            if (buf.length - at > MAX_HEAD_BYTES) throw new Error("response head too large");
            break;
          }
          // A 1xx head is skipped: the real one follows.
          this.#head(buf.toString("latin1", at, end), exchange);
          at = end + 4;
          continue;
        }
        if (this.#framing === Framing.Chunked) {
          const next = this.#chunked(buf, at, exchange);
          // -1: complete; the same place: a line is cut short, the rest is in the next read.
          if (next === at) break;
          at = next;
        } else {
          const take =
            this.#framing === Framing.UntilClose
              ? buf.length - at
              : Math.min(this.#remaining, buf.length - at);
          if (take > 0) exchange.body?.push(buf.subarray(at, at + take));
          at += take;
          this.#remaining -= take;
          if (this.#framing === Framing.Length && this.#remaining === 0) this.#complete(exchange);
        }
        if (at < 0) break;
      }
    } catch (error) {
      // Failed first: the socket's close must not fail it with another reason.
      exchange.fail(new UpstreamConnectionError(`malformed upstream answer: ${String(error)}`));
      this.destroy();
      return;
    }
    if (at >= 0 && at < buf.length && this.exchange === exchange) this.#buffer = buf.subarray(at);
  }

  /** Parses a response head; false for a 1xx (skipped). */
  #head(text: string, exchange: Exchange): boolean {
    const lines = text.split("\r\n");
    const statusLine = lines[0] ?? "";
    // `HTTP/1.x NNN reason`
    const status = Number(statusLine.slice(9, 12));
    if (
      !statusLine.startsWith("HTTP/1.") ||
      statusLine.charCodeAt(8) !== 32 ||
      !Number.isInteger(status) ||
      status < 100 ||
      (statusLine.length > 12 && statusLine.charCodeAt(12) !== 32)
    )
      throw new Error(`bad status line ${JSON.stringify(statusLine.slice(0, 40))}`);
    if (status < 200) return false;
    const http10 = statusLine.charCodeAt(7) === 48; // "0"
    // Pairs, not a Headers built by appends: one native call for all of them.
    const headers: [string, string][] = [];
    let length = -1;
    let chunked = false;
    let connection = "";
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error("bad header line");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "transfer-encoding") {
        chunked = value.toLowerCase().includes("chunked");
        continue;
      }
      if (name === "content-length") length = Number(value);
      else if (name === "connection") connection = value.toLowerCase();
      headers.push([name, value]);
    }
    this.#keepAlive = http10 ? connection.includes("keep-alive") : !connection.includes("close");
    this.#inHead = false;
    if (exchange.isHead || NO_BODY_STATUS.has(status)) this.#framing = Framing.None;
    else if (chunked) {
      // Transfer-Encoding wins over a Content-Length sent with it (RFC 9112 §6.3).
      if (length >= 0)
        headers.splice(0, headers.length, ...headers.filter(([name]) => name !== "content-length"));
      this.#framing = Framing.Chunked;
      this.#chunkState = ChunkState.Size;
    } else if (length >= 0) {
      if (!Number.isSafeInteger(length)) throw new Error("bad content-length");
      this.#framing = length === 0 ? Framing.None : Framing.Length;
      this.#remaining = length;
    } else {
      this.#framing = Framing.UntilClose;
      this.#keepAlive = false;
    }
    const body = this.#framing === Framing.None ? null : new Body(this);
    exchange.body = body;
    exchange.answered = true;
    exchange.resolve(
      new Response(body?.stream ?? null, {
        status,
        statusText: statusLine.slice(13),
        headers,
      }),
    );
    if (this.#framing === Framing.None) this.#complete(exchange);
    return true;
  }

  /** Reads chunked framing from `at`; returns where it stopped, or -1 once complete. */
  #chunked(buf: Buffer, start: number, exchange: Exchange): number {
    let at = start;
    while (at < buf.length) {
      if (this.#chunkState === ChunkState.Data) {
        const take = Math.min(this.#remaining, buf.length - at);
        exchange.body?.push(buf.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#chunkState = ChunkState.DataEnd;
        continue;
      }
      const eol = buf.indexOf(CRLF, at);
      if (eol < 0 || eol + 1 >= buf.length) return at;
      const line = buf.toString("latin1", at, eol);
      at = eol + 2;
      if (this.#chunkState === ChunkState.DataEnd) {
        if (line !== "") throw new Error("chunk not followed by CRLF");
        this.#chunkState = ChunkState.Size;
      } else if (this.#chunkState === ChunkState.Size) {
        const semicolon = line.indexOf(";");
        const hex = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new Error("bad chunk size");
        const size = Number.parseInt(hex, 16);
        if (size === 0) this.#chunkState = ChunkState.Trailer;
        else {
          this.#remaining = size;
          this.#chunkState = ChunkState.Data;
        }
      } else if (line === "") {
        // The trailer section ended: so did the body.
        this.#complete(exchange);
        return -1;
      }
    }
    return at;
  }

  #complete(exchange: Exchange): void {
    exchange.done();
    this.exchange = null;
    exchange.body?.end();
    this.#release();
  }

  /** Back to the pool, or closed. */
  #release(): void {
    if (this.dead) return;
    const list = idle.get(this.origin.key) ?? [];
    if (!this.#keepAlive || this.#buffer !== null || list.length >= MAX_IDLE_PER_ORIGIN) {
      this.destroy();
      return;
    }
    if (!idle.has(this.origin.key)) idle.set(this.origin.key, list);
    this.socket?.timeout(IDLE_SECONDS);
    // A body the reader paused must not keep the socket paused for the next exchange.
    this.resume();
    list.push(this);
  }

  /** Reading paused (a reader that is behind): a native call only when it changes. */
  #paused = false;

  /** The body's reader gave up: the exchange is over and the connection is not reused. */
  abandon(): void {
    this.exchange?.done();
    this.destroy();
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket?.pause();
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.socket?.resume();
  }
}
