// Reads JavaScriptCore's verbose collector log (`BUN_JSC_logGC=2`), for gc-pauses.ts.
/** What the collector's verbose log says of one run. */
export interface CollectorSummary {
  young: number;
  full: number;
  /** Of young collections, ms. */
  mean_pause: number | null;
  max_pause: number | null;
  /** Mean rise of the heap's size after a young collection over the one before, kB. */
  kept_kb: number | null;
}

/**
 * Reads `BUN_JSC_logGC=2` output: a collection starts with `START M <kb> => EdenCollection` (or
 * `FullCollection`) and ends with `=> <kb>kb, p=<ms>ms (max …), cycle <ms>ms END]`, the total
 * pause and the heap's size after it.
 */
export function summarizeCollectorLog(text: string): CollectorSummary {
  const pauses: number[] = [];
  const kept: number[] = [];
  let young = 0;
  let full = 0;
  let kind: "young" | "full" | null = null;
  let previousSize: number | null = null;
  for (const match of text.matchAll(
    /=> (EdenCollection|FullCollection)|=> (\d+)kb, p=([\d.]+)ms[^\n]*? END\]/g,
  )) {
    if (match[1] !== undefined) {
      kind = match[1] === "EdenCollection" ? "young" : "full";
      continue;
    }
    const size = Number(match[2]);
    if (kind === "young") {
      young += 1;
      pauses.push(Number(match[3]));
      if (previousSize !== null) kept.push(size - previousSize);
    } else if (kind === "full") full += 1;
    previousSize = size;
    kind = null;
  }
  const mean = (values: number[]) =>
    values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  return {
    young,
    full,
    mean_pause: mean(pauses),
    max_pause: pauses.length === 0 ? null : Math.max(...pauses),
    kept_kb: mean(kept.filter((rise) => rise > 0)),
  };
}
