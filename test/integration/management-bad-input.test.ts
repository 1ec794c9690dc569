// The Management API refuses input Postgres or a recursive walk cannot take with a 400 naming the
// field (issue 14, point 10): NUL and unpaired surrogates in path, query and body text, a path
// segment that is not valid percent-encoding, and a body nested deeper than the bound, with and
// without an Idempotency-Key (whose hash walks the body), over REST and MCP.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { MAX_INPUT_DEPTH } from "../../controlplane/api/input-guard.ts";
import { idempotencyKeys } from "../../controlplane/db/schema/index.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
  toolResult,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

describe.skipIf(servicesAbsent)("Management API bad input (Postgres)", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  /** Sends the path and body text as given: no client-side encoding or serialisation. */
  async function send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${harness.url}/manage/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${harness.org.keys.owner}`,
        "content-type": "application/json",
        ...headers,
      },
      body,
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) };
  }

  function expectRefused(response: { status: number; body: Json }, field: string) {
    expect(response.status).toBe(400);
    expect(response.body.error.type).toBe("invalid_request");
    expect(response.body.error.fields[0].field).toBe(field);
    expect(response.body.error.message).toContain(field);
  }

  test("a NUL in a path id is a 400 naming the parameter, not a Postgres error", async () => {
    expectRefused(await send("GET", "/projects/%00"), "params.project_id");
    expectRefused(
      await send("DELETE", `/projects/${harness.org.projectId}%00`),
      "params.project_id",
    );
    expectRefused(await send("GET", "/api-keys/%00"), "params.api_key_id");
  });

  test("a path segment that is not valid percent-encoding is a 400, and segments decode once", async () => {
    const malformed = await send("GET", "/projects/%E0%A4%A");
    expectRefused(malformed, "params.project_id");
    expect(malformed.body.error.message).toContain("percent-encoded");
    // `%25E0%25A4%25A` is the text `%E0%A4%A`: an id that does not exist, not a second decode.
    const escaped = await send("GET", "/projects/%25E0%25A4%25A");
    expect(escaped.status).toBe(404);
    expect(escaped.body.error.id).toBe("%E0%A4%A");
  });

  test("NUL and unpaired surrogates in query and body text are 400s naming the field", async () => {
    expectRefused(await send("GET", "/projects?cursor=%00"), "query.cursor");
    expectRefused(
      await send("POST", "/projects", JSON.stringify({ name: "a\u0000b", slug: "nul-name" })),
      "body.name",
    );
    expectRefused(
      await send("POST", "/projects", JSON.stringify({ name: "a\ud800b", slug: "half-pair" })),
      "body.name",
    );
    const nested = {
      name: "nested",
      slug: "nested-nul",
      settings: { redaction: { enabled: true, patterns: ["ok", "bad\u0000"] } },
    };
    expectRefused(
      await send("POST", "/projects", JSON.stringify(nested)),
      "body.settings.redaction.patterns.1",
    );
    const badKey = await send(
      "POST",
      "/projects",
      '{"name":"k","slug":"k","settings":{"a\\u0000":1}}',
    );
    expectRefused(badKey, "body.settings");
    const stored = await harness.rest("GET", "/projects?limit=100");
    const slugs = stored.body.data.map((project: { slug: string }) => project.slug);
    expect(slugs).not.toContain("nul-name");
    expect(slugs).not.toContain("half-pair");
  });

  test("a body nested 100k levels deep is a 400 before any walk, with or without Idempotency-Key", async () => {
    const deep = `{"name":"deep","slug":"deep","settings":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const key = `deep-${crypto.randomUUID()}`;
    const withKey = await send("POST", "/projects", deep, { "idempotency-key": key });
    expectRefused(withKey, `body.settings${".0".repeat(MAX_INPUT_DEPTH - 1)}`);
    expect(withKey.body.error.message).toContain(`nested deeper than ${MAX_INPUT_DEPTH} levels`);
    expectRefused(await send("POST", "/projects", deep), withKey.body.error.fields[0].field);
    // Refused before the key was claimed, so it is free for a corrected request.
    const claimed = await database.handle.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, key));
    expect(claimed).toEqual([]);
    const corrected = await send(
      "POST",
      "/projects",
      JSON.stringify({ name: "deep", slug: "deep" }),
      { "idempotency-key": key },
    );
    expect(corrected.status).toBe(201);
  });

  test("nesting up to the bound is accepted as far as the schema allows", async () => {
    const atBound = `{"name":"x","slug":"bound","settings":${"[".repeat(MAX_INPUT_DEPTH - 1)}${"]".repeat(MAX_INPUT_DEPTH - 1)}}`;
    const response = await send("POST", "/projects", atBound);
    expect(response.status).toBe(400);
    // The schema's own complaint (settings must be an object), not the depth bound.
    expect(response.body.error.message).not.toContain("nested deeper");
  });

  test("MCP tool arguments meet the same bounds", async () => {
    const client = await harness.mcp();
    const nul = toolResult(
      await client.callTool({ name: "get_project", arguments: { project_id: "\u0000" } }),
    );
    expect(nul.isError).toBe(true);
    expect(nul.body.error.fields[0].field).toBe("params.project_id");
    let settings: unknown = {};
    for (let level = 0; level < MAX_INPUT_DEPTH + 5; level++) settings = [settings];
    const deep = toolResult(
      await client.callTool({
        name: "create_project",
        arguments: { name: "deep", slug: "deep-mcp", settings },
      }),
    );
    expect(deep.isError).toBe(true);
    expect(deep.body.error.status).toBe(400);
    expect(deep.body.error.message).toContain("nested deeper");
  });
});
