// gc-pauses.ts reads the collector's verbose log of a target; this is what it makes of a real one
// (a full collection then three young ones, as Bun 1.4.5 printed them under the benchmark's load).
import { describe, expect, test } from "bun:test";
import { summarizeCollectorLog } from "../../bench/overhead/collector-log.ts";

const LOG = await Bun.file(
  new URL("../fixtures/bench/jsc-loggc-verbose.txt", import.meta.url).pathname,
).text();

describe("summarizeCollectorLog", () => {
  test("counts young and full collections and averages the young ones' pauses", () => {
    const summary = summarizeCollectorLog(LOG);
    expect(summary.young).toBe(3);
    expect(summary.full).toBe(1);
    expect(summary.mean_pause).toBeCloseTo((1.334411 + 1.254442 + 1.122945) / 3, 6);
    expect(summary.max_pause).toBe(1.334411);
    // Heap after each young collection over the one before: 10157 → 22590 → 23481 → 23695 kB.
    expect(summary.kept_kb).toBeCloseTo((12433 + 891 + 214) / 3, 6);
  });

  test("a log with no collection (or a format it does not know) reads as none", () => {
    expect(summarizeCollectorLog("")).toEqual({
      young: 0,
      full: 0,
      mean_pause: null,
      max_pause: null,
      kept_kb: null,
    });
    // A collection's start without its end (the run stopped mid-collection) is not counted.
    const cut = LOG.slice(0, LOG.indexOf("=> 10157kb"));
    expect(summarizeCollectorLog(cut)).toMatchObject({ young: 0, full: 0 });
  });
});
