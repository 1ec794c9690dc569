// Webhook delivery end to end on real Postgres: a receiver verifies every request with the
// standardwebhooks package and by recomputing X-Modelux-Signature, fails its first deliveries and
// gets them again with backoff; rotation signs with both secrets; replay, Slack payloads, the
// retry window, and two workers sharing the outbox without sending anything twice.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { webhookDeliveries } from "../../controlplane/db/schema/index.ts";
import { WebhookDeliveryWorker } from "../../controlplane/webhooks/delivery-worker.ts";
import { enqueueEvent } from "../../controlplane/webhooks/enqueue.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

describe.skipIf(servicesAbsent)("webhook delivery (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let receiver: ReturnType<typeof Bun.serve>;
  const received: Received[] = [];
  let failuresLeft = 2;

  beforeAll(async () => {
    receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        const path = new URL(request.url).pathname;
        received.push({
          path,
          headers: Object.fromEntries(request.headers),
          body: await request.text(),
        });
        if (path === "/down") return new Response("down", { status: 503 });
        if (path === "/flaky" && failuresLeft > 0) {
          failuresLeft--;
          return new Response("try later", { status: 500 });
        }
        return new Response("ok");
      },
    });
    const local = `http://127.0.0.1:${receiver.port}`;
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle, {
      env: {
        MODELUX_WEBHOOK_RETRY_WINDOW_MS: "1500",
        MODELUX_MANAGEMENT_RPM: "1000",
        // Named so the egress policy passes it without a DNS lookup (tests have no internet).
        MODELUX_EGRESS_ALLOW: "127.0.0.1/32,hooks.slack.com",
      },
      // Slack is out of reach in tests: its URLs land on the local receiver.
      fetch: ((input: string | URL | Request, init?: RequestInit) => {
        const url = String(input);
        return fetch(url.startsWith("https://hooks.slack.com/") ? `${local}/slack` : url, init);
      }) as typeof fetch,
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await receiver?.stop(true);
    await database?.drop();
  });

  const url = (path: string) => `http://127.0.0.1:${receiver.port}${path}`;

  async function createWebhook(path: string, event_types: string[]) {
    const response = await harness.rest("POST", "/webhooks", {
      body: { url: path.startsWith("https://") ? path : url(path), event_types },
    });
    expect(response.status).toBe(201);
    return response.body.data as { id: string; signing_secret: string };
  }

  function verify(request: Received, secret: string) {
    // Throws unless a webhook-signature entry was made with this secret, for this id and time.
    new Webhook(secret).verify(request.body, request.headers);
    const expected = createHmac("sha256", secret).update(request.body).digest("hex");
    expect(request.headers["x-modelux-signature"]?.split(",")).toContain(expected);
  }

  test("signed deliveries reach the receiver, failed ones again with backoff", async () => {
    const hook = await createWebhook("/flaky", [
      "routing_config.created",
      "routing_config.updated",
      "routing_config.deleted",
      "api_key.revoked",
    ]);
    const { projectId } = harness.org;
    const saved = await harness.rest("POST", "/routing-configs", {
      body: { project_id: projectId, slug: "hooked", config: { strategy: "single", model: "a" } },
    });
    await harness.rest("PATCH", `/routing-configs/${saved.body.data.id}`, {
      body: { config: { strategy: "single", model: "b" } },
    });
    await harness.rest("DELETE", `/routing-configs/${saved.body.data.id}`);
    const key = await harness.rest("POST", "/api-keys", {
      body: { project_id: projectId, name: "k" },
    });
    await harness.rest("POST", `/api-keys/${key.body.data.id}/revoke`);

    const delivered = await waitUntil(
      async () => {
        const list = await harness.rest("GET", `/webhooks/${hook.id}/deliveries?status=delivered`);
        return list.body.data.length === 4 ? list.body.data : null;
      },
      { timeoutMs: 5000, message: "not every event was delivered" },
    );
    const atFlaky = received.filter((request) => request.path === "/flaky");
    expect(atFlaky.length).toBe(6); // four events, two of whose attempts failed first
    for (const request of atFlaky) verify(request, hook.signing_secret);
    const types = atFlaky.map((request) => JSON.parse(request.body).type);
    expect(new Set(types)).toEqual(
      new Set([
        "routing_config.created",
        "routing_config.updated",
        "routing_config.deleted",
        "api_key.revoked",
      ]),
    );
    const attempts = delivered.map((item: { attempts: number }) => item.attempts);
    expect(attempts.reduce((sum: number, value: number) => sum + value, 0)).toBe(6);
    // A retry is the same message: same webhook-id, so receivers can de-duplicate.
    const ids = atFlaky.map((request) => request.headers["webhook-id"]);
    expect(new Set(ids).size).toBe(4);
    const first = JSON.parse(
      atFlaky.find((request) => JSON.parse(request.body).type === "routing_config.updated")?.body ??
        "{}",
    );
    expect(first).toMatchObject({
      type: "routing_config.updated",
      org_id: harness.org.orgId,
      data: { version: 2, previous_version: 1 },
    });
    const detail = await harness.rest("GET", `/webhooks/${hook.id}/deliveries/${delivered[0].id}`);
    expect(detail.body.data).toMatchObject({
      status: "delivered",
      last_status_code: 200,
      last_response_body: null,
    });
    await harness.rest("DELETE", `/webhooks/${hook.id}`);
  });

  test("after a rotation both secrets sign for the overlap; the test endpoint and replay", async () => {
    const hook = await createWebhook("/rotated", ["*"]);
    const rotated = await harness.rest("POST", `/webhooks/${hook.id}/rotate-secret`);
    const newSecret = rotated.body.data.signing_secret as string;
    expect(newSecret).not.toBe(hook.signing_secret);
    const tested = await harness.rest("POST", `/webhooks/${hook.id}/test`, {
      key: harness.org.keys.developer,
    });
    expect(tested.body.data).toMatchObject({
      status: "delivered",
      event_type: "webhook.test",
      attempts: 1,
    });
    // The hook subscribes to everything, so other events may arrive too: pick the test event.
    const isTest = (item: Received) =>
      item.path === "/rotated" && item.body.includes('"webhook.test"');
    const request = received.filter(isTest).at(-1) as Received;
    verify(request, newSecret);
    verify(request, hook.signing_secret);
    expect(request.headers["x-modelux-signature"]?.split(",")).toHaveLength(2);
    expect(request.headers["webhook-signature"]?.split(" ")).toHaveLength(2);

    const replayed = await harness.rest(
      "POST",
      `/webhooks/${hook.id}/deliveries/${tested.body.data.id}/replay`,
    );
    expect(replayed.status).toBe(202);
    expect(replayed.body.data.replay_of).toBe(tested.body.data.id);
    const sameDelivery = (item: Received) =>
      isTest(item) && item.headers["webhook-id"] === request.headers["webhook-id"];
    await waitUntil(() => received.filter(sameDelivery).length === 2);
    const again = received.filter(sameDelivery).at(-1) as Received;
    expect(again.headers["webhook-id"]).toBe(request.headers["webhook-id"]);
    expect(again.body).toBe(request.body);
    // The stored secret is encrypted.
    const [row] = await database.handle.db.select().from(webhookDeliveries).limit(1);
    expect(JSON.stringify(row)).not.toContain(newSecret);
    expect(testSecretBox).toBeDefined();
    await harness.rest("DELETE", `/webhooks/${hook.id}`);
  });

  test("a delivery still failing at the end of the retry window is marked failed", async () => {
    const hook = await createWebhook("/down", ["api_key.revoked"]);
    const key = await harness.rest("POST", "/api-keys", {
      body: { project_id: harness.org.projectId, name: "x" },
    });
    await harness.rest("POST", `/api-keys/${key.body.data.id}/revoke`);
    const failed = await waitUntil(
      async () => {
        const list = await harness.rest("GET", `/webhooks/${hook.id}/deliveries?status=failed`);
        return list.body.data[0];
      },
      { timeoutMs: 6000, message: "the delivery was never marked failed" },
    );
    expect(failed.attempts).toBeGreaterThan(2);
    expect(failed.last_status_code).toBe(503);
    expect(failed.next_attempt_at).toBeNull();
    await harness.rest("DELETE", `/webhooks/${hook.id}`);
  });

  test("Slack URLs get a Slack message", async () => {
    const hook = await createWebhook("https://hooks.slack.com/services/T000/B000/XXXX", ["*"]);
    const tested = await harness.rest("POST", `/webhooks/${hook.id}/test`);
    expect(tested.body.data.status).toBe("delivered");
    const message = JSON.parse(
      received.filter((item) => item.path === "/slack").at(-1)?.body ?? "{}",
    );
    expect(message.text).toBe("modelux: webhook.test");
    expect(message.blocks[0]).toMatchObject({ type: "header" });
    await harness.rest("DELETE", `/webhooks/${hook.id}`);
  });

  test("two workers share the outbox without delivering anything twice", async () => {
    const hook = await createWebhook("/shared", ["routing_config.created"]);
    const second = new WebhookDeliveryWorker({
      db: database.handle.db,
      secretBox: testSecretBox,
      pollMs: 5,
      backoffBaseMs: 40,
      retryWindowMs: 60_000,
      timeoutMs: 2000,
    });
    second.start();
    try {
      for (let index = 0; index < 30; index++) {
        await enqueueEvent(database.handle.db, harness.org.orgId, "routing_config.created", {
          index,
        });
      }
      await waitUntil(() => received.filter((item) => item.path === "/shared").length >= 30, {
        timeoutMs: 5000,
      });
      await Bun.sleep(200);
      const ids = received
        .filter((item) => item.path === "/shared")
        .map((item) => item.headers["webhook-id"]);
      expect(ids.length).toBe(30);
      expect(new Set(ids).size).toBe(30);
    } finally {
      await second.stop();
      await harness.rest("DELETE", `/webhooks/${hook.id}`);
    }
  });
});
