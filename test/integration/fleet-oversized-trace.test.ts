// Issue 14, "nothing lost": one oversized request-log row stopped every later trace from reaching
// the warehouse. A 1.2 MB `model` made a row larger than NATS's max_payload (1 MiB), the data
// plane retried that segment forever, and the rows behind it never arrived. Such a model is now
// refused before a trace starts (a 400 naming `model`, quoting none of it). Here a fleet (its own
// nats-server, default max_payload) gets that request and a captured 1.5 MB prompt, then an
// ordinary request, whose row must reach GET /manage/v1/logs.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startFleet, type TestFleet } from "../support/fleet.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(servicesAbsent)("fleet: an oversized trace row", () => {
  let fleet: TestFleet;

  const chat = (model: string, content = "hello") =>
    fetch(`${fleet.dataPlanes[0]?.url}/openai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${fleet.tenant.proxyKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ model, messages: [{ role: "user", content }] }),
    });
  const logOf = (requestId: string) => fleet.manage("GET", `/logs/${requestId}`);
  const within = <T>(probe: () => Promise<T>, message: string) =>
    waitUntil(probe, { timeoutMs: 30_000, intervalMs: 200, message }).catch((error: Error) => {
      throw new Error(`${error.message}\n${fleet.output()}`);
    });

  beforeAll(async () => {
    fleet = await startFleet({ name: "oversized-trace", dataPlanes: 1 });
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  test("after a 1.2 MB model and a 1.5 MB captured prompt, later requests still reach the warehouse", async () => {
    const capture = await fleet.manage("PATCH", `/projects/${fleet.tenant.projectId}`, {
      settings: { capture_content: true },
    });
    expect(capture.status).toBe(200);
    // The data plane captures once it has the new snapshot: a request's row then has a prompt.
    await within(async () => {
      const response = await chat("@default", "probe");
      const id = response.headers.get("x-modelux-request-id") as string;
      const found = await waitUntil(async () => (await logOf(id)).status === 200, {
        timeoutMs: 10_000,
        intervalMs: 100,
      }).then(
        () => true,
        () => false,
      );
      return found && (await logOf(id)).data.prompt !== null;
    }, "capture_content never took effect");

    const huge = await chat("x".repeat(1_200_000));
    const refusal = (await huge.json()) as { error: { message: string; param: string } };
    expect(huge.status).toBe(400);
    expect(refusal.error.param).toBe("model");
    expect(refusal.error.message.length).toBeLessThan(400);

    const longPrompt = await chat("@default", "p".repeat(1_500_000));
    expect(longPrompt.status).toBe(200);
    const longPromptId = longPrompt.headers.get("x-modelux-request-id") as string;

    // Before the fix this row was refused by NATS, and its segment retried forever.
    const captured = await within(async () => {
      const log = await logOf(longPromptId);
      return log.status === 200 ? log : null;
    }, "the row with the long captured prompt never reached the warehouse");
    expect(captured.data.truncated).toBe(true);
    expect((captured.data.prompt as string).endsWith("…[truncated]")).toBe(true);

    // A later request, so in a later segment of the data plane's log, arrives too.
    const ordinary = await chat("@default");
    expect(ordinary.status).toBe(200);
    const ordinaryId = ordinary.headers.get("x-modelux-request-id") as string;
    await within(
      async () => (await logOf(ordinaryId)).status === 200,
      "the ordinary request never reached the warehouse",
    );
    expect((await logOf(ordinaryId)).data.truncated).toBe(false);
    expect(fleet.dataPlanes[0]?.child.output()).not.toContain("traces kept on disk");
  }, 120_000);
});
