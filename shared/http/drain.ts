// Orderly shutdown of an HTTP server, for both planes: stop listening, let what is in flight
// finish within a grace period, then close what is left.
import type { Logger } from "#shared/log.ts";

/**
 * Stops listening and waits for in-flight requests (streams included) to end, up to `graceMs`;
 * then closes what is left.
 * A data plane's stream cut here is counted from what it sent (dataplane/pipeline/stream-guard.ts).
 */
export async function drain(
  server: { stop(closeActiveConnections?: boolean): Promise<void> },
  graceMs: number,
  log: Logger,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<true>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const cut = await Promise.race([server.stop(false).then(() => false as const), expired]);
  clearTimeout(timer);
  if (!cut) return;
  log(`shutdown grace of ${graceMs} ms over: closing the connections still open`);
  await server.stop(true);
  // Cut streams settle their usage in their cancel callbacks; let those run before the flush.
  await Bun.sleep(10);
}
