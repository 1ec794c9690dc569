// The `modelux` CLI against a real control plane on Postgres (test/support/management.ts): an org
// seeded through the API is exported, applied to another org, exported again (the same file);
// a changed file's diff; a second apply changes nothing; --prune; missing credentials refused.
// Commands run in-process (cli/run.ts over real HTTP); one runs as `bun cli/main.ts`.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Ajv from "ajv";
import { parse, stringify } from "yaml";
import { run } from "../../cli/run.ts";
import {
  type Json,
  type ManagementHarness,
  startManagementHarness,
} from "../support/management.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { servicesAbsent } from "../support/services.ts";

const OPENAI_SECRET = "sk-cli-test-openai-1111";
const ANTHROPIC_SECRET = "sk-ant-cli-test-2222";

describe.skipIf(servicesAbsent)("modelux CLI: configuration as code", () => {
  let database: TestDatabase;
  let harness: ManagementHarness;
  let directory: string;
  const env = { OPENAI_API_KEY: OPENAI_SECRET, ANTHROPIC_API_KEY: ANTHROPIC_SECRET };

  /** `modelux <argv>` in-process; what it printed and its exit code. */
  async function cli(argv: string[], key: string, extraEnv: Record<string, string> = env) {
    let out = "";
    let err = "";
    const code = await run([...argv, "--url", harness.url, "--key", key], {
      env: extraEnv,
      out: (text) => {
        out += text;
      },
      err: (text) => {
        err += text;
      },
    });
    return { code, out, err };
  }
  const file = (name: string, text: string) => {
    const path = join(directory, name);
    Bun.write(path, text);
    return path;
  };
  const auditCount = async (key: string) =>
    ((await harness.rest("GET", "/audit-log?limit=100", { key })).body.data as Json[]).length;

  beforeAll(async () => {
    database = await createTestDatabase();
    harness = await startManagementHarness(database.handle, {
      env: { MODELUX_MANAGEMENT_RPM: "100000" },
    });
    directory = mkdtempSync(join(tmpdir(), "modelux-cli-"));
    const call = async (method: string, path: string, body: unknown) => {
      const response = await harness.rest(method, path, { body });
      if (response.status >= 300) throw new Error(`${path}: ${JSON.stringify(response.body)}`);
      return response.body.data as Json;
    };
    const base = `${harness.simulator.url}/v1`;
    const openai = await call("POST", "/providers", {
      vendor: "openai",
      name: "openai",
      api_key: OPENAI_SECRET,
      base_url: base,
    });
    await call("POST", "/providers", {
      vendor: "anthropic",
      name: "claude",
      api_key: ANTHROPIC_SECRET,
      base_url: base,
      verify: false,
    });
    const staging = await call("POST", "/projects", {
      name: "Staging",
      slug: "staging",
      settings: { capture_content: true, trace_retention_days: 7 },
    });
    const main = harness.org.projectId;
    await call("POST", "/routing-configs", {
      project_id: main,
      slug: "cheap",
      config: { strategy: "single", model: "gpt-4o-mini", provider: "openai" },
    });
    // The provider by id: the export names it, so the file applies to another org.
    await call("POST", "/routing-configs", {
      project_id: main,
      slug: "default",
      description: "production traffic",
      config: {
        strategy: "fallback",
        attempts: [{ model: "gpt-4o", provider: openai.id }, { config: "@cheap" }],
      },
    });
    await call("POST", "/routing-configs", {
      project_id: staging.id,
      slug: "default",
      config: { strategy: "single", model: "claude/claude-sonnet-4-5" },
    });
    await call("POST", "/budgets", {
      name: "org-monthly",
      scope: { type: "org" },
      period: "monthly",
      cap_usd: 500,
      soft_thresholds: [0.5, 0.9],
    });
    await call("POST", "/budgets", {
      name: "staging-daily",
      scope: { type: "project", value: staging.id },
      period: "custom",
      custom_period_seconds: 3600,
      period_anchor: "2026-01-01T00:00:00.000Z",
      cap_usd: 5,
      action: "downgrade",
      downgrade_to: { model: "gpt-4o-mini", provider: openai.id },
      fail_mode: "closed",
    });
    await call("POST", "/budgets", {
      name: "team-ml",
      project_id: main,
      scope: { type: "feature", value: "team=ml" },
      period: "weekly",
      cap_usd: 50,
      action: "warn_only",
    });
    await call("POST", "/webhooks", {
      url: "http://127.0.0.1:9/alerts",
      event_types: ["budget.exceeded", "budget.threshold_reached"],
      description: "on-call",
    });
    await call("POST", "/webhooks", { url: "http://127.0.0.1:9/audit", event_types: ["*"] });
    await call("POST", "/price-overrides", {
      vendor: "openai",
      model: "gpt-4o",
      input_usd_per_mtok: 2,
      output_usd_per_mtok: 8,
      cache_read_usd_per_mtok: 1,
    });
    await call("POST", "/api-keys", {
      project_id: main,
      name: "backend",
      rpm_limit: 600,
      tpm_limit: 100000,
    });
    await call("POST", "/api-keys", {
      project_id: staging.id,
      name: "ci",
      expires_at: "2099-01-01T00:00:00.000Z",
    });
    const revoked = await call("POST", "/api-keys", { project_id: main, name: "old" });
    await call("POST", `/api-keys/${revoked.id}/revoke`, undefined);
  });
  afterAll(async () => {
    await harness?.stop();
    await database?.drop();
  });

  let exported = "";

  test("export writes every object by name, sorted, with no secret in it", async () => {
    const result = await cli(["export"], harness.org.keys.owner);
    expect(result.code).toBe(0);
    exported = result.out;
    expect(exported.split("\n")[0]).toBe("# yaml-language-server: $schema=./modelux.schema.json");
    for (const secret of [OPENAI_SECRET, ANTHROPIC_SECRET, "mlx_sk_", "whsec_", "prv_", "prj_"])
      expect(exported).not.toContain(secret);
    const document = parse(exported);
    expect(document.providers).toEqual([
      {
        name: "claude",
        vendor: "anthropic",
        base_url: `${harness.simulator.url}/v1`,
        api_key_env: "CLAUDE_API_KEY",
        verify: false,
      },
      {
        name: "openai",
        vendor: "openai",
        base_url: `${harness.simulator.url}/v1`,
        api_key_env: "OPENAI_API_KEY",
      },
    ]);
    const main = document.projects.find((project: Json) => project.slug === "main");
    expect(main.routing_configs.map((config: Json) => config.slug)).toEqual(["cheap", "default"]);
    expect(main.routing_configs[1].config.attempts[0]).toEqual({
      model: "gpt-4o",
      provider: "openai",
    });
    // Revoked keys are not part of the org's configuration.
    expect(main.api_keys).toEqual([{ name: "backend", rpm_limit: 600, tpm_limit: 100000 }]);
    const budgets = Object.fromEntries(
      document.budgets.map((budget: Json) => [budget.name, budget]),
    );
    expect(budgets["staging-daily"].scope).toEqual({ type: "project", value: "staging" });
    expect(budgets["staging-daily"].downgrade_to).toEqual({
      model: "gpt-4o-mini",
      provider: "openai",
    });
    expect(budgets["team-ml"].project).toBe("main");
    expect(document.webhooks.map((hook: Json) => hook.url)).toEqual([
      "http://127.0.0.1:9/alerts",
      "http://127.0.0.1:9/audit",
    ]);
    // What an editor checks it with: the published JSON Schema.
    const validate = new Ajv({ allErrors: true, strict: false }).compile(
      await Bun.file(join(import.meta.dir, "../../deploy/modelux.schema.json")).json(),
    );
    expect([validate(document), validate.errors ?? []]).toEqual([true, []]);
    // Stable: a second export is the same text.
    expect((await cli(["export"], harness.org.keys.owner)).out).toBe(exported);
  });

  test("apply to another org, then export it: the same file; a second apply is a no-op", async () => {
    const other = harness.other.keys.owner;
    // The provider named claude reads CLAUDE_API_KEY.
    const applyEnv = { ...env, CLAUDE_API_KEY: ANTHROPIC_SECRET };
    const path = file("exported.yaml", exported);
    const applied = await cli(["apply", "-f", path], other, applyEnv);
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.out).toContain("+ project.staging: created");
    expect(applied.out).toMatch(/api_key\.main\/backend key \(shown once, store it now\): mlx_sk_/);
    expect(applied.out).toMatch(/webhook\.http:\/\/127\.0\.0\.1:9\/audit signing secret .*whsec_/);

    const again = await cli(["export"], other);
    expect(again.out).toBe(exported);

    const before = await auditCount(other);
    const second = await cli(["apply", "-f", path], other, applyEnv);
    expect(second.code).toBe(0);
    expect(second.out).toStartWith("No changes: the org matches the file.");
    expect(await auditCount(other)).toBe(before);

    // The applied credentials are the environment's: the provider serves with them.
    const providers = (await harness.rest("GET", "/providers", { key: other })).body.data as Json[];
    expect(providers.map((provider) => provider.credential_hint).sort()).toEqual([
      "…1111",
      "…2222",
    ]);
  });

  test("diff shows a changed file field by field, with exit code 2; --prune deletes", async () => {
    const other = harness.other.keys.owner;
    const document = parse(exported);
    const main = document.projects.find((project: Json) => project.slug === "main");
    main.routing_configs[0].config.model = "gpt-4.1-mini";
    main.settings.capture_content = true;
    main.api_keys = [];
    document.budgets.find((budget: Json) => budget.name === "org-monthly").cap_usd = 750;
    document.webhooks = document.webhooks.filter((hook: Json) => !hook.url.endsWith("/audit"));
    document.projects.push({ slug: "research", name: "Research" });
    const changed = file("changed.yaml", stringify(document));

    const diff = await cli(["diff", "-f", changed], other);
    expect(diff.code).toBe(2);
    expect(diff.out).toContain("Plan: 1 to create, 3 to update, 0 to replace, 0 to delete.");
    expect(diff.out).toContain("  + project.research");
    expect(diff.out).toContain("  ~ project.main\n      settings.capture_content: false → true");
    expect(diff.out).toContain(
      '  ~ routing_config.main/@cheap\n      config.model: "gpt-4o-mini" → "gpt-4.1-mini"',
    );
    expect(diff.out).toContain("  ~ budget.org-monthly\n      cap_usd: 500 → 750");
    expect(diff.out).toContain(
      "Not in the file, left as they are (--prune deletes them):\n" +
        "    api_key.main/backend\n    webhook.http://127.0.0.1:9/audit",
    );
    expect(diff.out).toContain("provider.claude: credential not compared, CLAUDE_API_KEY is unset");

    const applied = await cli(["apply", "-f", changed], other);
    expect(applied.code).toBe(0);
    let hooks = (await harness.rest("GET", "/webhooks", { key: other })).body.data as Json[];
    expect(hooks).toHaveLength(2);

    const pruneDiff = await cli(["diff", "-f", changed, "--prune"], other);
    expect(pruneDiff.code).toBe(2);
    expect(pruneDiff.out).toContain("Plan: 0 to create, 0 to update, 0 to replace, 2 to delete.");
    const pruned = await cli(["apply", "-f", changed, "--prune"], other);
    expect(pruned.code).toBe(0);
    expect(pruned.out).toContain("- api_key.main/backend: revoked");
    hooks = (await harness.rest("GET", "/webhooks", { key: other })).body.data as Json[];
    expect(hooks.map((hook) => hook.url)).toEqual(["http://127.0.0.1:9/alerts"]);
    expect((await cli(["diff", "-f", changed, "--prune"], other)).code).toBe(0);

    // Through the bin, as a user runs it.
    const child = Bun.spawn(["bun", "cli/main.ts", "diff", "-f", changed, "--prune"], {
      cwd: join(import.meta.dir, "../.."),
      env: { ...process.env, MODELUX_URL: harness.url, MODELUX_MANAGEMENT_KEY: other },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await child.exited).toBe(0);
    expect(await new Response(child.stdout).text()).toStartWith("No changes");
  });

  test("a credential the file names but the environment lacks refuses the apply, changing nothing", async () => {
    const fresh = harness.org.keys.owner;
    const document = parse(exported);
    document.providers.push({ name: "mistral", vendor: "mistral", api_key_env: "MISTRAL_KEY" });
    const path = file("missing.yaml", stringify(document));
    const before = await auditCount(fresh);
    const result = await cli(["apply", "-f", path], fresh);
    expect(result.code).toBe(1);
    expect(result.err).toContain("provider.mistral: MISTRAL_KEY is not set");
    expect(await auditCount(fresh)).toBe(before);
  });

  test("a file with mistakes is refused with each place named", async () => {
    const path = file(
      "bad.yaml",
      [
        "version: 1",
        "projects:",
        "  - slug: main",
        "    name: main",
        "    routing_configs:",
        "      - slug: x",
        "        config: {strategy: fallback, attempts: []}",
        "providers:",
        "  - {name: a, vendor: openai, api_key_env: A, colour: red}",
        "budgets:",
        "  - {name: b, scope: {type: org}, period: monthly, cap_usd: 1}",
        "  - {name: b, scope: {type: org}, period: monthly, cap_usd: 2}",
      ].join("\n"),
    );
    const result = await cli(["diff", "-f", path], harness.org.keys.owner);
    expect(result.code).toBe(1);
    expect(result.err).toContain("providers[0].colour: unknown field");
    const fixed = file("bad2.yaml", (await Bun.file(path).text()).replace(", colour: red", ""));
    const second = await cli(["diff", "-f", fixed], harness.org.keys.owner);
    expect(second.err).toContain("budgets[1]: b is already in the file");
    expect(second.err).toContain("projects[0].routing_configs[0].config.attempts");
  });
});
