// deploy/grafana/modelux-dashboard.json is built on what the planes export: every query names at
// least one metric, and every metric it names is one a data plane or the control plane registers
// (a histogram's _bucket, _sum and _count included), so a renamed metric breaks this test rather
// than a panel.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { defaultObservability } from "#shared/env/settings.ts";
import { controlPlaneRegistry } from "../../controlplane/telemetry/metrics.ts";
import { createDataPlaneContext } from "../../dataplane/context.ts";
import { SnapshotLoader } from "../../dataplane/snapshot/snapshot-loader.ts";

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = JSON.parse(
  readFileSync(join(import.meta.dir, "../../deploy/grafana/modelux-dashboard.json"), "utf8"),
) as { panels: Panel[]; templating: { list: Array<{ name: string; type: string }> } };

/** Every series name the planes can export. */
function exported(): Set<string> {
  const context = createDataPlaneContext({
    nodeId: "dashboard",
    loader: new SnapshotLoader({ secretBox: new SecretBox(new Uint8Array(32)) }),
    // With a trace log, as a fleet node runs: its gauges are registered too.
    telemetry: {
      settings: defaultObservability(),
      traceLog: { pendingBytes: () => 0, dropped: 0 },
    },
  });
  const controlPlane = controlPlaneRegistry({
    db: null as never,
    warehouse: () => null,
    busConnected: () => true,
    snapshotVersion: () => 1,
    snapshotPublishFailing: () => false,
  });
  const names = new Set<string>();
  for (const registry of [context.telemetry.registry, controlPlane]) {
    for (const metric of registry?.getMetricsAsArray() ?? []) {
      const { name, type } = metric as unknown as { name: string; type: string };
      names.add(name);
      if (type === "histogram")
        for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** Identifiers in a PromQL expression that name series (not functions, labels or keywords). */
function seriesNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, "{}");
  const withoutRanges = withoutStrings.replace(/\[[^\]]*\]/g, "[]");
  const withoutGrouping = withoutRanges.replace(/\b(by|without)\s*\([^)]*\)/g, "");
  return [...withoutGrouping.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] as string)
    .filter((name) => name.includes("_"));
}

describe("the Grafana dashboard", () => {
  const panels = dashboard.panels.filter((panel) => panel.type !== "row");
  const names = exported();

  test("queries a Prometheus data source chosen at import", () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource" }),
    );
    expect(panels.length).toBeGreaterThan(10);
  });

  test("every query names metrics the planes export, and only those", () => {
    const unknown: string[] = [];
    for (const panel of panels) {
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) {
        const used = seriesNames(target.expr);
        expect(used.length).toBeGreaterThan(0);
        for (const name of used) if (!names.has(name)) unknown.push(`${panel.title}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  test("the check can fail: a misspelt metric is found", () => {
    expect(seriesNames("sum by (route) (rate(modelux_request_total[5m]))")).toEqual([
      "modelux_request_total",
    ]);
    expect(names.has("modelux_request_total")).toBe(false);
    expect(names.has("modelux_requests_total")).toBe(true);
  });
});
