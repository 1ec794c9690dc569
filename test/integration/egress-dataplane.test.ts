// The egress policy on the data plane: a provider whose base_url is a loopback (or otherwise
// internal) address is refused with a clean error in the caller's shape when the policy is on,
// served when the address is allow-listed or the policy is off (the embedded default), and a
// fleet data plane enforces it by default.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { parseEgressAllow } from "#shared/egress/allow-list.ts";
import { EgressPolicy } from "#shared/egress/policy.ts";
import { useUpstreamEgressPolicy } from "../../dataplane/pipeline/upstream-fetch.ts";
import { startFleet, type TestFleet } from "../support/fleet.ts";
import {
  anthropicClient,
  type GatewayHarness,
  HARNESS_KEY,
  openAiClient,
  startGatewayHarness,
} from "../support/gateway-harness.ts";
import { servicesAbsent } from "../support/services.ts";

const enforce = (allow = "") =>
  new EgressPolicy({ mode: "enforce", allow: parseEgressAllow(allow) });

const post = (url: string, body: unknown) =>
  fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${HARNESS_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("egress policy on the data plane (in process)", () => {
  let harness: GatewayHarness;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(() => {
    harness = startGatewayHarness();
    openai = openAiClient(harness);
    anthropic = anthropicClient(harness);
  });
  afterEach(() => useUpstreamEgressPolicy(EgressPolicy.off));
  afterAll(() => harness.stop());

  test("policy on: chat to a loopback upstream is a clean OpenAI-shaped error", async () => {
    useUpstreamEgressPolicy(enforce());
    const error = await openai.chat.completions
      .create({ model: "@openai", messages: [{ role: "user", content: "hi" }] })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.message).toContain("refused by egress policy");
    expect(apiError.message).not.toContain("127.0.0.1");
  });

  test("policy on: embeddings from a loopback upstream never come back as its body", async () => {
    useUpstreamEgressPolicy(enforce());
    const response = await post(`${harness.baseUrl}/openai/v1/embeddings`, {
      model: "openai/text-embedding-3-small",
      input: "hello",
    });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toContain("refused by egress policy");
    expect(body).not.toHaveProperty("data");
  });

  test("policy on: the Anthropic surface answers in its own error shape", async () => {
    useUpstreamEgressPolicy(enforce());
    const error = await anthropic.messages
      .create({
        model: "@anthropic",
        max_tokens: 16,
        messages: [{ role: "user", content: "hi" }],
      })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(502);
    expect(apiError.error).toMatchObject({ type: "error", error: { type: "api_error" } });
    expect(apiError.message).toContain("refused by egress policy");
  });

  test("policy on with loopback allow-listed: served", async () => {
    useUpstreamEgressPolicy(enforce("127.0.0.1/32"));
    const completion = await openai.chat.completions.create({
      model: "@openai",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
    const embedded = await openai.embeddings.create({
      model: "openai/text-embedding-3-small",
      input: "hello",
      dimensions: 8,
    });
    expect(embedded.data[0]?.embedding).toHaveLength(8);
  });

  test("policy off (the embedded default): served by the simulator on loopback", async () => {
    const completion = await openai.chat.completions.create({
      model: "@openai",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]?.message.content).toBeTruthy();
  });
});

describe.skipIf(servicesAbsent)("egress policy on a fleet data plane (default: enforce)", () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    // No allow list for the data plane: the simulator on 127.0.0.1 is an internal address.
    fleet = await startFleet({
      name: "egress",
      dataPlanes: 1,
      dataEnv: { MODELUX_EGRESS_ALLOW: "" },
    });
  }, 60_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  test("a provider on a loopback address is refused with a clean OpenAI-shaped error", async () => {
    const plane = fleet.dataPlanes[0];
    if (!plane) throw new Error("no data plane");
    const send = () =>
      fetch(`${plane.url}/openai/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${fleet.tenant.proxyKey}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ model: "@default", messages: [{ role: "user", content: "hi" }] }),
      });
    // The snapshot may still be on its way to the new data plane.
    let response = await send();
    for (let tries = 0; response.status === 503 && tries < 100; tries++) {
      await Bun.sleep(100);
      response = await send();
    }
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain("refused by egress policy");
  }, 30_000);
});
