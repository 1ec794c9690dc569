// The egress policy at the Management API, on real Postgres: base_url is refused with a 400
// when a query, fragment or credentials would ride on it; provider checks and webhooks to
// loopback, private or metadata addresses are refused unless allow-listed; and what the
// credential check and test_webhook report of a remote is a category, never its body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { webhooks } from "../../controlplane/db/schema/index.ts";
import { newSigningSecret } from "../../controlplane/webhooks/signing.ts";
import {
  type ManagementHarness,
  startManagementHarness,
  testSecretBox,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { freePort } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";

const REMOTE_SECRET = "INTERNAL-ONLY-BODY-7f3a";

describe.skipIf(servicesAbsent)("egress policy at the Management API (Postgres)", () => {
  let database: TestDatabase;
  // Each harness its own database: a delivery worker takes whatever is due in its database.
  let strictDatabase: TestDatabase;
  /** Loopback allow-listed, as the test support sets it up. */
  let allowed: ManagementHarness;
  /** No allow list: the policy refuses every loopback address. */
  let strict: ManagementHarness;
  let remote: ReturnType<typeof Bun.serve>;
  const remoteHits: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    allowed = await startManagementHarness(database.handle);
    strictDatabase = await createTestDatabase();
    strict = await startManagementHarness(strictDatabase.handle, {
      env: { MODELUX_EGRESS_ALLOW: "" },
    });
    // An internal service: answers everything with a body that must never be shown.
    remote = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) => {
        remoteHits.push(new URL(request.url).pathname);
        return new Response(REMOTE_SECRET, { status: 500 });
      },
    });
  });
  afterAll(async () => {
    await remote?.stop(true);
    await allowed?.stop();
    await strict?.stop();
    await database?.drop();
    await strictDatabase?.drop();
  });

  const provider = (base_url: string, name = "p") => ({
    vendor: "openai",
    name,
    api_key: "sk-test-0001",
    base_url,
  });

  test.each([
    ["a query string", "?x="],
    ["a fragment", "#f"],
  ])("a base_url with %s is a 400 naming base_url", async (_, suffix) => {
    const base = `${allowed.simulator.url}/v1${suffix}`;
    const created = await allowed.rest("POST", "/providers", { body: provider(base, "q") });
    expect(created.status).toBe(400);
    expect(created.body.error.fields.map((field: { field: string }) => field.field)).toContain(
      "body.base_url",
    );
  });

  test("a base_url with credentials in it is a 400 naming base_url, on create and update", async () => {
    const withUser = allowed.simulator.url.replace("http://", "http://user:pass@");
    const created = await allowed.rest("POST", "/providers", {
      body: provider(`${withUser}/v1`, "u"),
    });
    expect(created.status).toBe(400);
    expect(created.body.error.fields[0].field).toBe("body.base_url");
    const good = await allowed.rest("POST", "/providers", {
      body: provider(`${allowed.simulator.url}/v1`, "good"),
    });
    expect(good.status).toBe(201);
    const patched = await allowed.rest("PATCH", `/providers/${good.body.data.id}`, {
      body: { base_url: `${allowed.simulator.url}/v1?api-version=1` },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.error.fields[0].field).toBe("body.base_url");
  });

  test.each([
    ["the simulator on 127.0.0.1", () => `${strict.simulator.url}/v1`],
    ["localhost", () => `http://localhost:${new URL(strict.simulator.url).port}/v1`],
    ["the cloud metadata address", () => "http://169.254.169.254/latest"],
    ["an IPv4-mapped loopback", () => `http://[::ffff:127.0.0.1]:${remote.port}/v1`],
  ])("policy on, no allow list: a provider at %s is refused, nothing sent", async (_, base) => {
    const probes = () => remoteHits.filter((path) => path === "/v1/models").length;
    const before = probes();
    const created = await strict.rest("POST", "/providers", { body: provider(base(), "x") });
    expect(created.status).toBe(422);
    expect(created.body.error.fields[0]).toEqual({
      field: "body.base_url",
      message: "refused by egress policy",
    });
    expect(probes()).toBe(before);
  });

  test("the credential check reports a category, not the status line or the body", async () => {
    const failing = await allowed.rest("POST", "/providers", {
      body: provider(`http://127.0.0.1:${remote.port}/v1`, "failing"),
    });
    expect(failing.status).toBe(422);
    expect(failing.body.error.fields[0]).toEqual({ field: "body.base_url", message: "HTTP 5xx" });
    expect(JSON.stringify(failing.body)).not.toContain(REMOTE_SECRET);
    const closed = await allowed.rest("POST", "/providers", {
      body: provider(`http://127.0.0.1:${freePort()}/v1`, "closed"),
    });
    expect(closed.status).toBe(422);
    expect(closed.body.error.fields[0]).toEqual({ field: "body.base_url", message: "unreachable" });
  });

  test("webhook URLs on loopback are a 400 naming url under the policy", async () => {
    const local = await strict.rest("POST", "/webhooks", {
      body: { url: `http://localhost:${remote.port}/hook`, event_types: ["*"] },
    });
    expect(local.status).toBe(400);
    expect(local.body.error.fields[0]).toEqual({
      field: "body.url",
      message: "refused by egress policy",
    });
    const metadata = await strict.rest("POST", "/webhooks", {
      body: { url: "http://169.254.169.254/latest/meta-data", event_types: ["*"] },
    });
    expect(metadata.status).toBe(400);
    // Allowed where the operator allow-listed loopback; an update to a refused URL is refused.
    const hook = await allowed.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${remote.port}/hook`, event_types: ["*"] },
    });
    expect(hook.status).toBe(201);
    const moved = await allowed.rest("PATCH", `/webhooks/${hook.body.data.id}`, {
      body: { url: "http://[fd00:ec2::254]/latest" },
    });
    expect(moved.status).toBe(400);
    expect(moved.body.error.fields[0].field).toBe("body.url");
  });

  test("test_webhook reports a category, never the receiver's body", async () => {
    const hook = await allowed.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${remote.port}/failing`, event_types: ["*"] },
    });
    const tested = await allowed.rest("POST", `/webhooks/${hook.body.data.id}/test`);
    expect(tested.status).toBe(200);
    expect(tested.body.data).toMatchObject({
      last_error: "HTTP 5xx",
      last_response_body: null,
    });
    expect(JSON.stringify(tested.body)).not.toContain(REMOTE_SECRET);

    const closed = await allowed.rest("POST", "/webhooks", {
      body: { url: `http://127.0.0.1:${freePort()}/closed`, event_types: ["*"] },
    });
    const unreachable = await allowed.rest("POST", `/webhooks/${closed.body.data.id}/test`);
    expect(unreachable.body.data.last_error).toBe("unreachable");
  });

  test("a webhook stored before the policy, pointing at loopback, is refused at delivery", async () => {
    // Written straight to the table, as a row from an older version would be.
    const [row] = await strictDatabase.handle.db
      .insert(webhooks)
      .values({
        id: `whk_legacy${Date.now()}`,
        org_id: strict.org.orgId,
        url: `http://127.0.0.1:${remote.port}/legacy`,
        event_types: ["*"],
        signing_secret_ciphertext: testSecretBox.encrypt(newSigningSecret()),
      })
      .returning();
    const tested = await strict.rest("POST", `/webhooks/${row?.id}/test`);
    expect(tested.body.data).toMatchObject({
      last_error: "refused by egress policy",
      last_status_code: null,
      last_response_body: null,
    });
    expect(remoteHits).not.toContain("/legacy");
  });
});
