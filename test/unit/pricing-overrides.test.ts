// Per-org price overrides in the data plane: a snapshot's `price_overrides` compile into the
// RuntimeConfig, `modelInfoFor` answers with them for exactly that org, vendor and model, and the
// route table's leaves (what traces, budgets and cost ranking price with) carry them. A snapshot
// written before the field existed still loads, with no overrides.
import { describe, expect, test } from "bun:test";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { lookupModel } from "#shared/pricing/catalog.ts";
import { costUsd, roundUsd } from "#shared/pricing/cost.ts";
import { perMillionToPerToken, perTokenToPerMillion } from "#shared/pricing/units.ts";
import type { SnapshotBody, SnapshotPriceOverride } from "#shared/snapshot/body.ts";
import { openSnapshot, sealSnapshot } from "#shared/snapshot/envelope.ts";
import { PRICED_VENDORS } from "../../controlplane/modules/price-overrides/model.ts";
import { supportedVendors } from "../../dataplane/providers/registry.ts";
import { modelInfoFor } from "../../dataplane/snapshot/model-info.ts";
import type { RuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import fixtureV1 from "../fixtures/snapshots/schema-v1.json";

// The fixture's credentials are sealed under 32 bytes of 0x09 (its README).
const fixtureBox = new SecretBox(new Uint8Array(32).fill(9));

/** org_a's own price for gpt-4o-mini: $0.10 / $0.30 per million, cached input $0.01. */
const ORG_A_MINI: SnapshotPriceOverride = {
  org_id: "org_a",
  vendor: "openai",
  model: "gpt-4o-mini",
  input: 1e-7,
  output: 3e-7,
  cache_read: 1e-8,
  cache_write: null,
  reasoning: null,
};

function load(body: SnapshotBody): RuntimeConfig {
  const loader = new SnapshotLoader({ secretBox: fixtureBox });
  const applied = loader.apply(sealSnapshot(4, body));
  if (!applied.applied || !loader.current) throw new Error(JSON.stringify(applied));
  return loader.current;
}

/** The fixture's body (org_a, project prj_a, provider `openai`, config @default) plus overrides. */
function withOverrides(overrides: SnapshotPriceOverride[]): RuntimeConfig {
  return load({ ...(structuredClone(fixtureV1.body) as SnapshotBody), price_overrides: overrides });
}

describe("a snapshot without price_overrides (schema-v1.json, written before the field)", () => {
  test("still opens, reads as no overrides, and prices from the catalog", () => {
    expect("price_overrides" in fixtureV1.body).toBe(false);
    const opened = openSnapshot(fixtureV1);
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.body.price_overrides).toEqual([]);

    const loader = new SnapshotLoader({ secretBox: fixtureBox });
    expect(loader.apply(fixtureV1)).toEqual({ applied: true, version: 3 });
    const config = loader.current as RuntimeConfig;
    expect(config.priceOverrides.size).toBe(0);
    const info = modelInfoFor(config, "org_a", "openai", "gpt-4o-mini");
    expect(info).toBe(lookupModel("openai", "gpt-4o-mini"));
    expect(info.priceSource).toBe("catalog");
  });
});

describe("modelInfoFor", () => {
  const config = withOverrides([
    ORG_A_MINI,
    {
      org_id: "org_a",
      vendor: "openai",
      model: "my-finetune",
      input: 2e-6,
      output: 4e-6,
      cache_read: null,
      cache_write: 2.5e-6,
      reasoning: 1e-5,
    },
  ]);

  test("answers with the override for that org, vendor and exact model", () => {
    const info = modelInfoFor(config, "org_a", "openai", "gpt-4o-mini");
    const catalog = lookupModel("openai", "gpt-4o-mini");
    expect(info.price).toEqual({
      input: 1e-7,
      output: 3e-7,
      cacheRead: 1e-8,
      // Null rates follow the catalog's rule, on the override's own rates.
      cacheWrite: 1e-7,
      reasoning: 3e-7,
      batchInput: null,
      batchOutput: null,
    });
    expect(info).toMatchObject({ known: true, priceSource: "override", model: "gpt-4o-mini" });
    // Capabilities and limits stay the catalog's.
    expect(info.supports).toEqual(catalog.supports);
    expect(info.contextWindow).toBe(catalog.contextWindow);
    expect(info.qualityTier).toBe(catalog.qualityTier);
    // Built once per snapshot, frozen like the catalog's answers.
    expect(modelInfoFor(config, "org_a", "openai", "gpt-4o-mini")).toBe(info);
    expect(Object.isFrozen(info)).toBe(true);
  });

  test("another org, another vendor or another spelling of the model gets the catalog", () => {
    for (const [orgId, vendor, model] of [
      ["org_b", "openai", "gpt-4o-mini"],
      ["org_a", "azure", "gpt-4o-mini"],
      ["org_a", "openai", "gpt-4o-mini-2024-07-18"],
    ] as const) {
      const info = modelInfoFor(config, orgId, vendor, model);
      expect(info).toBe(lookupModel(vendor, model));
      expect(info.priceSource).toBe("catalog");
    }
  });

  test("a model the catalog does not know is known once the org prices it", () => {
    const unknown = lookupModel("openai", "my-finetune");
    expect(unknown).toMatchObject({ known: false, priceSource: "unknown-rule" });
    const info = modelInfoFor(config, "org_a", "openai", "my-finetune");
    expect(info).toMatchObject({ known: true, priceSource: "override" });
    expect(info.price).toMatchObject({ cacheRead: 2e-6, cacheWrite: 2.5e-6, reasoning: 1e-5 });
    // The org vouched for the price, not for capabilities.
    expect(info.supports).toEqual({ tools: false, vision: false, json: false });
  });
});

describe("the data plane prices with the override", () => {
  const config = withOverrides([ORG_A_MINI]);
  // 1,000 input tokens of which 200 cached, 500 output tokens of which 100 reasoning.
  const usage = {
    inputTokens: 1000,
    outputTokens: 500,
    cacheReadTokens: 200,
    cacheWriteTokens: 0,
    reasoningTokens: 100,
  };

  test("a bare model name's leaf carries the override, and the cost follows it", () => {
    const leaf = config.routes.leafFor("org_a", "prj_a", "gpt-4o-mini");
    expect(leaf.provider.id).toBe("prv_a");
    expect(leaf.info.priceSource).toBe("override");
    //   800 uncached input × $0.10/M = $0.000080
    // + 200 cached input   × $0.01/M = $0.000002
    // + 400 visible output × $0.30/M = $0.000120
    // + 100 reasoning      × $0.30/M = $0.000030 (no reasoning rate: the output rate)
    // = $0.000232
    expect(roundUsd(costUsd(usage, leaf.info.price))).toBe(0.000232);
    // The catalog ($0.15 input, $0.075 cached, $0.60 output per million) would have said
    // (800 × $0.15 + 200 × $0.075 + 500 × $0.60) / 1M = $0.000435.
    expect(roundUsd(costUsd(usage, lookupModel("openai", "gpt-4o-mini").price))).toBe(0.000435);
  });

  test("a routing config's target is priced the same way", () => {
    const compiled = config.routes.configFor("prj_a", "default");
    const strategy = compiled?.strategy;
    if (strategy?.strategy !== "single" || strategy.target.kind !== "model") {
      throw new Error(`unexpected compiled config: ${JSON.stringify(compiled)}`);
    }
    expect(strategy.target.leaf.info.price.input).toBe(1e-7);
    expect(roundUsd(costUsd(usage, strategy.target.leaf.info.price))).toBe(0.000232);
  });

  test("a new snapshot without the override goes back to the catalog", () => {
    const next = withOverrides([]);
    const leaf = next.routes.leafFor("org_a", "prj_a", "gpt-4o-mini");
    expect(leaf.info).toBe(lookupModel("openai", "gpt-4o-mini"));
  });
});

describe("snapshot writer and units", () => {
  test("the writer is strict inside price_overrides too", () => {
    const body = {
      ...(structuredClone(fixtureV1.body) as SnapshotBody),
      price_overrides: [{ ...ORG_A_MINI, surprise: 1 } as SnapshotPriceOverride],
    };
    expect(() => sealSnapshot(1, body)).toThrow();
    const negative = { ...body, price_overrides: [{ ...ORG_A_MINI, input: -1 }] };
    expect(() => sealSnapshot(1, negative)).toThrow();
  });

  test("per million ↔ per token shifts the exponent, without float noise", () => {
    expect(perMillionToPerToken(0.1)).toBe(1e-7); // 0.1 / 1e6 is 1.0000000000000001e-7
    expect(perMillionToPerToken(3.3)).toBe(3.3e-6);
    expect(perMillionToPerToken(2.5)).toBe(2.5e-6);
    expect(perMillionToPerToken(0.0028)).toBe(2.8e-9);
    expect(perMillionToPerToken(0)).toBe(0);
    expect(perMillionToPerToken(1_000_000)).toBe(1);
    expect(perTokenToPerMillion(2.8e-9)).toBe(0.0028);
    expect(perTokenToPerMillion(1.5e-7)).toBe(0.15);
  });

  test("the API's vendors are exactly the ones the data plane serves", () => {
    expect([...PRICED_VENDORS].sort()).toEqual(supportedVendors());
  });
});
