// A process that writes trace rows ahead and then does nothing until it is killed: the "node"
// whose crash the write-ahead log's tests recover from. Usage: bun wal-writer-process.ts
// <directory> <request id>…; prints `written` once every row is on disk.
import type { Bus } from "#shared/bus/bus.ts";
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { trace } from "./trace-fixtures.ts";

const [directory, ...requestIds] = process.argv.slice(2);
if (!directory) throw new Error("usage: wal-writer-process.ts <directory> <request id>…");
// No bus: every row stays on disk, as on a node whose NATS is away when it is killed.
// WAL_WRITER_ANSWER_BYTES=n: each row written with an answer of n bytes, as a batch plane does,
// against a bus that carries WAL_WRITER_MAX_TRACE_BYTES (not connected: nothing is shipped).
const answerBytes = Number(process.env.WAL_WRITER_ANSWER_BYTES ?? 0);
const maxTraceBytes = Number(process.env.WAL_WRITER_MAX_TRACE_BYTES ?? 1024 * 1024);
const away = { isConnected: () => false, maxTraceBytes: () => maxTraceBytes } as unknown as Bus;
const emitter = new WalTraceEmitter({ directory, bus: () => (answerBytes > 0 ? away : null) });
for (const id of requestIds)
  if (answerBytes > 0) emitter.emit(trace(id), `"${"a".repeat(answerBytes - 2)}"`);
  else emitter.emit(trace(id));
console.log("written");
setInterval(() => {}, 60_000);
