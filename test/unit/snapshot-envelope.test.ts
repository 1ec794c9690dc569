import { describe, expect, test } from "bun:test";
import { SNAPSHOT_SCHEMA_VERSION } from "#shared/snapshot/body.ts";
import { openSnapshot, sealSnapshot, snapshotHash } from "#shared/snapshot/envelope.ts";
import fixtureV1 from "../fixtures/snapshots/schema-v1.json";

const emptyBody = {
  orgs: [],
  projects: [],
  api_keys: [],
  providers: [],
  routing_configs: [],
  budgets: [],
};

describe("snapshot envelopes", () => {
  test("a sealed snapshot opens, and its hash ignores key order", () => {
    const sealed = sealSnapshot(1, emptyBody);
    expect(sealed.schema_version).toBe(SNAPSHOT_SCHEMA_VERSION);
    expect(sealed.sha256).toMatch(/^[0-9a-f]{64}$/);
    const reordered = {
      budgets: [],
      routing_configs: [],
      providers: [],
      api_keys: [],
      projects: [],
      orgs: [],
    };
    expect(snapshotHash(reordered)).toBe(sealed.sha256);
    const opened = openSnapshot(JSON.parse(JSON.stringify(sealed)));
    expect(opened.ok).toBe(true);
  });

  test("the writer is strict: an unknown field is refused", () => {
    expect(() => sealSnapshot(1, { ...emptyBody, surprise: true } as typeof emptyBody)).toThrow();
  });

  test("a body that does not match its hash is rejected", () => {
    const sealed = sealSnapshot(1, emptyBody);
    const tampered = {
      ...sealed,
      body: { ...emptyBody, orgs: [{ id: "org_x", slug: "x", name: "X" }] },
    };
    const opened = openSnapshot(tampered);
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.reason).toContain("sha256 mismatch");
  });

  test("a newer schema version is rejected, naming both versions", () => {
    const sealed = sealSnapshot(1, emptyBody);
    const opened = openSnapshot({ ...sealed, schema_version: SNAPSHOT_SCHEMA_VERSION + 1 });
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.reason).toContain(`reads up to ${SNAPSHOT_SCHEMA_VERSION}`);
  });

  test("the reader is lenient: unknown fields from a newer writer are ignored", () => {
    const body = {
      ...emptyBody,
      future_feature: { on: true },
      orgs: [{ id: "org_1", slug: "a", name: "A", tier: "gold" }],
    };
    const envelope = {
      schema_version: 1,
      version: 7,
      sha256: snapshotHash(body),
      created_at: new Date().toISOString(),
      body,
    };
    const opened = openSnapshot(envelope);
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.body.orgs[0]).toEqual({ id: "org_1", slug: "a", name: "A" });
  });

  test("malformed envelopes are rejected, not thrown", () => {
    for (const raw of [null, 42, "x", {}, { version: 1 }]) {
      expect(openSnapshot(raw).ok).toBe(false);
    }
  });

  test("every historical schema version still opens (schema-v1.json)", () => {
    const opened = openSnapshot(fixtureV1);
    expect(opened.ok).toBe(true);
    if (opened.ok) {
      expect(opened.version).toBe(3);
      expect(opened.body.routing_configs[0]?.slug).toBe("default");
      expect(opened.body.budgets[0]?.cap_usd).toBe(100);
    }
  });
});
