// A response body of the upstream client (upstream-client.ts): its bytes go to a sink attached
// from the socket's callbacks (the stream guard), or through its ReadableStream to any other
// reader; whichever takes it first. Held bytes beyond a high-water mark pause the socket.

/** What a body asks of its connection. */
export interface BodySource {
  pause(): void;
  resume(): void;
  /** The reader gave up: the exchange is over and the connection is not reused. */
  abandon(): void;
}

/** Where a pushed body's bytes go, as they come off the socket (the stream guard, issue 20). */
export interface BodySink {
  data(bytes: Uint8Array): void;
  end(): void;
  error(reason: unknown): void;
}

/**
 * A response body that can be taken chunk by chunk from the socket's callbacks instead of
 * through its ReadableStream. Only one of the two is ever used: whichever takes it first.
 */
export interface PushBody {
  /** Returns false when the body is already being read as a stream. */
  attach(sink: BodySink): boolean;
  pause(): void;
  resume(): void;
  cancel(): void;
}

const pushBodies = new WeakMap<ReadableStream<Uint8Array>, PushBody>();

/** The push side of a body this client made, or undefined for any other stream. */
export function pushBodyOf(stream: ReadableStream<Uint8Array>): PushBody | undefined {
  return pushBodies.get(stream);
}

/** Bytes held for a stream reader that is not reading before the socket is paused. */
const STREAM_HIGH_WATER = 256 * 1024;

/** A response body: pushed to a sink, or read through its ReadableStream. */
export class Body implements PushBody {
  readonly stream: ReadableStream<Uint8Array>;
  #sink: BodySink | null = null;
  #streaming = false;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #ended = false;
  #failure: { reason: unknown } | null = null;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #waiting: (() => void) | null = null;

  constructor(private readonly connection: BodySource) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => this.#pull(),
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    );
    pushBodies.set(this.stream, this);
  }

  attach(sink: BodySink): boolean {
    if (this.#streaming || this.#sink) return false;
    this.#sink = sink;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const bytes of held) sink.data(bytes);
    if (this.#failure) sink.error(this.#failure.reason);
    else if (this.#ended) sink.end();
    else this.connection.resume();
    return true;
  }

  #pull(): Promise<void> | undefined {
    this.#streaming = true;
    const controller = this.#controller as ReadableStreamDefaultController<Uint8Array>;
    if (this.#held.length > 0) {
      for (const bytes of this.#held) controller.enqueue(bytes);
      this.#held = [];
      this.#heldBytes = 0;
      this.connection.resume();
      return undefined;
    }
    if (this.#failure) {
      controller.error(this.#failure.reason);
      return undefined;
    }
    if (this.#ended) {
      controller.close();
      return undefined;
    }
    this.connection.resume();
    return new Promise<void>((resolve) => {
      this.#waiting = resolve;
    });
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting) {
      // The pull that waited takes what came (pull is called again by the stream as needed).
      void this.#pull();
      waiting();
    }
  }

  push(bytes: Uint8Array): void {
    if (this.#sink) {
      this.#sink.data(bytes);
      return;
    }
    this.#held.push(bytes);
    this.#heldBytes += bytes.byteLength;
    if (this.#waiting) this.#wake();
    else if (this.#heldBytes >= STREAM_HIGH_WATER) this.connection.pause();
  }

  end(): void {
    this.#ended = true;
    if (this.#sink) this.#sink.end();
    else if (this.#waiting) this.#wake();
  }

  fail(reason: unknown): void {
    if (this.#ended || this.#failure) return;
    this.#failure = { reason };
    if (this.#sink) this.#sink.error(reason);
    else if (this.#waiting) this.#wake();
  }

  pause(): void {
    this.connection.pause();
  }

  resume(): void {
    this.connection.resume();
  }

  cancel(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.connection.abandon();
  }
}
