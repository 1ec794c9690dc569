// The published JSON Schema of `modelux.yaml` (deploy/modelux.schema.json): current with the
// valibot schema it is generated from, and what an editor validating with it would say about a
// good file and a bad one. Plus the plan's pure parts: field changes and config order.
import { describe, expect, test } from "bun:test";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { configFileJsonSchema } from "../../cli/config-file/json-schema.ts";
import { readConfigFile } from "../../cli/config-file/yaml-file.ts";
import { jsonChanges } from "../../cli/plan/compare.ts";
import { configOrder } from "../../cli/plan/config-order.ts";

const committed = await Bun.file(
  new URL("../../deploy/modelux.schema.json", import.meta.url),
).json();

const GOOD = `# yaml-language-server: $schema=./modelux.schema.json
version: 1
projects:
  - slug: main
    name: Main
    settings: {capture_content: true}
    routing_configs:
      - slug: default
        config:
          strategy: fallback
          attempts:
            - {model: gpt-4o, provider: openai}
            - {config: "@cheap"}
      - slug: cheap
        config: {strategy: single, model: {model: gpt-4o-mini, provider: openai}}
      - slug: rules
        config:
          strategy: custom_rules
          rules:
            - {if: "request.input_tokens > 1000", then: "@cheap"}
            - {else: openai/gpt-4o}
    api_keys:
      - {name: backend, rpm_limit: 600}
providers:
  - {name: openai, vendor: openai, api_key_env: OPENAI_API_KEY}
budgets:
  - name: org
    scope: {type: org}
    period: monthly
    cap_usd: 100
    downgrade_to: {model: gpt-4o-mini, provider: openai}
webhooks:
  - {url: "https://hooks.example.com/x", event_types: ["*"]}
price_overrides:
  - {vendor: openai, model: gpt-4o, input_usd_per_mtok: 2, output_usd_per_mtok: 8}
`;

describe("modelux.yaml schema", () => {
  test("deploy/modelux.schema.json is what `bun run cli:schema` generates", () => {
    expect(committed).toEqual(configFileJsonSchema());
  });

  test("an editor validating with it accepts a good file and names what is wrong in a bad one", () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(committed);
    expect([validate(parse(GOOD)), validate.errors ?? []]).toEqual([true, []]);
    // The reader accepts the same file.
    expect(readConfigFile(GOOD, "good.yaml").projects?.[0]?.routing_configs).toHaveLength(3);

    const bad = parse(GOOD);
    bad.providers[0].colour = "red";
    bad.budgets[0].period = "fortnightly";
    bad.projects[0].routing_configs[0].config.strategy = "random";
    expect(validate(bad)).toBe(false);
    const places = (validate.errors ?? []).map((error) => error.instancePath);
    expect(places).toContain("/providers/0");
    expect(places).toContain("/budgets/0/period");
    expect(places.some((place) => place.startsWith("/projects/0/routing_configs/0/config"))).toBe(
      true,
    );
  });
});

describe("plan pieces", () => {
  test("changes inside a config are named by their place", () => {
    expect(
      jsonChanges(
        "config",
        { strategy: "fallback", attempts: [{ model: "a" }, { model: "b" }] },
        { strategy: "fallback", attempts: [{ model: "a" }, { model: "c" }], retries: 2 },
      ),
    ).toEqual([
      { field: "config.attempts[1].model", from: "b", to: "c" },
      { field: "config.retries", from: undefined, to: 2 },
    ]);
    // Key order is not a change.
    expect(jsonChanges("x", { a: 1, b: 2 }, { b: 2, a: 1 })).toEqual([]);
  });

  test("configs come after every @slug they name", () => {
    const file = readConfigFile(GOOD, "good.yaml");
    const order = configOrder(file.projects?.[0]?.routing_configs ?? []).map((entry) => entry.slug);
    expect(order.indexOf("cheap")).toBeLessThan(order.indexOf("default"));
    expect(order.indexOf("cheap")).toBeLessThan(order.indexOf("rules"));
  });
});
