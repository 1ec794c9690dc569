// Operations that answer with a file (exports). REST streams it with its content type and a
// download name; MCP, which carries JSON, inlines it: text as it is, binary formats as base64.
import { rm } from "node:fs/promises";
import * as v from "valibot";
import { ManagementError } from "./errors.ts";

/** What a file operation's handler returns: a file on disk, removed once it has been sent. */
export interface FileResult {
  path: string;
  filename: string;
  content_type: string;
  /** Text formats are inlined as they are for MCP, binary ones as base64. */
  binary: boolean;
  rows: number;
  bytes: number;
}

/** Bigger files are refused on MCP (a tool result lands in a model's context); REST has no cap. */
export const MCP_INLINE_MAX_BYTES = 1024 * 1024;

/** The file as MCP (and the OpenAPI document, for the tool's output) describes it. */
export const inlinedFileView = v.object({
  filename: v.string(),
  content_type: v.string(),
  rows: v.pipe(v.number(), v.integer()),
  bytes: v.pipe(v.number(), v.integer()),
  encoding: v.picklist(["utf8", "base64"]),
  content: v.string(),
});

export function fileResponse(file: FileResult, headers: Record<string, string>): Response {
  const reader = Bun.file(file.path).stream().getReader();
  const discard = () => rm(file.path, { force: true });
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) {
          controller.close();
          await discard();
        } else {
          controller.enqueue(chunk.value);
        }
      } catch (error) {
        controller.error(error);
        await discard();
      }
    },
    async cancel() {
      await reader.cancel();
      await discard();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      ...headers,
      "content-type": file.content_type,
      "content-length": String(file.bytes),
      "content-disposition": `attachment; filename="${file.filename}"`,
      "x-modelux-rows": String(file.rows),
    },
  });
}

export async function inlineFile(file: FileResult): Promise<v.InferOutput<typeof inlinedFileView>> {
  try {
    if (file.bytes > MCP_INLINE_MAX_BYTES) {
      throw new ManagementError(
        "unprocessable",
        `the file is ${file.bytes} bytes, more than MCP carries (${MCP_INLINE_MAX_BYTES}); ` +
          "narrow the filters or download it over REST",
      );
    }
    const bytes = await Bun.file(file.path).bytes();
    return {
      filename: file.filename,
      content_type: file.content_type,
      rows: file.rows,
      bytes: file.bytes,
      encoding: file.binary ? "base64" : "utf8",
      content: file.binary
        ? Buffer.from(bytes).toString("base64")
        : new TextDecoder().decode(bytes),
    };
  } finally {
    await rm(file.path, { force: true });
  }
}
