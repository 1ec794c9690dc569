import { createInProcessBus } from "#shared/bus/in-process.ts";
import { busContractSuite } from "../support/bus-contract.ts";

busContractSuite("in-process", async () => {
  const bus = createInProcessBus({ traceAckWaitMs: 500 });
  return { bus, cleanup: () => bus.close() };
});
