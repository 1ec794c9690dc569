// How a memory benchmark and the data plane it measures in a child process meet: the child serves
// and prints its URL as its first line; the parent reads that line.
import type { Server } from "bun";

/** The child's first line of output (its URL), once it has printed it. */
export async function firstLine(child: ReturnType<typeof Bun.spawn>): Promise<string> {
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.split("\n")[0] as string;
}

/** Serves `fetch` on a free loopback port with no body limit of Bun's own, and prints its URL. */
export function serveAndPrintUrl(
  fetch: (request: Request, server: Server<undefined>) => Response | Promise<Response>,
): void {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch,
    // The data plane's own limits apply (guardDataPlane); Bun's would cut a large upload first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    idleTimeout: 255,
  });
  console.log(`http://127.0.0.1:${server.port}`);
}
