// Price overrides through the REST API on real Postgres: create, list (paged), get, update and
// delete; field-level errors; one per (vendor, model); audited; invisible to another org; a
// write wakes the snapshot publisher and lands in the snapshot in USD per token.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CONFIG_CHANGED_CHANNEL } from "../../controlplane/db/client.ts";
import { compileSnapshotBody } from "../../controlplane/publisher/compile-snapshot.ts";
import { type ManagementHarness, startManagementHarness } from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

describe.skipIf(servicesAbsent)("price overrides (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  const call = (...args: Parameters<ManagementHarness["rest"]>) => harness.rest(...args);
  const fieldsOf = (body: { error: { fields?: Array<{ field: string }> } }) =>
    (body.error.fields ?? []).map((problem) => problem.field);

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  test("create, get, list, update and delete, each audited", async () => {
    const created = await call("POST", "/price-overrides", {
      body: {
        vendor: "openai",
        model: "gpt-4o-2024-08-06",
        input_usd_per_mtok: 2,
        output_usd_per_mtok: 8.5,
        cache_read_usd_per_mtok: 0.0028,
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    expect(id).toStartWith("pov_");
    expect(created.body.data).toMatchObject({
      vendor: "openai",
      model: "gpt-4o-2024-08-06",
      input_usd_per_mtok: 2,
      output_usd_per_mtok: 8.5,
      cache_read_usd_per_mtok: 0.0028,
      cache_write_usd_per_mtok: null,
      reasoning_usd_per_mtok: null,
    });

    const got = await call("GET", `/price-overrides/${id}`, { key: harness.org.keys.viewer });
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(created.body.data);

    const updated = await call("PATCH", `/price-overrides/${id}`, {
      body: { output_usd_per_mtok: 9, cache_read_usd_per_mtok: null, reasoning_usd_per_mtok: 12 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      input_usd_per_mtok: 2,
      output_usd_per_mtok: 9,
      cache_read_usd_per_mtok: null,
      reasoning_usd_per_mtok: 12,
    });

    const removed = await call("DELETE", `/price-overrides/${id}`);
    expect(removed.body).toEqual({ data: { id, deleted: true } });
    expect((await call("GET", `/price-overrides/${id}`)).status).toBe(404);

    const audit = await call("GET", `/audit-log?resource_id=${id}`);
    expect(audit.body.data.map((entry: { action: string }) => entry.action)).toEqual([
      "price_override.deleted",
      "price_override.updated",
      "price_override.created",
    ]);
    const [, auditedUpdate] = audit.body.data;
    expect(auditedUpdate.resource_type).toBe("price_override");
    expect(auditedUpdate.before.output_usd_per_mtok).toBe(8.5);
    expect(auditedUpdate.after.output_usd_per_mtok).toBe(9);
  });

  test("lists newest first, paged, filtered by vendor and model", async () => {
    const models = ["claude-a", "claude-b", "claude-c"];
    for (const model of models) {
      const created = await call("POST", "/price-overrides", {
        body: { vendor: "anthropic", model, input_usd_per_mtok: 1, output_usd_per_mtok: 5 },
      });
      expect(created.status).toBe(201);
    }
    const first = await call("GET", "/price-overrides?vendor=anthropic&limit=2");
    expect(first.status).toBe(200);
    expect(first.body.data.map((item: { model: string }) => item.model)).toEqual([
      "claude-c",
      "claude-b",
    ]);
    const second = await call(
      "GET",
      `/price-overrides?vendor=anthropic&cursor=${first.body.next_cursor}`,
    );
    expect(second.body.data.map((item: { model: string }) => item.model)).toEqual(["claude-a"]);
    expect(second.body.next_cursor).toBeNull();
    const one = await call("GET", "/price-overrides?model=claude-b");
    expect(one.body.data.map((item: { model: string }) => item.model)).toEqual(["claude-b"]);
  });

  test("one override per vendor and model: a duplicate is a 409, on create and on update", async () => {
    const body = {
      vendor: "groq",
      model: "qwen/qwen3-32b",
      input_usd_per_mtok: 0.2,
      output_usd_per_mtok: 0.5,
    };
    expect((await call("POST", "/price-overrides", { body })).status).toBe(201);
    const again = await call("POST", "/price-overrides", { body });
    expect(again.status).toBe(409);
    expect(again.body.error.resource).toBe("price_override");

    // The same model name at another vendor is another override.
    const other = await call("POST", "/price-overrides", { body: { ...body, vendor: "together" } });
    expect(other.status).toBe(201);
    const renamed = await call("PATCH", `/price-overrides/${other.body.data.id}`, {
      body: { vendor: "groq" },
    });
    expect(renamed.status).toBe(409);
  });

  test("field-level errors: vendor, model, prices", async () => {
    const refused = await call("POST", "/price-overrides", {
      body: {
        vendor: "ollama",
        model: "",
        input_usd_per_mtok: -1,
        output_usd_per_mtok: "3",
        reasoning_usd_per_mtok: 2_000_000,
      },
    });
    expect(refused.status).toBe(400);
    expect(fieldsOf(refused.body).sort()).toEqual([
      "body.input_usd_per_mtok",
      "body.model",
      "body.output_usd_per_mtok",
      "body.reasoning_usd_per_mtok",
      "body.vendor",
    ]);
    expect(refused.body.error.fields).toContainEqual({
      field: "body.input_usd_per_mtok",
      message: "must be 0 or more",
    });

    // 1e999 is valid JSON and parses to Infinity.
    const infinite = await fetch(`${harness.url}/manage/v1/price-overrides`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${harness.org.keys.owner}`,
        "content-type": "application/json",
      },
      body: '{"vendor":"openai","model":"gpt-4o","input_usd_per_mtok":1e999,"output_usd_per_mtok":1}',
    });
    expect(infinite.status).toBe(400);
    const infiniteBody = (await infinite.json()) as { error: { fields: unknown } };
    expect(infiniteBody.error.fields).toEqual([
      { field: "body.input_usd_per_mtok", message: "must be at most 1000000" },
    ]);

    const missing = await call("POST", "/price-overrides", {
      body: { vendor: "openai", model: "gpt-4o", input_usd_per_mtok: 1 },
    });
    expect(fieldsOf(missing.body)).toEqual(["body.output_usd_per_mtok"]);
    const unknown = await call("POST", "/price-overrides", {
      body: {
        vendor: "openai",
        model: " gpt-4o",
        input_usd_per_mtok: 1,
        output_usd_per_mtok: 2,
        input: 1,
      },
    });
    expect(fieldsOf(unknown.body).sort()).toEqual(["body.input", "body.model"]);
    const badPatch = await call("PATCH", "/price-overrides/pov_x", {
      body: { cache_write_usd_per_mtok: -0.5 },
    });
    expect(fieldsOf(badPatch.body)).toEqual(["body.cache_write_usd_per_mtok"]);
    // A free model is allowed.
    const free = await call("POST", "/price-overrides", {
      body: { vendor: "openai", model: "in-house", input_usd_per_mtok: 0, output_usd_per_mtok: 0 },
    });
    expect(free.status).toBe(201);
  });

  test("roles: viewers read, only admins and owners write", async () => {
    const body = {
      vendor: "mistral",
      model: "roles-check",
      input_usd_per_mtok: 1,
      output_usd_per_mtok: 1,
    };
    const byDeveloper = await call("POST", "/price-overrides", {
      key: harness.org.keys.developer,
      body,
    });
    expect(byDeveloper.status).toBe(403);
    const byAdmin = await call("POST", "/price-overrides", { key: harness.org.keys.admin, body });
    expect(byAdmin.status).toBe(201);
    const id = byAdmin.body.data.id;
    const viewer = harness.org.keys.viewer;
    expect((await call("GET", "/price-overrides", { key: viewer })).status).toBe(200);
    const patch = await call("PATCH", `/price-overrides/${id}`, {
      key: viewer,
      body: { input_usd_per_mtok: 2 },
    });
    expect(patch.status).toBe(403);
    expect((await call("DELETE", `/price-overrides/${id}`, { key: viewer })).status).toBe(403);
  });

  test("another org can neither see nor change them", async () => {
    const created = await call("POST", "/price-overrides", {
      body: {
        vendor: "xai",
        model: "grok-3-mini",
        input_usd_per_mtok: 0.1,
        output_usd_per_mtok: 0.2,
      },
    });
    const id = created.body.data.id;
    const outsider = harness.other.keys.owner;
    const listed = await call("GET", "/price-overrides?limit=100", { key: outsider });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([]);
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { input_usd_per_mtok: 99 }],
      ["DELETE", undefined],
    ] as const) {
      const attempt = await call(method, `/price-overrides/${id}`, { key: outsider, body });
      expect(attempt.status).toBe(404);
      expect(attempt.body.error).toMatchObject({ resource: "price_override", id });
    }
    // The other org has its own override for the same model, no conflict.
    const theirs = await call("POST", "/price-overrides", {
      key: outsider,
      body: { vendor: "xai", model: "grok-3-mini", input_usd_per_mtok: 5, output_usd_per_mtok: 6 },
    });
    expect(theirs.status).toBe(201);
    const mine = await call("GET", `/price-overrides/${id}`);
    expect(mine.body.data.input_usd_per_mtok).toBe(0.1);
  });

  test("a write wakes the publisher; the snapshot carries USD per token", async () => {
    const seen: string[] = [];
    const unlisten = await database.handle.listen(CONFIG_CHANGED_CHANNEL, (payload) =>
      seen.push(payload),
    );
    try {
      const created = await call("POST", "/price-overrides", {
        body: {
          vendor: "deepseek",
          model: "deepseek-chat",
          input_usd_per_mtok: 0.1,
          output_usd_per_mtok: 0.6,
          cache_write_usd_per_mtok: 0.0028,
        },
      });
      expect(created.status).toBe(201);
      await waitUntil(() => seen.includes("price_overrides"), {
        message: "no NOTIFY after a write to price_overrides",
      });
    } finally {
      await unlisten();
    }
    const body = await compileSnapshotBody(database.handle.db);
    const entry = body.price_overrides?.find(
      (candidate) => candidate.org_id === harness.org.orgId && candidate.model === "deepseek-chat",
    );
    // Shifted, not divided: 0.1 / 1e6 would be 1.0000000000000001e-7.
    expect(entry).toEqual({
      org_id: harness.org.orgId,
      vendor: "deepseek",
      model: "deepseek-chat",
      input: 1e-7,
      output: 6e-7,
      cache_read: null,
      cache_write: 2.8e-9,
      reasoning: null,
    });
  });
});
