// The operation registry is the single source of the three surfaces: every operation has its
// REST route, its OpenAPI entry and its MCP tool, and the OpenAPI document is valid.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { compileErrors, validate } from "@readme/openapi-parser";
import * as v from "valibot";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { controlPlaneSchema, readSettings } from "#shared/env/settings.ts";
import { restPaths, toolNames } from "../../controlplane/api/aliases.ts";
import { toJsonSchema } from "../../controlplane/api/json-schema.ts";
import { OPERATIONS } from "../../controlplane/api/registry.ts";
import { type DatabaseHandle, openPglite } from "../../controlplane/db/client.ts";
import { createManagement, type Management } from "../../controlplane/management.ts";
import { toolOf } from "../../controlplane/mcp/tools.ts";
import { createControlPlaneApp } from "../../controlplane/server.ts";

type OpenApi = {
  paths: Record<string, Record<string, { operationId: string; "x-required-role": string }>>;
};

describe("operation registry", () => {
  let database: DatabaseHandle;
  let management: Management;
  let app: ReturnType<typeof createControlPlaneApp>;

  beforeAll(async () => {
    // Nothing here reaches the database: every request is refused before it would.
    database = await openPglite();
    management = createManagement({
      db: database.db,
      secretBox: new SecretBox(new Uint8Array(32)),
      settings: readSettings(controlPlaneSchema, {
        DATABASE_URL: "postgres://unused",
        NATS_URL: "nats://unused",
        MODELUX_SECRET_KEY: "0".repeat(64),
      }),
      publishControl: async () => {},
      log: () => {},
    });
    app = createControlPlaneApp({
      database,
      snapshotVersion: () => null,
      isBusConnected: () => false,
      management: management.app,
    });
  });
  afterAll(async () => {
    await management?.stop();
    await database?.close();
  });

  const get = (path: string) => app.handle(new Request(`http://localhost${path}`));

  test("modelux.ai aliases: tool names and routes unique, path parameters as the operation's", () => {
    const names = OPERATIONS.flatMap(toolNames);
    expect(new Set(names).size).toBe(names.length);
    const routes = OPERATIONS.flatMap((operation) =>
      restPaths(operation).map((path) => `${operation.method} ${path.replace(/\{\w+\}/g, "{}")}`),
    );
    expect(new Set(routes).size).toBe(routes.length);
    for (const operation of OPERATIONS) {
      for (const path of restPaths(operation)) {
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? "");
        expect(Object.keys(operation.params?.entries ?? {}).sort()).toEqual(inPath.sort());
      }
    }
  });

  test("ids are unique snake_case, routes unique, path parameters declared", () => {
    const ids = OPERATIONS.map((operation) => operation.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+(_[a-z]+)*$/);
    const routes = OPERATIONS.map((operation) => `${operation.method} ${operation.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const operation of OPERATIONS) {
      const inPath = [...operation.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(Object.keys(operation.params?.entries ?? {}).sort()).toEqual(
        inPath.sort() as string[],
      );
    }
  });

  test("the OpenAPI document validates and lists every operation with its role", async () => {
    const response = await get("/manage/v1/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApi;
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    for (const operation of OPERATIONS) {
      const entry = document.paths[operation.path]?.[operation.method.toLowerCase()];
      expect(entry?.operationId).toBe(operation.id);
      expect(entry?.["x-required-role"]).toBe(operation.role);
    }
    const entries = Object.values(document.paths).flatMap((item) => Object.values(item));
    expect(entries.length).toBe(OPERATIONS.length);
  });

  test("every operation is an MCP tool whose arguments cover path, query and body", () => {
    for (const operation of OPERATIONS) {
      const tool = toolOf(operation);
      expect(tool.name).toBe(operation.id);
      const properties = Object.keys(tool.inputSchema.properties ?? {});
      for (const part of [operation.params, operation.query, operation.body]) {
        for (const name of Object.keys(part?.entries ?? {})) expect(properties).toContain(name);
      }
    }
  });

  test("every operation has a mounted REST route (refused without a key, not unknown)", async () => {
    for (const operation of OPERATIONS) {
      const path = operation.path.replace(/\{\w+\}/g, "x1");
      const response = await app.handle(
        new Request(`http://localhost/manage/v1${path}`, { method: operation.method }),
      );
      const body = (await response.json()) as { error: { type: string } };
      expect(`${operation.id} ${response.status} ${body.error.type}`).toBe(
        `${operation.id} 401 authentication`,
      );
    }
    const docs = await get("/manage/docs");
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(await docs.text()).toContain("/manage/v1/openapi.json");
  });

  test("docs/management-api.md documents every operation", async () => {
    const docs = await Bun.file(new URL("../../docs/management-api.md", import.meta.url)).text();
    for (const operation of OPERATIONS) {
      expect(docs).toContain(`| \`${operation.id}\` |`);
    }
  });

  test("the JSON Schema converter describes what valibot accepts", () => {
    const schema = v.strictObject({
      name: v.pipe(v.string(), v.minLength(1), v.maxLength(5), v.description("a name")),
      count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 3),
      tags: v.array(v.picklist(["a", "b"])),
      parent: v.nullable(v.pipe(v.string(), v.regex(/^p_/))),
      when: v.pipe(v.string(), v.isoTimestamp()),
      either: v.union([v.string(), v.object({ model: v.string() })]),
      free: v.record(v.string(), v.unknown()),
    });
    expect(toJsonSchema(schema)).toEqual({
      type: "object",
      additionalProperties: false,
      required: ["name", "tags", "parent", "when", "either", "free"],
      properties: {
        name: { type: "string", minLength: 1, maxLength: 5, description: "a name" },
        count: { type: "integer", minimum: 0, default: 3 },
        tags: { type: "array", items: { enum: ["a", "b"] } },
        parent: { type: ["string", "null"], pattern: "^p_" },
        when: { type: "string", format: "date-time" },
        either: {
          anyOf: [
            { type: "string" },
            { type: "object", properties: { model: { type: "string" } }, required: ["model"] },
          ],
        },
        free: { type: "object", additionalProperties: {} },
      },
    });
    expect(() => toJsonSchema(v.date() as unknown as v.GenericSchema)).toThrow("date");
  });
});
