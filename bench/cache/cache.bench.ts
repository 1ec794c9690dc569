// The response cache's numbers (issue 18 §1, DESIGN §11; docs/performance.md):
// (a) an exact hit against a miss, the bare proxy (a config without a cache) and the simulator
//     called directly, one request at a time through an in-process data plane
//     (test/support/gateway-harness.ts: the simulator unpaced), client-observed p50/p99, and the
//     gateway's own time (X-Modelux-Overhead-Ms): what a hit adds over the bare proxy;
// (b) the semantic index (dataplane/cache/vector-index.ts, usearch HNSW) at 100,000 entries of
//     the simulator's similarity-preserving embeddings: lookup p50/p99 (no embedding call) in
//     wall time and in CPU time (what the lookup costs, without the waits a loaded machine adds),
//     recall against an exact search of the same vectors, how often a paraphrase finds its
//     original first, and the process's memory per 100,000 entries.
// Each is checked against issue 18's targets (exact hit p50 ≤ 0.2 ms and p99 ≤ 1 ms over the bare
// proxy; semantic lookup p99 ≤ 5 ms at 100,000 entries) and the load average printed with it.
// `bun run bench` runs it after the overhead bench. It writes bench/results/cache.{md,json}
// (or into BENCH_RESULTS_DIR; `--no-write` for neither).
//
//   bun bench/cache/cache.bench.ts [--requests=2000] [--entries=100000] [--queries=2000]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { exactSearch, MetricKind } from "usearch";
import { DEFAULT_CACHE_DIMENSIONS } from "../../dataplane/cache/embed-conversation.ts";
import { VectorPartition } from "../../dataplane/cache/vector-index.ts";
import { embeddingVector } from "../../simulator/formats/openai/embeddings.ts";
import { HARNESS_KEY, startGatewayHarness } from "../../test/support/gateway-harness.ts";

const argument = (name: string, fallback: string) =>
  Number(process.argv.find((value) => value.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const requests = argument("requests", "2000");
const entries = argument("entries", "100000");
const queries = argument("queries", "2000");

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
};
const ms = (value: number) => value.toFixed(3);
/** What the run printed (the markdown report) and its numbers (the JSON one). */
const lines: string[] = [];
const numbers: Record<string, unknown> = {};
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
const verdict = (value: number, target: number) =>
  value <= target ? `met (≤ ${target} ms)` : `MISSED (target ≤ ${target} ms)`;

say(
  `response cache bench; ${cpus().length} cores, load ${load()} (shared machine: compare within a run, not across runs)`,
);

// (a) Exact hits through the gateway.
{
  const harness = startGatewayHarness({
    routingConfigs: {
      cached: {
        strategy: "single",
        model: "openai/gpt-4o-mini",
        cache: { mode: "exact", ttl_seconds: 3600 },
      },
      bare: { strategy: "single", model: "openai/gpt-4o-mini" },
    },
  });
  const body = (model: string, text: string) =>
    JSON.stringify({
      model,
      max_tokens: 32,
      temperature: 0,
      messages: [{ role: "user", content: text }],
    });
  const gateway = `${harness.baseUrl}/openai/v1/chat/completions`;
  const headers = { authorization: `Bearer ${HARNESS_KEY}`, "content-type": "application/json" };
  const timed = async (url: string, payload: string, extra: Record<string, string> = {}) => {
    const started = performance.now();
    const response = await fetch(url, {
      method: "POST",
      headers: { ...headers, ...extra },
      body: payload,
    });
    await response.arrayBuffer();
    const elapsed = performance.now() - started;
    if (response.status !== 200) throw new Error(`status ${response.status} from ${url}`);
    return {
      elapsed,
      cache: response.headers.get("x-modelux-cache"),
      overhead: Number(response.headers.get("x-modelux-overhead-ms")),
    };
  };
  const direct = `${harness.simulator.url}/v1/chat/completions`;
  const warm = await timed(gateway, body("@cached", "warm up"));
  if (warm.cache !== "MISS") throw new Error(`expected a MISS, got ${warm.cache}`);
  await Bun.sleep(50); // the entry's write to the store
  const samples = {
    direct: [] as number[],
    bare: [] as number[],
    miss: [] as number[],
    hit: [] as number[],
  };
  const overheads = { bare: [] as number[], miss: [] as number[], hit: [] as number[] };
  for (let index = 0; index < requests; index++) {
    // Interleaved, so the machine's load drifts over all four alike.
    samples.direct.push((await timed(direct, body("gpt-4o-mini", "warm up"))).elapsed);
    const bare = await timed(gateway, body("@bare", "warm up"));
    samples.bare.push(bare.elapsed);
    overheads.bare.push(bare.overhead);
    // no-cache: read fresh (a miss's full path: upstream call, stored again).
    const miss = await timed(gateway, body("@cached", "warm up"), { "cache-control": "no-cache" });
    samples.miss.push(miss.elapsed);
    overheads.miss.push(miss.overhead);
    const hit = await timed(gateway, body("@cached", "warm up"));
    if (hit.cache !== "HIT") throw new Error(`expected a HIT, got ${hit.cache}`);
    samples.hit.push(hit.elapsed);
    overheads.hit.push(hit.overhead);
  }
  await harness.stop();
  const direct50 = summary(samples.direct);
  const bare50 = summary(samples.bare);
  const miss50 = summary(samples.miss);
  const hit50 = summary(samples.hit);
  const bareOverhead = summary(overheads.bare);
  say(`\n(a) exact hit, ${requests} sequential requests each, OpenAI surface, unpaced simulator`);
  say("| path | p50 ms | p99 ms |");
  say("| --- | --- | --- |");
  say(`| simulator called directly | ${ms(direct50.p50)} | ${ms(direct50.p99)} |`);
  say(`| gateway, bare proxy (a config without a cache) | ${ms(bare50.p50)} | ${ms(bare50.p99)} |`);
  say(
    `| gateway, miss (no-cache: upstream call, entry stored) | ${ms(miss50.p50)} | ${ms(miss50.p99)} |`,
  );
  say(`| gateway, exact hit | ${ms(hit50.p50)} | ${ms(hit50.p99)} |`);
  const hitOverhead = summary(overheads.hit);
  const missOverhead = summary(overheads.miss);
  say(
    `| hit - direct (added over calling the upstream yourself) | ${ms(hit50.p50 - direct50.p50)} | ${ms(hit50.p99 - direct50.p99)} |`,
  );
  say(`| hit - miss | ${ms(hit50.p50 - miss50.p50)} | ${ms(hit50.p99 - miss50.p99)} |`);
  say(
    `| X-Modelux-Overhead-Ms on a hit (the gateway's own time) | ${ms(hitOverhead.p50)} | ${ms(hitOverhead.p99)} |`,
  );
  say(`| X-Modelux-Overhead-Ms on a miss | ${ms(missOverhead.p50)} | ${ms(missOverhead.p99)} |`);
  say(
    `| X-Modelux-Overhead-Ms of the bare proxy | ${ms(bareOverhead.p50)} | ${ms(bareOverhead.p99)} |`,
  );
  // What a hit adds over the bare proxy: the gateway's own time on a hit (lookup and rendering,
  // no upstream) minus its own time when it proxies without a cache.
  const added = {
    p50: hitOverhead.p50 - bareOverhead.p50,
    p99: hitOverhead.p99 - bareOverhead.p99,
  };
  numbers.exact = {
    requests,
    direct_ms: direct50,
    bare_ms: bare50,
    miss_ms: miss50,
    hit_ms: hit50,
    overhead_ms: { bare: bareOverhead, miss: missOverhead, hit: hitOverhead },
    hit_added_over_bare_ms: added,
    targets_ms: { p50: 0.2, p99: 1 },
    load: loadavg(),
  };
  say(
    `\nexact hit, added over the bare proxy (gateway's own time): p50 ${ms(added.p50)} ms ${verdict(added.p50, 0.2)}; p99 ${ms(added.p99)} ms ${verdict(added.p99, 1)}; load ${load()}`,
  );
}

// (b) The semantic index at `entries` entries.
{
  const dimensions = DEFAULT_CACHE_DIMENSIONS;
  const model = "text-embedding-3-small";
  let seed = 42;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const VOCABULARY = Array.from({ length: 5000 }, (_, index) => `w${(index * 7919).toString(36)}`);
  const sentence = () =>
    Array.from(
      { length: 8 + Math.floor(random() * 10) },
      () => VOCABULARY[Math.floor(random() * VOCABULARY.length)] as string,
    );
  const texts: string[][] = [];
  for (let index = 0; index < entries; index++) texts.push(sentence());
  const vectors = new Float32Array(entries * dimensions);
  for (let index = 0; index < entries; index++)
    vectors.set(
      embeddingVector(model, (texts[index] as string[]).join(" "), dimensions),
      index * dimensions,
    );

  Bun.gc(true);
  const before = process.memoryUsage().rss;
  const partition = new VectorPartition(dimensions);
  const buildStarted = performance.now();
  const buildCpu = process.cpuUsage();
  for (let index = 0; index < entries; index++)
    partition.add(`e${index}`, vectors.subarray(index * dimensions, (index + 1) * dimensions));
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  const buildCpuUsage = process.cpuUsage(buildCpu);
  Bun.gc(true);
  const after = process.memoryUsage().rss;

  // Paraphrases: one word of a stored text replaced, and its words swapped pairwise at one spot.
  const lookups: number[] = [];
  const cpuTimes: number[] = [];
  let foundFirst = 0;
  let agreesWithExact = 0;
  for (let index = 0; index < queries; index++) {
    const target = Math.floor(random() * entries);
    const words = [...(texts[target] as string[])];
    words[Math.floor(random() * words.length)] = VOCABULARY[
      Math.floor(random() * VOCABULARY.length)
    ] as string;
    const swap = Math.floor(random() * (words.length - 1));
    [words[swap], words[swap + 1]] = [words[swap + 1] as string, words[swap] as string];
    const vector = embeddingVector(model, words.join(" "), dimensions);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const nearest = partition.nearest(vector);
    lookups.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
    if (nearest[0]?.key === `e${target}`) foundFirst++;
    // Recall: the index's first answer is the exact search's (brute force over every vector).
    const truth = exactSearch(vectors, vector, dimensions, 1, MetricKind.Cos, 1) as {
      keys: BigUint64Array;
    };
    if (nearest[0]?.key === `e${truth.keys[0]}`) agreesWithExact++;
  }
  const lookup = summary(lookups);
  const cpu = summary(cpuTimes);
  say(
    `\n(b) semantic index: ${entries.toLocaleString("en")} entries, ${dimensions} dimensions (${VectorPartition.DESCRIPTION}), simulator embeddings of random 8-17-word texts`,
  );
  say("| measure | value |");
  say("| --- | --- |");
  say(
    `| lookup p50 / p99, wall time (${queries} paraphrases, no embedding call) | ${ms(lookup.p50)} ms / ${ms(lookup.p99)} ms |`,
  );
  say(`| lookup p50 / p99, CPU time | ${ms(cpu.p50)} ms / ${ms(cpu.p99)} ms |`);
  say(
    `| recall@1 against an exact search of the same vectors | ${((100 * agreesWithExact) / queries).toFixed(1)} % |`,
  );
  say(`| paraphrase found its original first | ${((100 * foundFirst) / queries).toFixed(1)} % |`);
  say(
    `| build (${entries.toLocaleString("en")} adds, one at a time as the store's watch feeds them) | ${buildSeconds.toFixed(1)} s wall, ${((buildCpuUsage.user + buildCpuUsage.system) / 1e6).toFixed(1)} s CPU |`,
  );
  say(
    `| process memory (RSS) added by the index | ${((after - before) / 1024 / 1024).toFixed(1)} MB, ${((after - before) / entries).toFixed(0)} bytes per entry |`,
  );
  numbers.semantic = {
    entries,
    dimensions,
    index: VectorPartition.DESCRIPTION,
    lookup_wall_ms: lookup,
    lookup_cpu_ms: cpu,
    recall_at_1: agreesWithExact / queries,
    original_first: foundFirst / queries,
    build_seconds: buildSeconds,
    index_rss_bytes: after - before,
    target_p99_ms: 5,
    load: loadavg(),
  };
  say(
    `\nsemantic lookup p99 at ${entries.toLocaleString("en")} entries: wall ${ms(lookup.p99)} ms ${verdict(lookup.p99, 5)}; CPU ${ms(cpu.p99)} ms ${verdict(cpu.p99, 5)}; load ${load()}`,
  );
}

const resultsDirectory = process.argv.includes("--no-write")
  ? null
  : (process.env.BENCH_RESULTS_DIR ?? join(import.meta.dir, "../results"));
if (resultsDirectory) {
  mkdirSync(resultsDirectory, { recursive: true });
  const stamp = new Date().toISOString();
  writeFileSync(
    join(resultsDirectory, "cache.md"),
    `# Response cache bench (bun run bench:cache)\n\n${stamp}\n\n${lines.join("\n")}\n`,
  );
  writeFileSync(
    join(resultsDirectory, "cache.json"),
    `${JSON.stringify({ at: stamp, cores: cpus().length, ...numbers }, null, 2)}\n`,
  );
  console.log(`\nwritten: ${join(resultsDirectory, "cache.md")} and cache.json`);
}
