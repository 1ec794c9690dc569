// `bun bench/files/upload-memory.ts [--mb=200]`: the data plane's memory while a large file
// streams through it (issue 17: a 200 MB JSONL file never sits whole in a data plane's memory).
// The simulator and the data plane each run in a process of their own; this process generates a
// multipart upload of batch JSONL on the fly (never whole in memory either), sends it to the data
// plane's POST /openai/v1/files, then downloads it back through GET …/content, sampling the data
// plane's resident set (/proc VmRSS) every 25 ms. Prints JSON; docs/performance.md records a run.
import { firstLine } from "../child-handshake.ts";
import { memoryKb } from "../overhead/proc-stats.ts";
import { multipartJsonl } from "./multipart-jsonl.ts";

const mb = Number(process.argv.find((arg) => arg.startsWith("--mb="))?.slice(5) ?? 200);
const bytes = mb * 1024 * 1024;
const KEY = "mlx_sk_benchfilesbenchfiles01";

const simulatorPort = 18_000 + Math.floor(Math.random() * 1000);
const simulator = Bun.spawn(["bun", "simulator/main.ts"], {
  env: { ...process.env, SIMULATOR_PORT: String(simulatorPort) },
  stdout: "pipe",
  stderr: "inherit",
});
await firstLine(simulator);
const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
const plane = Bun.spawn(["bun", "bench/files/dataplane-child.ts", simulatorUrl], {
  stdout: "pipe",
  stderr: "inherit",
});
const planeUrl = await firstLine(plane);

const samples: number[] = [];
const sample = () => {
  const memory = memoryKb(plane.pid);
  if (memory) samples.push(memory.rssKb / 1024);
};
sample();
const baselineMb = samples[0] as number;

/** JSONL batch lines, generated chunk by chunk inside a multipart body. */
function multipartBody(boundary: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const line = encoder.encode(
    `${JSON.stringify({ custom_id: "x", method: "POST", url: "/v1/chat/completions", body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "a".repeat(900) }] } })}\n`,
  );
  const chunk = new Uint8Array(line.length * 256);
  for (let index = 0; index < 256; index++) chunk.set(line, index * line.length);
  return multipartJsonl(boundary, bytes, (remaining) =>
    chunk.subarray(0, Math.min(chunk.length, remaining)),
  );
}

const timer = setInterval(sample, 25);
const boundary = `bench${Date.now()}`;
const uploadStarted = performance.now();
const uploaded = await fetch(`${planeUrl}/openai/v1/files`, {
  method: "POST",
  headers: {
    authorization: `Bearer ${KEY}`,
    "content-type": `multipart/form-data; boundary=${boundary}`,
  },
  body: multipartBody(boundary),
  duplex: "half",
} as RequestInit);
const file = (await uploaded.json()) as { id: string; bytes: number };
const uploadSeconds = (performance.now() - uploadStarted) / 1000;
const uploadPeakMb = Math.max(...samples);
samples.length = 0;
sample();
const downloadStarted = performance.now();
const download = await fetch(`${planeUrl}/openai/v1/files/${file.id}/content`, {
  headers: { authorization: `Bearer ${KEY}` },
});
let downloaded = 0;
for await (const part of download.body as ReadableStream<Uint8Array>) downloaded += part.length;
const downloadSeconds = (performance.now() - downloadStarted) / 1000;
clearInterval(timer);
const downloadPeakMb = Math.max(...samples);
plane.kill();
simulator.kill();
console.log(
  JSON.stringify(
    {
      file_mb: mb,
      upload_status: uploaded.status,
      stored_bytes: file.bytes,
      downloaded_bytes: downloaded,
      dataplane_rss_baseline_mb: Math.round(baselineMb),
      dataplane_rss_peak_upload_mb: Math.round(uploadPeakMb),
      dataplane_rss_peak_download_mb: Math.round(downloadPeakMb),
      upload_mb_per_s: Math.round(mb / uploadSeconds),
      download_mb_per_s: Math.round(mb / downloadSeconds),
    },
    null,
    2,
  ),
);
process.exit(0);
