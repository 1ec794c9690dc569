// An Anthropic batch's body (`{"requests": [{custom_id, params}, …]}`, up to hundreds of megabytes)
// read as it arrives, one request object at a time (@streamparser/json), and written to a temporary
// file for the upstream call: each request is checked and handed to `onRequest`, which may rewrite
// it (a `provider/` prefix taken off its model). Memory holds one request, never the batch; the
// budget check needs the whole body's estimate before anything goes upstream, hence the file.
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer, TokenParser, TokenType } from "@streamparser/json";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { BodyTooLargeError } from "#shared/http/request-guard.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import { MAX_BODY_DEPTH } from "../parse-body.ts";

export interface SpooledBody {
  file: Blob;
  requests: number;
  dispose(): Promise<void>;
}

export async function spoolRequests(
  body: ReadableStream<Uint8Array>,
  name: string,
  onRequest: (request: Record<string, unknown>, index: number) => Record<string, unknown>,
): Promise<SpooledBody> {
  const path = join(tmpdir(), `modelux-batch-${name}.json`);
  const sink = Bun.file(path).writer();
  const dispose = () => rm(path, { force: true });
  let requests = 0;
  let failure: unknown = null;
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: ["$.requests.*"], keepStack: false });
  // Top-level keys, read from the tokens: only `requests` is a field of the body.
  let depth = 0;
  let previous: TokenType | null = null;
  tokenizer.onToken = (info) => {
    if (previous === null && info.token !== TokenType.LEFT_BRACE)
      throw new SyntaxError("the body is not a JSON object");
    if (
      depth === 1 &&
      info.token === TokenType.STRING &&
      (previous === TokenType.LEFT_BRACE || previous === TokenType.COMMA) &&
      info.value !== "requests"
    )
      throw new GatewayError(
        "invalid_request",
        `${quoteClientValue(String(info.value))}: unknown field of a message batch (only requests)`,
        {
          param: String(info.value),
        },
      );
    if (info.token === TokenType.LEFT_BRACE || info.token === TokenType.LEFT_BRACKET) depth += 1;
    // As every surface body: a request nested past the bound would overflow the parser's stack
    // (a second of CPU per 50,000 levels) or a later walk of the request.
    if (depth > MAX_BODY_DEPTH)
      throw new GatewayError(
        "invalid_request",
        `requests.${requests}: nests deeper than ${MAX_BODY_DEPTH} levels`,
        { param: `requests.${requests}` },
      );
    if (info.token === TokenType.RIGHT_BRACE || info.token === TokenType.RIGHT_BRACKET) depth -= 1;
    previous = info.token;
    parser.write(info);
  };
  parser.onValue = ({ value, stack }) => {
    if (stack.length !== 2) return;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new GatewayError("invalid_request", `requests.${requests}: must be an object`, {
        param: `requests.${requests}`,
      });
    const rewritten = onRequest(value as Record<string, unknown>, requests);
    sink.write(`${requests === 0 ? '{"requests":[' : ","}${JSON.stringify(rewritten)}`);
    requests += 1;
  };
  try {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      tokenizer.write(value);
      await sink.flush();
    }
    tokenizer.end();
    // The tokens may end cleanly while the document does not (`{"requests":[{…}`).
    if (depth !== 0 || previous !== TokenType.RIGHT_BRACE) throw new SyntaxError("incomplete");
  } catch (error) {
    failure = error;
  }
  if (failure === null && requests === 0)
    failure = new GatewayError("invalid_request", "requests: at least one request is required", {
      param: "requests",
    });
  if (failure !== null) {
    await Promise.resolve(sink.end()).catch(() => {});
    await dispose();
    if (failure instanceof GatewayError) throw failure;
    if (failure instanceof BodyTooLargeError)
      throw new GatewayError("payload_too_large", failure.message);
    throw new GatewayError(
      "invalid_request",
      'the body is not a JSON message batch ({"requests": [...]})',
      {
        param: "requests",
      },
    );
  }
  sink.write("]}");
  await sink.end();
  return { file: Bun.file(path), requests, dispose };
}

/**
 * The requests of a spooled body (`{"requests":[…]}` as spoolRequests wrote it), read back one
 * at a time as the file streams: memory holds the requests of one read, never the batch.
 */
export async function* spooledRequests(file: Blob): AsyncGenerator<Record<string, unknown>> {
  const parser = new TokenParser({ paths: ["$.requests.*"], keepStack: false });
  const tokenizer = new Tokenizer();
  let ready: Array<Record<string, unknown>> = [];
  tokenizer.onToken = (info) => parser.write(info);
  parser.onValue = ({ value, stack }) => {
    if (stack.length === 2) ready.push(value as Record<string, unknown>);
  };
  for await (const chunk of file.stream()) {
    tokenizer.write(chunk);
    if (ready.length === 0) continue;
    const batch = ready;
    ready = [];
    yield* batch;
  }
  yield* ready;
}
