// The runtime's limit: a Bun server that forwards each request to the simulator with fetch and
// streams the answer back, nothing else. A gateway cannot be faster than this on the same box.
const upstream = process.env.BENCH_UPSTREAM_URL;
if (!upstream) throw new Error("BENCH_UPSTREAM_URL is required");
const port = Number(process.env.BENCH_PORT ?? 0);
// BENCH_BARE_PRELOAD=a,b (gc-pauses.ts --bare-with, never `bun run bench`): modules imported first,
// so the same proxy carries more code, for what that alone does to the collector's pauses.
for (const module of (process.env.BENCH_BARE_PRELOAD ?? "").split(",").filter(Boolean))
  await import(module);

export {};

// Hop-by-hop and length headers are recomputed by Bun on both legs.
const DROPPED = new Set([
  "host",
  "connection",
  "content-length",
  "keep-alive",
  "transfer-encoding",
]);

function forwardedHeaders(incoming: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of incoming) if (!DROPPED.has(name)) headers.set(name, value);
  return headers;
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  idleTimeout: 255,
  async fetch(request) {
    const { pathname, search } = new URL(request.url);
    const answer = await fetch(`${upstream}${pathname}${search}`, {
      method: request.method,
      headers: forwardedHeaders(request.headers),
      body: request.body,
      // Bun's fetch: do not decompress, pass the bytes through.
      decompress: false,
    });
    const headers = forwardedHeaders(answer.headers);
    return new Response(answer.body, { status: answer.status, headers });
  },
});
console.log(`READY http://127.0.0.1:${server.port}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.stop(true);
    process.exit(0);
  });
}
