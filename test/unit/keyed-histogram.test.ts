// The data plane's keyed histogram (dataplane/telemetry/keyed-histogram.ts) exports exactly what
// prom-client's Histogram exports for the same observations: the same /metrics text and JSON.
import { expect, test } from "bun:test";
import { Histogram, Registry } from "prom-client";
import { KeyedHistogram } from "../../dataplane/telemetry/keyed-histogram.ts";

const BUCKETS = [0.00005, 0.0001, 0.001, 0.01, 0.5, 1, 10];

test("the same text and JSON as prom-client's Histogram for the same observations", async () => {
  const theirs = new Registry();
  const ours = new Registry();
  const help = 'A help text with "quotes" and a \\ backslash.';
  const reference = new Histogram({
    name: "x_seconds",
    help,
    labelNames: ["surface", "route"],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const keyed = new KeyedHistogram("x_seconds", help, BUCKETS, ours);
  const series = [
    { surface: "openai", route: "@bench" },
    { surface: "anthropic", route: 'say "hi"\n' },
    { surface: "openai", route: "direct" },
  ];
  let seed = 3;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let index = 0; index < 500; index++) {
    const labels = series[Math.floor(next() * series.length)] as (typeof series)[number];
    // Exactly on a bound, between bounds, beyond the last one, zero.
    const value = [0, 0.0001, next() * 0.02, next() * 20, 1][index % 5] as number;
    reference.observe(labels, value);
    const key = `${labels.surface}\u0000${labels.route}`;
    keyed.observe(key, value) || keyed.open(key, { ...labels }, value);
  }
  expect(await ours.metrics()).toBe(await theirs.metrics());
  expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  expect(() => keyed.observe("k", Number.NaN)).toThrow(TypeError);
  expect(() => keyed.open("k", {}, Number.POSITIVE_INFINITY)).toThrow(TypeError);
  keyed.reset();
  reference.reset();
  expect(await ours.metrics()).toBe(await theirs.metrics());
});
