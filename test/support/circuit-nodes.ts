// A data plane's circuit breakers and the publisher that reports them over the bus, with the
// parts of its snapshot the publisher reads: what provider-health and circuit-alert tests run as
// "a node of the fleet", without a data plane's HTTP side.
import type { Bus } from "#shared/bus/bus.ts";
import { CircuitPublisher } from "../../dataplane/routing/circuit-publisher.ts";
import { HealthTracker, healthKey } from "../../dataplane/routing/health.ts";
import type { RuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";

/** `providers`: [provider id, org id, provider name] of the node's snapshot. */
export function circuitNode(
  nodeId: string,
  bus: Bus,
  providers: Array<[string, string, string]>,
  heartbeatMs: number,
) {
  let clock = 1_000_000;
  const publisher = new CircuitPublisher({ nodeId, heartbeatMs });
  const health = new HealthTracker({ now: () => clock, onStateChange: () => publisher.soon() });
  const runtime = {
    providersById: new Map(
      providers.map(([id, orgId, name]) => [id, { id, orgId, name, vendor: "openai" }]),
    ),
  } as unknown as RuntimeConfig;
  publisher.start({ bus: () => bus, health, runtime: () => runtime });
  return {
    health,
    publisher,
    /** Five upstream failures in a row: the breaker opens (health.ts defaults). */
    fail(providerId: string, model: string) {
      for (let index = 0; index < 5; index++)
        health.recordFailure(healthKey(providerId, model), "overloaded");
    },
    succeed(providerId: string, model: string) {
      health.recordSuccess(healthKey(providerId, model), { latencyMs: 100 });
    },
    /** The node's clock moves on (cool-downs pass). */
    advance(ms: number) {
      clock += ms;
    },
    /** Past the cool-down a probe goes through and succeeds: the breaker closes. */
    recover(providerId: string, model: string) {
      clock += 60_000;
      health.state(healthKey(providerId, model));
      health.recordSuccess(healthKey(providerId, model), { latencyMs: 100 });
    },
  };
}
