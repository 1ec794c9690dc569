// The bus contract and both implementations (DESIGN §8).
export * from "./bus.ts";
export * from "./envelopes.ts";
export { createInProcessBus, type InProcessBusOptions } from "./in-process.ts";
export { connectNatsBus, type NatsBusOptions } from "./nats.ts";
export * from "./state-store.ts";
export * from "./subjects.ts";
