// The Management API's pure pieces: version diffs, provider references, audit redaction,
// webhook backoff, signatures and Slack messages.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { redactSecrets } from "../../controlplane/api/audit.ts";
import { jsonDiff } from "../../controlplane/modules/routing-configs/json-diff.ts";
import {
  providerReferences,
  referencesProvider,
} from "../../controlplane/modules/routing-configs/references.ts";
import { retryDelayMs } from "../../controlplane/webhooks/backoff.ts";
import { newEnvelope } from "../../controlplane/webhooks/enqueue.ts";
import { newSigningSecret, signatureHeaders } from "../../controlplane/webhooks/signing.ts";
import { isSlackUrl, slackMessage } from "../../controlplane/webhooks/slack.ts";

describe("jsonDiff", () => {
  test("lists additions, removals and replacements by JSON pointer", () => {
    const before = { strategy: "fallback", attempts: [{ model: "a" }, { model: "b" }], "a/b": 1 };
    const after = {
      strategy: "fallback",
      attempts: [{ model: "a", timeout_ms: 5 }],
      total_budget_ms: 9,
    };
    expect(jsonDiff(before, after)).toEqual([
      { op: "remove", path: "/a~1b", from: 1 },
      { op: "add", path: "/attempts/0/timeout_ms", to: 5 },
      { op: "remove", path: "/attempts/1", from: { model: "b" } },
      { op: "add", path: "/total_budget_ms", to: 9 },
    ]);
    expect(jsonDiff(before, structuredClone(before))).toEqual([]);
    expect(jsonDiff({ a: [1] }, { a: { 0: 1 } })).toEqual([
      { op: "replace", path: "/a", from: [1], to: { 0: 1 } },
    ]);
  });
});

describe("provider references", () => {
  const config = {
    strategy: "custom_rules",
    rules: [
      // biome-ignore lint/suspicious/noThenProperty: custom_rules name their target "then" (DESIGN §6)
      { if: "request.input_tokens / 2 > 100", then: "anthropic-eu/claude-haiku-4-5" },
      { else: { model: "gpt-4o", provider: "prv_123" } },
    ],
  };
  test("finds provider fields and name/model prefixes, not CEL arithmetic", () => {
    expect(providerReferences(config)).toEqual([
      { path: "/rules/0/then", provider: "anthropic-eu", form: "prefix" },
      { path: "/rules/1/else/provider", provider: "prv_123", form: "field" },
    ]);
    expect(referencesProvider(config, { id: "prv_123", name: "x" })).toBe(true);
    expect(referencesProvider(config, { id: "prv_9", name: "anthropic-eu" })).toBe(true);
    expect(referencesProvider(config, { id: "prv_9", name: "request.input_tokens " })).toBe(false);
    // An id never matches as a name prefix.
    expect(referencesProvider({ model: "prv_9/x" }, { id: "prv_9", name: "other" })).toBe(false);
  });
});

describe("audit redaction", () => {
  test("drops secret-named strings at any depth, keeps hints and ids", () => {
    expect(
      redactSecrets({
        id: "key_1",
        key: "mlx_sk_abc",
        api_key: "sk-1",
        credential_hint: "…abcd",
        nested: [{ signing_secret: "whsec_x", key_hash: "deadbeef", key_prefix: "mlx_sk_a" }],
        when: new Date(0),
      }),
    ).toEqual({
      id: "key_1",
      credential_hint: "…abcd",
      nested: [{ key_prefix: "mlx_sk_a" }],
      when: "1970-01-01T00:00:00.000Z",
    });
  });
});

describe("webhook backoff", () => {
  test("doubles per attempt with 50-100 % jitter and a 6 h cap", () => {
    expect(retryDelayMs(1, 1000, () => 1)).toBe(1000);
    expect(retryDelayMs(1, 1000, () => 0)).toBe(500);
    expect(retryDelayMs(4, 1000, () => 1)).toBe(8000);
    expect(retryDelayMs(40, 1000, () => 1)).toBe(6 * 60 * 60 * 1000);
    // Attempts before 24 h run out with the default 30 s base: about fourteen.
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 60 * 60 * 1000) elapsed += retryDelayMs(++attempts, 30_000, () => 1);
    expect(attempts).toBeGreaterThan(10);
    expect(attempts).toBeLessThan(20);
  });
});

describe("webhook signatures", () => {
  test("verify with standardwebhooks and by recomputing the HMAC, under each secret", () => {
    const secrets = [newSigningSecret(), newSigningSecret()];
    const body = JSON.stringify(newEnvelope("org_1", "webhook.test", { hello: "world" }));
    const headers = signatureHeaders({ messageId: "evt_1", timestamp: new Date(), body, secrets });
    for (const secret of secrets) {
      expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: "webhook.test" });
      const hex = createHmac("sha256", secret).update(body).digest("hex");
      expect(headers["x-modelux-signature"]?.split(",")).toContain(hex);
    }
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secrets[0] ?? "").verify(`${body} `, headers)).toThrow();
  });
});

describe("Slack messages", () => {
  test("recognise Slack URLs and render an event as text and blocks", () => {
    expect(isSlackUrl("https://hooks.slack.com/services/T/B/X")).toBe(true);
    expect(isSlackUrl("https://example.com/hooks.slack.com")).toBe(false);
    const message = slackMessage(
      newEnvelope("org_1", "budget.exceeded", {
        budget: { id: "bud_1", name: "team-ml" },
        used_pct: 1.05,
      }),
    );
    expect(message.text).toBe("modelux: budget.exceeded");
    expect(JSON.stringify(message.blocks)).toContain("`team-ml`");
    expect(JSON.stringify(message.blocks)).toContain("1.05");
  });
});
