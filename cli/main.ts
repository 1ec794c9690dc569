#!/usr/bin/env bun
// The `modelux` command (package.json `bin`; `bunx modelux`, `bun run cli`). See cli/run.ts.
import { run } from "./run.ts";

const controller = new AbortController();
process.once("SIGINT", () => controller.abort());

const code = await run(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signal: controller.signal,
});
process.exit(code);
