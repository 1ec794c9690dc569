// Polls until a condition holds; for waiting on asynchronous effects without fixed sleeps.
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (last) return last as NonNullable<T>;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new Error(
        options.message ?? `condition not met within ${options.timeoutMs ?? 5000} ms`,
      );
    await Bun.sleep(options.intervalMs ?? 20);
  }
}
