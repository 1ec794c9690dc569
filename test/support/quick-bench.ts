// A benchmark run as its tests run it: `bun <script> --quick` as a child process from the
// repository root, with the test's environment added (where to write its results).
import { join } from "node:path";

export async function runQuickBench(
  script: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const child = Bun.spawn(["bun", script, "--quick"], {
    cwd: join(import.meta.dir, "../.."),
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, exitCode };
}
