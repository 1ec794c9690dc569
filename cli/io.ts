// What a command may touch besides the Management API: the environment, the two output streams
// and files. Passed in, so tests run commands in-process and read what they printed.
import { ManagementClient } from "./client.ts";

export interface Io {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
  /** Ends a following command (`logs tail`); Ctrl-C does it otherwise. */
  signal?: AbortSignal;
}

/** Exit codes (docs/operations.md): 2 is `diff`'s "there are changes", never an error. */
export const EXIT = { ok: 0, failed: 1, changes: 2, usage: 64 } as const;

export class UsageError extends Error {
  override name = "UsageError";
}

export const DEFAULT_URL = "http://127.0.0.1:8081";

/** The client the global flags and the environment describe. */
export function clientFrom(flags: { url?: string; key?: string }, io: Io): ManagementClient {
  const key = flags.key ?? io.env.MODELUX_MANAGEMENT_KEY;
  if (!key)
    throw new UsageError("no management key: pass --key mlx_mk_… or set MODELUX_MANAGEMENT_KEY");
  return new ManagementClient({
    url: flags.url ?? io.env.MODELUX_URL ?? DEFAULT_URL,
    key,
    fetch: io.fetch,
    sleep: io.sleep,
  });
}
