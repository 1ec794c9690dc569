// The behaviour every Bus implementation owes its callers (DESIGN §8). The in-process and the
// NATS bus both run this suite (the state store's part is in state-store-contract.ts), so embedded
// mode and a fleet behave the same. makeBus must give each test a clean config store and trace
// stream, and a trace ack wait short enough to test (under 2 s). The parts, by concern, are in
// bus-contract/.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type Bus, BusUnavailableError } from "#shared/bus/bus.ts";
import { configStoreContract } from "./bus-contract/config-store.ts";
import { coreMessagesContract } from "./bus-contract/core-messages.ts";
import { traceLinesContract } from "./bus-contract/trace-lines.ts";
import { tracesContract } from "./bus-contract/traces.ts";
import { stateStoreContract } from "./state-store-contract.ts";

export { snapshotWithVersion, traceRecord } from "./bus-contract/fixtures.ts";

export function busContractSuite(
  name: string,
  makeBus: () => Promise<{ bus: Bus; cleanup(): Promise<void> }>,
) {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ bus, cleanup } = await makeBus());
    });
    afterEach(async () => {
      await cleanup();
    });

    configStoreContract(() => bus);
    stateStoreContract(() => bus);
    coreMessagesContract(() => bus);
    tracesContract(() => bus);
    traceLinesContract(() => bus);

    describe("request and reply", () => {
      test("a request reaches one server and resolves with its reply; unserved, it is refused", async () => {
        const subject = `modelux.contract.request.${crypto.randomUUID().slice(0, 8)}`;
        await expect(bus.request(subject, { n: 1 }, 300)).rejects.toBeInstanceOf(
          BusUnavailableError,
        );
        const seen: unknown[] = [];
        const served = await bus.serveRequests(subject, async (body) => {
          seen.push(body);
          return { doubled: (body as { n: number }).n * 2 };
        });
        expect(await bus.request(subject, { n: 21 }, 2_000)).toEqual({ doubled: 42 });
        expect(seen).toEqual([{ n: 21 }]);
        await served.unsubscribe();
        await expect(bus.request(subject, { n: 2 }, 300)).rejects.toBeInstanceOf(
          BusUnavailableError,
        );
      });
    });

    test("reports connected until closed", async () => {
      expect(bus.isConnected()).toBe(true);
      await bus.close();
      expect(bus.isConnected()).toBe(false);
    });
  });
}
