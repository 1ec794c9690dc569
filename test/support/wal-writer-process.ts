// A process that writes trace rows ahead and then does nothing until it is killed: the "node"
// whose crash the write-ahead log's tests recover from. Usage: bun wal-writer-process.ts
// <directory> <request id>…; prints `written` once every row is on disk.
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { trace } from "./trace-fixtures.ts";

const [directory, ...requestIds] = process.argv.slice(2);
if (!directory) throw new Error("usage: wal-writer-process.ts <directory> <request id>…");
// No bus: every row stays on disk, as on a node whose NATS is away when it is killed.
const emitter = new WalTraceEmitter({ directory, bus: () => null });
for (const id of requestIds) emitter.emit(trace(id));
console.log("written");
setInterval(() => {}, 60_000);
