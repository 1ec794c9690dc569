// A data plane's handlers reach the bus's state store through `context.state`: the store of the
// bus the node was given, so what one node stores another reads, and a clean BusUnavailableError
// (a 503 in the caller's shape) while that bus has not arrived.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { type Bus, BusUnavailableError } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import type { StateKey } from "#shared/bus/state-store.ts";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { type RunningDataPlane, startDataPlane } from "../../dataplane/node.ts";
import { errorResponse } from "../../dataplane/surfaces/respond-error.ts";
import { natsUrl, servicesAbsent } from "../support/services.ts";
import { deleteStateBuckets, uniqueStatePrefix } from "../support/state-buckets.ts";
import { freshOrgId } from "../support/state-store-contract.ts";

const secretBox = new SecretBox(randomBytes(32));
const PREFIX = uniqueStatePrefix("dataplane");

describe("data plane state", () => {
  const nodes: RunningDataPlane[] = [];
  const buses: Bus[] = [];

  const startNode = (nodeId: string, bus: Promise<Bus>) =>
    startDataPlane({ nodeId, hostname: "127.0.0.1", port: 0, secretBox, bus, log: () => {} }).then(
      (node) => {
        nodes.push(node);
        return node;
      },
    );

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((node) => node.stop({ graceMs: 100 })));
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    if (!servicesAbsent) await deleteStateBuckets(PREFIX);
  });

  test("before its bus arrives a node's store refuses as unreachable; then it is the bus's", async () => {
    const bus = createInProcessBus();
    buses.push(bus);
    const { promise: arriving, resolve: arrive } = Promise.withResolvers<Bus>();
    const node = await startNode("dp-late", arriving);
    const key: StateKey = { orgId: "org_a", namespace: "responses", id: "resp_1" };

    const refusal = await node.context.state.put(key, { id: "resp_1" }).catch((error) => error);
    expect(refusal).toBeInstanceOf(BusUnavailableError);
    // What a handler that lets it through answers: a 503 to retry, in the surface's shape.
    const answer = errorResponse("openai", refusal, "req_1");
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain(
      "retry",
    );

    arrive(bus);
    await arriving;
    await node.context.state.put(key, { id: "resp_1" });
    expect(await bus.state.get(key)).toEqual({ id: "resp_1" });
  });

  test.skipIf(servicesAbsent)(
    "what one node of a fleet stores, another node's handlers read",
    async () => {
      // Connected before the nodes start, so each node has its bus from the first request on.
      const connectBus = async (name: string) => {
        const bus = await connectNatsBus({
          servers: natsUrl,
          name,
          state: { bucketPrefix: PREFIX },
        });
        buses.push(bus);
        return bus;
      };
      const [first, second] = await Promise.all([
        startNode("dp-1", Promise.resolve(await connectBus("dp-1"))),
        startNode("dp-2", Promise.resolve(await connectBus("dp-2"))),
      ]);
      const key: StateKey = { orgId: freshOrgId(), namespace: "response-inputs", id: "resp_9" };
      await first.context.state.put(key, [{ role: "user", content: "hi" }]);
      expect(await second.context.state.get(key)).toEqual([{ role: "user", content: "hi" }]);
      expect(await second.context.state.get({ ...key, orgId: freshOrgId() })).toBeNull();
    },
  );
});
