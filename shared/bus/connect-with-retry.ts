// Keeps trying to reach NATS without holding up start-up: a process serves from what it has
// (a data plane from its cached snapshot) and wires the bus in when it arrives.
import type { Bus } from "./bus.ts";
import { connectNatsBus, type NatsBusOptions } from "./nats.ts";

export interface RetryingConnection {
  /** Resolves with the bus once connected; never rejects. */
  readonly ready: Promise<Bus>;
  current(): Bus | null;
  close(): Promise<void>;
}

export function connectNatsWithRetry(
  servers: string,
  name: string,
  log: (message: string) => void,
  retryMs = 2000,
  /** What else the bus is opened with (the state store's retention). */
  busOptions: Pick<NatsBusOptions, "state"> = {},
): RetryingConnection {
  let bus: Bus | null = null;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const ready = new Promise<Bus>((resolve) => {
    const attempt = async (count: number) => {
      if (closed) return;
      try {
        // The bus reports losing and regaining the connection itself, through the same log.
        const connected = await connectNatsBus({ ...busOptions, servers, name, log });
        if (closed) {
          await connected.close();
          return;
        }
        bus = connected;
        if (count > 1) log(`connected to NATS at ${servers}`);
        resolve(connected);
      } catch (error) {
        if (count === 1)
          log(
            `NATS at ${servers} unreachable (${(error as Error).message}); retrying every ${retryMs} ms`,
          );
        timer = setTimeout(() => attempt(count + 1), retryMs);
      }
    };
    void attempt(1);
  });
  return {
    ready,
    current: () => bus,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await bus?.close();
    },
  };
}
