// Per-key limits as a data plane compiles them from a snapshot (docs/limits.md): a key's own
// rpm_limit / tpm_limit, else its project's default from settings, else none (no limits object,
// so the hot path reads one field). Snapshots written before tpm_limit and project defaults
// existed (schema-v1.json) still load, with the key's rpm_limit and no token limit.
import { describe, expect, test } from "bun:test";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import type { SnapshotBody } from "#shared/snapshot/body.ts";
import { openSnapshot, sealSnapshot } from "#shared/snapshot/envelope.ts";
import type { RuntimeConfig } from "../../dataplane/snapshot/runtime-config.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";
import fixtureV1 from "../fixtures/snapshots/schema-v1.json";

// The fixture's credentials are sealed under 32 bytes of 0x09 (its README).
const fixtureBox = new SecretBox(new Uint8Array(32).fill(9));

function load(body: SnapshotBody): RuntimeConfig {
  const loader = new SnapshotLoader({ secretBox: fixtureBox });
  const applied = loader.apply(sealSnapshot(4, body));
  if (!applied.applied || !loader.current) throw new Error(JSON.stringify(applied));
  return loader.current;
}

const keyOf = (config: RuntimeConfig, id: string) =>
  [...config.keysByHash.values()].find((key) => key.id === id);

describe("a snapshot without tpm_limit or project limits (schema-v1.json, written before them)", () => {
  test("opens, reads tpm_limit as null, and limits the key by its own rpm_limit only", () => {
    expect("tpm_limit" in (fixtureV1.body.api_keys[0] as object)).toBe(false);
    const opened = openSnapshot(fixtureV1);
    expect(opened.ok).toBe(true);
    if (opened.ok) expect(opened.body.api_keys[0]?.tpm_limit).toBeNull();
    const loader = new SnapshotLoader({ secretBox: fixtureBox });
    expect(loader.apply(fixtureV1)).toEqual({ applied: true, version: 3 });
    expect(keyOf(loader.current as RuntimeConfig, "key_a")?.limits).toEqual({
      requests: 600,
      tokens: null,
    });
  });
});

describe("limits compiled from a snapshot", () => {
  const base = structuredClone(fixtureV1.body) as SnapshotBody;
  const template = base.api_keys[0] as SnapshotBody["api_keys"][number];
  const key = (id: string, limits: { rpm_limit: number | null; tpm_limit?: number | null }) => ({
    ...template,
    id,
    key_hash: id.padEnd(64, "0").replace(/[^0-9a-f]/g, "a"),
    ...limits,
  });
  const withProject = (settings: Record<string, unknown>) =>
    load({
      ...base,
      projects: base.projects.map((project) => ({ ...project, settings })),
      api_keys: [
        key("key_own", { rpm_limit: 10, tpm_limit: 5_000 }),
        key("key_rpm_only", { rpm_limit: 7, tpm_limit: null }),
        key("key_none", { rpm_limit: null, tpm_limit: null }),
      ],
    });

  test("a key's own limits win; the project's default fills what it leaves null", () => {
    const config = withProject({ rpm_limit: 100, tpm_limit: 20_000 });
    expect(keyOf(config, "key_own")?.limits).toEqual({ requests: 10, tokens: 5_000 });
    expect(keyOf(config, "key_rpm_only")?.limits).toEqual({ requests: 7, tokens: 20_000 });
    expect(keyOf(config, "key_none")?.limits).toEqual({ requests: 100, tokens: 20_000 });
  });

  test("without limits anywhere a key carries none", () => {
    const config = withProject({ auto_resolve_bare_model: true });
    expect(keyOf(config, "key_none")?.limits).toBeNull();
    expect(keyOf(config, "key_rpm_only")?.limits).toEqual({ requests: 7, tokens: null });
  });

  test("a project default the reader cannot use is no default, and the snapshot still loads", () => {
    const config = withProject({ rpm_limit: "lots", tpm_limit: -3 });
    expect(keyOf(config, "key_none")?.limits).toBeNull();
    expect(keyOf(config, "key_own")?.limits).toEqual({ requests: 10, tokens: 5_000 });
  });
});
