// Raw HTTP/1.1 over a socket, for what fetch will not send: one exchange and its answer's parser,
// and generated request lines, headers and framings a client library would never produce.
import fc from "fast-check";

export interface RawAnswer {
  /** null: the connection closed before any answer. */
  status: number | null;
  contentType: string;
  text: string;
  ms: number;
}

/**
 * Writes bytes to a plane's socket and reads one answer: until the connection closes or the
 * answer's framing says it is complete. Throws when neither happens within `hangBoundMs`.
 */
export async function rawExchange(
  port: number,
  bytes: Uint8Array,
  hangBoundMs: number,
): Promise<RawAnswer> {
  const started = performance.now();
  const received: Uint8Array[] = [];
  const finished = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, data) {
        received.push(new Uint8Array(data));
        if (parseAnswer(Buffer.concat(received))?.complete) finished.resolve();
      },
      close() {
        finished.resolve();
      },
      error() {
        finished.resolve();
      },
    },
  });
  socket.write(bytes);
  // No more bytes from us: a plane waiting for a body it was promised learns it will not come.
  socket.shutdown();
  const timer = setTimeout(() => finished.reject(new Error("hang")), hangBoundMs);
  try {
    await finished.promise;
  } catch {
    socket.end();
    throw new Error(`no answer and no close within ${hangBoundMs} ms`);
  } finally {
    clearTimeout(timer);
  }
  socket.end();
  const answer = parseAnswer(Buffer.concat(received));
  const ms = performance.now() - started;
  if (!answer) return { status: null, contentType: "", text: "", ms };
  return { status: answer.status, contentType: answer.contentType, text: answer.body, ms };
}

function parseAnswer(
  buffer: Buffer,
): { status: number; contentType: string; body: string; complete: boolean } | null {
  const headEnd = buffer.indexOf("\r\n\r\n");
  if (headEnd === -1) return null;
  const head = buffer.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(head[0]?.split(" ")[1]);
  // An interim answer ("100 Continue" to Expect) comes before the real one.
  if (status >= 100 && status < 200) return parseAnswer(buffer.subarray(headEnd + 4));
  const header = (name: string) =>
    head
      .find((line) => line.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  const rest = buffer.subarray(headEnd + 4);
  const length = header("content-length");
  if (length !== undefined) {
    const body = rest.subarray(0, Number(length)).toString("utf8");
    return {
      status,
      contentType: header("content-type") ?? "",
      body,
      complete: rest.length >= Number(length),
    };
  }
  if (header("transfer-encoding")?.includes("chunked")) {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", offset);
      if (lineEnd === -1) break;
      const size = Number.parseInt(rest.subarray(offset, lineEnd).toString("latin1"), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) {
        return {
          status,
          contentType: header("content-type") ?? "",
          body: Buffer.concat(parts).toString("utf8"),
          complete: true,
        };
      }
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      offset = lineEnd + 2 + size + 2;
    }
    return {
      status,
      contentType: header("content-type") ?? "",
      body: Buffer.concat(parts).toString("utf8"),
      complete: false,
    };
  }
  return {
    status,
    contentType: header("content-type") ?? "",
    body: rest.toString("utf8"),
    complete: false,
  };
}

/** Request lines, headers and framings a client library would never produce. */
export function rawRequests(options: {
  paths: string[];
  authorization: () => string;
  /** Header lines every request carries (the client address the test stands for). */
  headerLines?: () => string[];
}): fc.Arbitrary<{ bytes: Uint8Array; method: string; summary: string }> {
  const methods = fc.oneof(
    { arbitrary: fc.constantFrom("POST", "GET"), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        "TRACE",
        "CONNECT",
        "PUT",
        "DELETE",
        "OPTIONS",
        "HEAD",
        "PATCH",
        "post",
        "G E T",
        "",
        "P\u0000ST",
        "PO\tST",
        "M".repeat(300),
      ),
      weight: 3,
    },
  );
  const targets = fc.oneof(
    { arbitrary: fc.constantFrom(...options.paths), weight: 6 },
    {
      arbitrary: fc
        .constantFrom(...options.paths)
        .chain((path) =>
          fc.constantFrom(
            `${path}?x=%00`,
            `${path}/../../../etc/passwd`,
            `/openai/v1/../../manage/v1/org`,
            `/anthropic/v1/./messages`,
            `${path.replace(/\//g, "\\")}`,
            `//${path}`,
            `http://evil.example${path}`,
            `${path}#fragment`,
            `${path} extra`,
            `${path}\u00e9\u00ff`,
            `${path}%`,
            `${path}?${"q".repeat(9_000)}`,
            "*",
            "",
            "/\u0000",
          ),
        ),
      weight: 3,
    },
  );
  const versions = fc.oneof(
    { arbitrary: fc.constant("HTTP/1.1"), weight: 8 },
    {
      arbitrary: fc.constantFrom(
        "HTTP/1.0",
        "HTTP/2.0",
        "HTTP/0.9",
        "HTTP/1.x",
        "http/1.1",
        "HTTP/1.1 x",
        "",
      ),
      weight: 2,
    },
  );
  const oddHeaderLines = fc.constantFrom(
    "X-Control: a\u0001\u0002b",
    "NoColonHere",
    " X-Leading-Space: v",
    "X-Folded: a\r\n continued",
    `X-Long: ${"l".repeat(9_000)}`,
    "X-High: \u00e9\u00ff\u0080",
    "X(Bad): v",
    ": empty-name",
    "Host: second.example",
    "Host: a^b",
    "Host: ",
    "Expect: 100-continue",
    "Content-Type: application/json",
    "Content-Type: text/plain",
    "Content-Encoding: gzip",
    "Authorization: Bearer mlx_sk_nope",
    "X-Forwarded-For: not-an-address",
  );
  const framings = fc.constantFrom(
    "content-length",
    "content-length",
    "chunked",
    "chunked",
    "none",
    "negative-length",
    "garbage-length",
    "two-lengths",
    "length-and-chunked",
    "chunked-bad-size",
    "chunked-short",
    "chunked-huge-size",
    "chunked-extension",
    "gzip-chunked",
    "length-too-long",
  );
  const bodies = fc.oneof(
    fc.constantFrom(
      '{"model":"@default","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
      '{"model":"openai/gpt-4o-mini","input":"hi"}',
      '{"name":"raw","slug":"raw"}',
      "",
      "{",
      "[".repeat(5_000),
    ),
    fc.string({ maxLength: 200 }),
  );
  return fc
    .record({
      method: methods,
      target: targets,
      version: versions,
      host: fc.constantFrom(
        "127.0.0.1",
        "127.0.0.1",
        "localhost",
        "a^b",
        "",
        "[::1",
        "x".repeat(300),
        null,
      ),
      auth: fc.boolean(),
      odd: fc.oneof(
        { arbitrary: fc.constant([]), weight: 3 },
        { arbitrary: fc.array(oddHeaderLines, { minLength: 1, maxLength: 2 }), weight: 2 },
      ),
      framing: framings,
      body: bodies,
      newline: fc.oneof(
        { arbitrary: fc.constant("\r\n"), weight: 9 },
        { arbitrary: fc.constant("\n"), weight: 1 },
      ),
    })
    .map((generated) => {
      const body = new TextEncoder().encode(generated.body);
      const lines = [`${generated.method} ${generated.target} ${generated.version}`.trimEnd()];
      if (generated.host !== null) lines.push(`Host: ${generated.host}`);
      if (generated.auth) lines.push(`Authorization: ${options.authorization()}`);
      lines.push("Connection: close", ...(options.headerLines?.() ?? []), ...generated.odd);
      let payload: Uint8Array = body;
      const chunk = (data: Uint8Array, size = data.length.toString(16)) =>
        Buffer.concat([Buffer.from(`${size}\r\n`), data, Buffer.from("\r\n0\r\n\r\n")]);
      switch (generated.framing) {
        case "content-length":
          lines.push(`Content-Length: ${body.length}`);
          break;
        case "chunked":
          lines.push("Transfer-Encoding: chunked");
          payload = body.length === 0 ? Buffer.from("0\r\n\r\n") : chunk(body);
          break;
        case "none":
          payload = new Uint8Array();
          break;
        case "negative-length":
          lines.push("Content-Length: -1");
          break;
        case "garbage-length":
          lines.push("Content-Length: 12abc");
          break;
        case "two-lengths":
          lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
          break;
        case "length-and-chunked":
          lines.push(`Content-Length: ${body.length}`, "Transfer-Encoding: chunked");
          payload = chunk(body);
          break;
        case "chunked-bad-size":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, "zz");
          break;
        case "chunked-short":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, (body.length + 7).toString(16));
          break;
        case "chunked-huge-size":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, "ffffffffffffffffff");
          break;
        case "chunked-extension":
          lines.push("Transfer-Encoding: chunked");
          payload = chunk(body, `${body.length.toString(16)};ext="x"`);
          break;
        case "gzip-chunked":
          lines.push("Transfer-Encoding: gzip, chunked");
          payload = chunk(body);
          break;
        case "length-too-long":
          lines.push(`Content-Length: ${body.length + 100}`);
          break;
      }
      const head = `${lines.join(generated.newline)}${generated.newline}${generated.newline}`;
      const bytes = Buffer.concat([Buffer.from(head, "latin1"), payload]);
      const summary = `${JSON.stringify(head.slice(0, 400))} + ${payload.length} body bytes (${generated.framing})`;
      return { bytes: new Uint8Array(bytes), method: generated.method, summary };
    });
}
