// The open-loop generator as its own process (see open-loop-run.ts for what it does).
// Input: BENCH_LOAD_SPEC (JSON, OpenLoopSpec). Output on stdout: `INTERVAL {…}` lines every
// `intervalSeconds` when asked (the soak), then one `RESULT {…}` line.
import { type OpenLoopSpec, runOpenLoop } from "./open-loop-run.ts";

const spec = JSON.parse(process.env.BENCH_LOAD_SPEC ?? "null") as OpenLoopSpec | null;
if (!spec) throw new Error("BENCH_LOAD_SPEC is required");
const result = await runOpenLoop(spec, (report) =>
  console.log(`INTERVAL ${JSON.stringify(report)}`),
);
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
