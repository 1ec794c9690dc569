// `bun run test`: the whole suite in two phases, or `bun test` on what the arguments name.
//
// The browser and integration tests run one file at a time: several share the machine's NATS
// server and its global subjects, and most start processes of their own. The unit tests share
// nothing (each file its own temporary directories, ports from the system, no shared service)
// and run in two workers, one per core of the machines CI runs on, a third less time than in one.
// With arguments (`bun run test test/unit/foo.test.ts`, `-t name`) this is `bun test` on those.
// Every phase runs even when one fails, so a run reports every failure; the exit code is the
// first failing phase's.
import { readdirSync } from "node:fs";

const TIMEOUT = "--timeout=30000";
const args = process.argv.slice(2);

const phases: string[][] =
  args.length > 0
    ? [[TIMEOUT, ...args]]
    : [
        [TIMEOUT, "test/browser", "test/integration"],
        [TIMEOUT, "--parallel=2", "test/unit"],
      ];

// A test file outside the phases' directories would silently not run: refused instead.
if (args.length === 0) {
  const covered = ["test/browser/", "test/integration/", "test/unit/"];
  const glob = new Bun.Glob("**/*.{test,spec}.{ts,tsx,js,jsx}");
  const outside: string[] = [];
  // Top-level directories but dependencies and dot-directories (bun test skips those too).
  for (const entry of readdirSync(".", { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === "node_modules" || entry.name.startsWith("."))
      continue;
    for await (const path of glob.scan({ cwd: entry.name, onlyFiles: true })) {
      const file = `${entry.name}/${path}`;
      if (file.includes("/node_modules/")) continue;
      if (!covered.some((directory) => file.startsWith(directory))) outside.push(file);
    }
  }
  if (outside.length > 0) {
    console.error(
      `test files outside ${covered.join(", ")} (scripts/run-tests.ts): ${outside.join(", ")}`,
    );
    process.exit(1);
  }
}

let exitCode = 0;
for (const phase of phases) {
  const child = Bun.spawn([process.execPath, "test", ...phase], {
    stdio: ["inherit", "inherit", "inherit"],
  });
  const code = await child.exited;
  if (code !== 0 && exitCode === 0) exitCode = code;
}
process.exit(exitCode);
