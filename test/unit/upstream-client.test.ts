// The data plane's own HTTP/1.1 client (dataplane/pipeline/upstream-client.ts) against servers
// that answer byte by byte as scripted: framing, keep-alive, stale connections, aborts, pushed
// bodies, and TLS with a CA of the test's own (trusted through NODE_EXTRA_CA_CERTS, as fetch).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardStream } from "../../dataplane/pipeline/stream-guard.ts";
import {
  clientFetch,
  pushBodyOf,
  UpstreamConnectionError,
} from "../../dataplane/pipeline/upstream-client.ts";

interface Scripted {
  url: string;
  /** Connections the server accepted. */
  connections: () => number;
  /** Every request head the server received, in order. */
  heads: string[];
  stop: () => void;
}

/**
 * A raw TCP server: for each request head it receives, `answer` says what to write, as a list of
 * pieces each written on its own (with a turn of the event loop between), and whether to close.
 */
function scripted(
  answer: (head: string, index: number) => { pieces: string[]; close?: boolean; hold?: boolean },
): Scripted {
  let accepted = 0;
  const heads: string[] = [];
  const server = Bun.listen<{ buffer: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        accepted++;
        socket.data = { buffer: "" };
      },
      async data(socket, bytes) {
        socket.data.buffer += Buffer.from(bytes).toString("latin1");
        for (;;) {
          const end = socket.data.buffer.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = socket.data.buffer.slice(0, end);
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (socket.data.buffer.length < end + 4 + length) return;
          socket.data.buffer = socket.data.buffer.slice(end + 4 + length);
          heads.push(head);
          const { pieces, close, hold } = answer(head, heads.length - 1);
          for (const piece of pieces) {
            socket.write(piece);
            await Bun.sleep(0);
          }
          if (close) socket.end();
          if (hold) return;
        }
      },
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    connections: () => accepted,
    heads,
    stop: () => server.stop(true),
  };
}

const servers: Scripted[] = [];
const serve = (answer: Parameters<typeof scripted>[0]) => {
  const server = scripted(answer);
  servers.push(server);
  return server;
};
afterAll(() => {
  for (const server of servers) server.stop();
});

describe("upstream client", () => {
  test("sends the request as given and reads a Content-Length answer", async () => {
    const server = serve(() => ({
      pieces: [
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}',
      ],
    }));
    const response = await clientFetch(`${server.url}/v1/chat?x=1`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk-test",
        "content-type": "application/json",
        "Content-Length": "999",
      },
      body: '{"model":"m"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ ok: true });
    const head = server.heads[0] ?? "";
    expect(head.startsWith("POST /v1/chat?x=1 HTTP/1.1\r\n")).toBe(true);
    expect(head).toContain("authorization: Bearer sk-test");
    // The client's own length, never the caller's.
    expect(head).toContain("content-length: 13");
    expect(head).not.toContain("999");
    expect(head).toContain("accept-encoding: identity");
  });

  test("decodes chunked bodies split anywhere, with extensions and trailers", async () => {
    const body = `5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: 1\r\n\r\n`;
    const whole = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
    // One byte at a time: every state of the parser meets a boundary.
    const server = serve(() => ({ pieces: whole.split("") }));
    const response = await clientFetch(`${server.url}/`);
    expect(await response.text()).toBe("hello, world");
    // The connection went back to the pool: a second request reuses it.
    const again = await clientFetch(`${server.url}/`);
    expect(await again.text()).toBe("hello, world");
    expect(server.connections()).toBe(1);
  });

  test("skips 1xx heads and answers 204 and HEAD without a body", async () => {
    const server = serve((head) =>
      head.startsWith("HEAD")
        ? { pieces: ["HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"] }
        : {
            pieces: [
              "HTTP/1.1 100 Continue\r\n\r\n",
              "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
              "HTTP/1.1 204 No Content\r\nX-Id: 7\r\n\r\n",
            ],
          },
    );
    const empty = await clientFetch(`${server.url}/`, { method: "DELETE" });
    expect(empty.status).toBe(204);
    expect(empty.headers.get("x-id")).toBe("7");
    expect(await empty.text()).toBe("");
    const head = await clientFetch(`${server.url}/`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("42");
    expect(await head.text()).toBe("");
    expect(server.connections()).toBe(1);
  });

  test("a body without length ends with the connection, which is not reused", async () => {
    const server = serve(() => ({
      pieces: ["HTTP/1.1 200 OK\r\n\r\npart one, ", "part two"],
      close: true,
    }));
    expect(await (await clientFetch(`${server.url}/`)).text()).toBe("part one, part two");
    expect(await (await clientFetch(`${server.url}/`)).text()).toBe("part one, part two");
    expect(server.connections()).toBe(2);
  });

  test("Connection: close is honoured", async () => {
    const server = serve(() => ({
      pieces: ["HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"],
    }));
    await (await clientFetch(`${server.url}/`)).text();
    await (await clientFetch(`${server.url}/`)).text();
    expect(server.connections()).toBe(2);
  });

  test("a pooled connection closed as the request went out is retried once on a new one", async () => {
    // The server answers the first request of each connection and closes the connection on the
    // second without a byte of answer, as a server whose idle timeout fired just as it arrived.
    const perConnection = new Map<number, number>();
    let connection = 0;
    const server = serve((_head, index) => {
      const seen = index === 0 ? 0 : (perConnection.get(connection) ?? 0);
      if (seen === 1) {
        connection++;
        return { pieces: [], close: true };
      }
      perConnection.set(connection, seen + 1);
      return { pieces: ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"] };
    });
    expect(await (await clientFetch(`${server.url}/`)).text()).toBe("ok");
    const again = await clientFetch(`${server.url}/`, { method: "POST", body: "{}" });
    expect(await again.text()).toBe("ok");
    expect(server.connections()).toBe(2);
    expect(server.heads.length).toBe(3);
  });

  test("an unreachable upstream rejects; an abort rejects with the signal's reason", async () => {
    const closed = serve(() => ({ pieces: [] }));
    const port = new URL(closed.url).port;
    closed.stop();
    await expect(clientFetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(
      UpstreamConnectionError,
    );

    const silent = serve(() => ({ pieces: [], hold: true }));
    const controller = new AbortController();
    const pending = clientFetch(`${silent.url}/`, { signal: controller.signal });
    await Bun.sleep(10);
    controller.abort(new DOMException("too slow", "TimeoutError"));
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("TimeoutError");
  });

  test("an abort after the head errors the body", async () => {
    const server = serve(() => ({
      pieces: ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "3\r\nabc\r\n"],
      hold: true,
    }));
    const controller = new AbortController();
    const response = await clientFetch(`${server.url}/`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe("abc");
    controller.abort(new DOMException("cut", "AbortError"));
    await expect(reader.read()).rejects.toBeInstanceOf(DOMException);
  });

  test("a malformed answer and a connection cut mid-body are errors, not answers", async () => {
    const garbage = serve(() => ({ pieces: ["SMTP ready\r\n\r\n"] }));
    await expect(clientFetch(`${garbage.url}/`)).rejects.toThrow("malformed upstream answer");
    const cut = serve(() => ({
      pieces: ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"],
      close: true,
    }));
    const response = await clientFetch(`${cut.url}/`);
    await expect(response.text()).rejects.toThrow("closed before the answer ended");
  });

  test("a pushed body hands each chunk over in order, then its end", async () => {
    const events = ["data: 1\n\n", "data: 2\n\n", "data: [DONE]\n\n"];
    const server = serve(() => ({
      pieces: [
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        ...events.map((event) => `${event.length.toString(16)}\r\n${event}\r\n`),
        "0\r\n\r\n",
      ],
    }));
    const response = await clientFetch(`${server.url}/`);
    const pushed = pushBodyOf(response.body as ReadableStream<Uint8Array>);
    expect(pushed).toBeDefined();
    const seen: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const attached = pushed?.attach({
        data: (bytes) => seen.push(Buffer.from(bytes).toString()),
        end: resolve,
        error: reject,
      });
      expect(attached).toBe(true);
    });
    await ended;
    expect(seen.join("")).toBe(events.join(""));
    // Taken by the sink: the stream can no longer be read as well.
    expect(pushed?.attach({ data() {}, end() {}, error() {} })).toBe(false);
  });

  test("TLS: verifies the server against NODE_EXTRA_CA_CERTS and refuses an unknown one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "upstream-tls-"));
    const run = (args: string[]) => {
      const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
      if (result.exitCode !== 0) throw new Error(result.stderr.toString());
    };
    run([
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=test ca",
    ]);
    writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    run([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      "/CN=localhost",
    ]);
    run([
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: Bun.file(join(dir, "server.pem")), key: Bun.file(join(dir, "server.key")) },
      fetch: async (request) => new Response(`secure ${request.method} ${await request.text()}`),
    });
    try {
      const script = `
        import { clientFetch } from ${JSON.stringify(join(import.meta.dir, "../../dataplane/pipeline/upstream-client.ts"))};
        try {
          const response = await clientFetch("https://localhost:${server.port}/", { method: "POST", body: "hi" });
          console.log(await response.text());
        } catch (error) { console.log("refused: " + error.message); }`;
      // Spawned without blocking: the server answers from this process.
      const answer = async (env: Record<string, string>) => {
        const child = Bun.spawn([process.execPath, "-e", script], {
          env: { ...process.env, ...env },
          stdout: "pipe",
        });
        return (await new Response(child.stdout).text()).trim();
      };
      expect(await answer({ NODE_EXTRA_CA_CERTS: join(dir, "ca.pem") })).toBe("secure POST hi");
      const { NODE_EXTRA_CA_CERTS: _unset, ...withoutCa } = process.env;
      expect(await answer({ ...withoutCa, NODE_EXTRA_CA_CERTS: "" })).toStartWith(
        "refused: could not reach https://localhost:",
      );
    } finally {
      server.stop(true);
    }
  });
});

describe("the stream guard over a pushed body", () => {
  const sse = (events: string[], end: { close?: boolean; last?: string } = {}) =>
    serve(() => ({
      pieces: [
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        ...events.map((event) => `${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`),
        ...(end.last === undefined ? [] : [end.last]),
      ],
      ...(end.close ? { close: true } : {}),
      hold: !end.close,
    }));
  const errorEvent = (message: string) => Buffer.from(`data: {"error":"${message}"}\n\n`);

  test("each chunk is transformed and written in order, then the trailer", async () => {
    const server = sse(["data: a\n\n", "data: b\n\n"], { last: "0\r\n\r\n" });
    const response = await clientFetch(`${server.url}/`);
    const outcomes: string[] = [];
    const guarded = guardStream(
      response.body as ReadableStream<Uint8Array>,
      errorEvent,
      (outcome) => outcomes.push(outcome),
      () => Buffer.from("event: end\n\n"),
      {
        transform: (chunk, emit) => emit(Buffer.from(Buffer.from(chunk).toString().toUpperCase())),
        flush: (emit) => emit(Buffer.from("data: flushed\n\n")),
      },
    );
    expect(await new Response(guarded).text()).toBe(
      "DATA: A\n\nDATA: B\n\ndata: flushed\n\nevent: end\n\n",
    );
    expect(outcomes).toEqual(["complete"]);
  });

  test("a transform that waits holds the chunks after it, in order", async () => {
    const server = sse(["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"], { last: "0\r\n\r\n" });
    const response = await clientFetch(`${server.url}/`);
    const guarded = guardStream(
      response.body as ReadableStream<Uint8Array>,
      errorEvent,
      undefined,
      undefined,
      {
        transform: (chunk, emit) => {
          const text = Buffer.from(chunk).toString();
          if (!text.includes("1")) {
            emit(chunk);
            return;
          }
          // The first chunk waits (as Responses does before its last event).
          return Bun.sleep(15).then(() => emit(chunk));
        },
        flush: () => {},
      },
    );
    expect(await new Response(guarded).text()).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\n");
  });

  test("an upstream cut mid-stream ends with the error event, as failed", async () => {
    const server = sse(["data: a\n\n"], { close: true });
    const response = await clientFetch(`${server.url}/`);
    const outcomes: string[] = [];
    const guarded = guardStream(
      response.body as ReadableStream<Uint8Array>,
      errorEvent,
      (outcome) => outcomes.push(outcome),
    );
    expect(await new Response(guarded).text()).toBe(
      'data: a\n\ndata: {"error":"the upstream stream was interrupted"}\n\n',
    );
    expect(outcomes).toEqual(["failed"]);
  });

  test("a client that goes away cancels the upstream call", async () => {
    let closed = false;
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(socket) {
          socket.write(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: a\n\n\r\n",
          );
        },
        close() {
          closed = true;
        },
      },
    });
    try {
      const response = await clientFetch(`http://127.0.0.1:${server.port}/`);
      const outcomes: string[] = [];
      const guarded = guardStream(
        response.body as ReadableStream<Uint8Array>,
        errorEvent,
        (outcome) => outcomes.push(outcome),
      );
      const reader = guarded.getReader();
      const first = await reader.read();
      expect(Buffer.from(first.value as Uint8Array).toString()).toBe("data: a\n\n");
      await reader.cancel();
      for (let i = 0; i < 100 && !closed; i++) await Bun.sleep(5);
      expect(closed).toBe(true);
      expect(outcomes).toEqual(["cancelled"]);
    } finally {
      server.stop(true);
    }
  });
});
