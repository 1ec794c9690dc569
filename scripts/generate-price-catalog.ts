// `bun run catalog:generate [source-dir] [--out file]`: turns the Portkey model catalog
// (data/model-catalog: the files of the vendors we serve, copied from the team workspace's
// data/model-catalog, MIT) into shared/pricing/catalog.json, the price and capability
// table the gateway ships with. The gateway never reads the source: the output is committed.

import { existsSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { QualityTier, StoredModel } from "#shared/pricing/catalog.ts";

const REPO_ROOT = resolve(import.meta.dir, "..");
const DEFAULT_SOURCE = "data/model-catalog";
const DEFAULT_OUT = "shared/pricing/catalog.json";

/**
 * The upstream snapshot the source README names, with its commit date looked up once in the
 * upstream git history (the copy carries no date). Update both on a refresh.
 */
const UPSTREAM = {
  repository: "Portkey-AI/models",
  commit: "f654307",
  commitDate: "2026-08-21",
  license: "MIT",
};

/** Our vendor names (the adapter registry) → the catalog's file names. */
const VENDOR_FILES: Record<string, string> = {
  openai: "openai",
  azure: "azure-openai",
  anthropic: "anthropic",
  google: "google",
  bedrock: "bedrock",
  cohere: "cohere",
  groq: "groq",
  fireworks: "fireworks-ai",
  deepseek: "deepseek",
  xai: "x-ai",
  mistral: "mistral-ai",
  cerebras: "cerebras",
  together: "together-ai",
  perplexity: "perplexity-ai",
};

type Tier = QualityTier;
/** The stored shape is the runtime reader's: one declaration for both. */
type CatalogEntry = StoredModel;
type Rules<T> = ReadonlyArray<readonly [RegExp, T]>;

// Curated tables, matched against the family name (see familyName); first match wins.

/** The family's own context window; a host may serve it with a smaller one. */
const CONTEXT_WINDOWS: Rules<number | null> = [
  [/embed|-(image|tts|audio|realtime)/, null],
  [/^(chatgpt-4o|gpt-4o)/, 128000],
  [/^gpt-4\.1/, 1047576],
  [/^gpt-4\.5/, 128000],
  [/^gpt-4-32k/, 32768],
  [/^gpt-4-(turbo|vision|\d{4}-preview)/, 128000],
  [/^gpt-4(-0314|-0613)?$/, 8192],
  [/^gpt-5(-mini|-nano)?(-\d{4}-\d{2}-\d{2})?$/, 400000],
  [/^o1-(mini|preview)/, 128000],
  [/^(o1|o3|o4-mini)/, 200000],
  [/^gpt-3\.5-turbo-instruct/, 4096],
  [/^gpt-3\.?5-turbo-16k/, 16385],
  [/^gpt-3\.?5-turbo-(0301|0613)/, 4096],
  [/^gpt-3\.?5-turbo/, 16385],
  [/^claude-(instant|2\.0|2$|v1|v2$|instant-v1)/, 100000],
  [/^claude-/, 200000],
  [/^gemini-1\.5-pro/, 2097152],
  [/^gemini-(1\.5|2\.\d)-/, 1048576],
  [/^command-a/, 256000],
  [/^command-r/, 128000],
  [/llama-?v?3(\.|p|-)[123](?!\d)/, 131072],
  [/llama-?v?3(?![.\dp])/, 8192],
  [/llama-?v?2/, 4096],
  [/^(open-)?mistral-(7b|tiny)|^(open-)?mixtral-8x7b/, 32768],
  [/^(open-)?mixtral-8x22b/, 65536],
  [/^mistral-small-(2409|2501)/, 32768],
  [/^(mistral-(large|medium|small)|(open-)?mistral-nemo|ministral)/, 131072],
  [/^codestral/, 256000],
  [/^deepseek-(chat|reasoner|v3|r1)/, 131072],
  [/^grok-4-(1-)?fast/, 2000000],
  [/^grok-code-fast/, 256000],
  [/^grok-4(-0709|-latest)?$/, 256000],
  [/^grok-(2-vision|vision-beta)/, 32768],
  [/^grok-(2|3|beta)/, 131072],
];

/** Quality tiers for families we know; the rest get one from their price (tierByPrice). */
const QUALITY_TIERS: Rules<Tier> = [
  [
    /(^|[-.])(mini|nano|tiny|micro|lite|light|instant)([-.]|$)|haiku|flash-8b|r7b|^gpt-3\.?5/,
    "low",
  ],
  [/^(chatgpt-4o|gpt-4o|gpt-4\.1|gpt-4\.5|gpt-4(-|$)|gpt-5|o1|o3)/, "high"],
  [/^claude-(\d-)*(opus|sonnet)|^claude-(opus|sonnet)/, "high"],
  [/^gemini-[\d.]+-pro|^gemini-pro-latest/, "high"],
  [/^grok-([3-9]|\d\d)/, "high"],
  [/^(mistral|pixtral)-large|^command-r-plus|^command-a|^deepseek-reasoner/, "high"],
  [
    /^claude(-v?2|$)|^gemini-|^command|^deepseek-chat|^grok-|^(open-)?(mistral|mixtral)|^llama/,
    "medium",
  ],
];

/**
 * What the catalog's metadata leaves out for whole families (it lists `tools` and `image` for
 * few vendors outside OpenAI, Anthropic, Google and Bedrock). These only add, never remove.
 */
const FAMILY_SUPPORTS: Rules<{ tools?: boolean; vision?: boolean; json?: boolean }> = [
  [/embed|-(image|tts)/, {}],
  // Claude 3 and later: tools and images; JSON through structured outputs or a forced tool.
  [/^claude-(?!instant|[12]([.-]|$)|v\d)/, { tools: true, vision: true, json: true }],
  [/^(o1|o3)(-\d{4}-\d{2}-\d{2})?$/, { tools: true, vision: true, json: true }],
  [/^gemini-(1\.5|[2-9])/, { tools: true, vision: true, json: true }],
  [/^command-(r|a)(?!-translate)/, { tools: true, json: true }],
  [/^pixtral/, { tools: true, vision: true, json: true }],
  [
    /^(mistral-(large|medium|small)|ministral|magistral|codestral|devstral|open-mistral-nemo)/,
    { tools: true, json: true },
  ],
  [/^deepseek-(chat|reasoner)$/, { tools: true, json: true }],
  [/^grok-(2-vision|vision-beta|4)/, { tools: true, vision: true, json: true }],
  [/^grok-/, { tools: true, json: true }],
];

/**
 * Source entries left out because their prices are plainly wrong; an id left out is priced by
 * the unknown-model rule. Check each again when the source is refreshed.
 */
const EXCLUDED: ReadonlyArray<{ file: string; key: string; reason: string }> = [
  {
    file: "together-ai",
    key: "MiniMaxAI/MiniMax-M2.5",
    reason: "0.03 / 0.12 cents per token ($300 / $1,200 per million), 1,000× MiniMax-M2.7's",
  },
];

/** The catalog's primary types we keep: chat and completion models, and embeddings. */
const KEPT_TYPES = new Set(["chat", "text", "responses", "embedding"]);

/** Names of entries without metadata that are not chat models (images, audio, video, …). */
const NOT_CHAT =
  /dall-e|gpt-image|chatgpt-image|imagen|veo-|sora|tts|whisper|transcribe|realtime|-audio|audio-|voxtral|moderation|rerank|stability\.|stable-|sd3|ocr|-image|grok-imagine|nova-(canvas|reel|sonic)|computer-use|^\d+b$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const objectAt = (value: unknown, ...path: string[]): Json => {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : {};
};

/** Cents per token → USD per token, shifting the decimal exponent so no float noise appears. */
function centsToUsd(cents: number): number {
  const [mantissa, exponent] = cents.toExponential().split("e");
  return Number(`${mantissa}e${Number(exponent) - 2}`);
}

function priceOf(rates: Json, key: string): number | null {
  const price = objectAt(rates, key).price;
  return typeof price === "number" && Number.isFinite(price) ? centsToUsd(price) : null;
}

/** A model's rates: the provider's `default` with the model's keys laid over it. */
function mergedRates(defaults: Json, model: Json, section: string): Json {
  return {
    ...objectAt(defaults, "pricing_config", section),
    ...objectAt(model, "pricing_config", section),
  };
}

/** Google prices some models per prompt length (`-lte-128k`, `-gt-128k`): keep the first tier. */
const LENGTH_TIER = /-(lte|gt)-(\d+)k$/;

function pricedEntries(pricing: Json): Map<string, Json> {
  const entries = new Map<string, Json>();
  const tiers = new Map<string, { threshold: number; entry: Json }>();
  for (const [key, entry] of Object.entries(pricing)) {
    if (key === "default" || !isObject(entry)) continue;
    const tier = LENGTH_TIER.exec(key);
    if (!tier) {
      entries.set(key, entry);
      continue;
    }
    const base = key.slice(0, tier.index);
    const threshold = Number(tier[2]);
    const current = tiers.get(base);
    if (tier[1] === "lte" && (!current || threshold < current.threshold)) {
      tiers.set(base, { threshold, entry });
    }
  }
  for (const [base, { entry }] of tiers) if (!entries.has(base)) entries.set(base, entry);
  return entries;
}

/** Lower-case, without host prefixes: `us.anthropic.claude-…` → `claude-…`, `ft:gpt-4o` → `gpt-4o`. */
function familyName(model: string): string {
  const name = model.toLowerCase().split("/").at(-1) ?? "";
  return name.replace(/^ft:/, "").replace(/^([a-z-]+\.)+/, "");
}

const firstMatch = <T>(rules: Rules<T>, name: string): T | undefined =>
  rules.find(([pattern]) => pattern.test(name))?.[1];

/** The metadata entry for a priced key: the same name, or without a Bedrock region or version. */
function metadataFor(general: Json, key: string): Json | undefined {
  const withoutRegion = key.replace(/^[a-z-]+\.(?=[a-z]+\.)/, "");
  for (const name of [key, withoutRegion, withoutRegion.replace(/-v\d+(:\d+)?$/, "")]) {
    const entry = general[name];
    if (isObject(entry)) return entry;
  }
  return undefined;
}

interface Metadata {
  primary: string | undefined;
  supported: string[];
  /** The provider default's params with the model's laid over them, minus `removeParams`. */
  params: Map<string, Json>;
  /** The model's own params only. */
  ownParams: Map<string, Json>;
}

const paramsByKey = (source: Json | undefined): Map<string, Json> =>
  new Map(
    (Array.isArray(source?.params) ? source.params : [])
      .filter((param): param is Json => isObject(param) && typeof param.key === "string")
      .map((param) => [String(param.key), param]),
  );

/** A model's metadata: its own entry over the provider's `default` (params merge by key). */
function mergedMetadata(general: Json, entry: Json | undefined): Metadata {
  const defaults = objectAt(general, "default");
  const type = isObject(entry?.type) ? entry.type : objectAt(defaults, "type");
  const ownParams = paramsByKey(entry);
  const params = paramsByKey(defaults);
  for (const [key, param] of ownParams) params.set(key, { ...params.get(key), ...param });
  const removed = Array.isArray(entry?.removeParams) ? entry.removeParams : [];
  for (const key of removed) params.delete(String(key));
  return {
    primary: typeof type.primary === "string" ? type.primary : undefined,
    supported: Array.isArray(type.supported) ? type.supported.map(String) : [],
    params,
    ownParams,
  };
}

/** The model's own output limit; the provider default's maxValue is a playground default. */
function maxOutputTokens(metadata: Metadata): number | null {
  for (const key of ["max_completion_tokens", "max_tokens"]) {
    const maxValue = metadata.ownParams.get(key)?.maxValue;
    if (typeof maxValue === "number") return maxValue;
  }
  return null;
}

function offersJson(metadata: Metadata): boolean {
  const options = metadata.params.get("response_format")?.options;
  return (
    Array.isArray(options) &&
    options.some((option) => isObject(option) && /^json_(object|schema)$/.test(`${option.value}`))
  );
}

/** Groq's older ids carry the window in the name (`llama3-70b-8192`). */
function contextWindow(name: string): number | null {
  const inName = /-(4096|8192|32768)$/.exec(name)?.[1];
  return inName ? Number(inName) : (firstMatch(CONTEXT_WINDOWS, name) ?? null);
}

/** Parameter counts in the name (`-8b`, `gemma2-9b`), not active (`a3b`) or expert (`8x7b`) ones. */
const PARAMETER_COUNT = /(?<![a-z0-9.])(\d+(?:\.\d+)?)b(?![a-z0-9])/g;

function qualityTier(name: string, input: number, output: number): Tier {
  const sizes = [...name.matchAll(PARAMETER_COUNT)].map((match) => Number(match[1]));
  if (sizes.length > 0 && Math.max(...sizes) <= 9) return "low";
  return firstMatch(QUALITY_TIERS, name) ?? tierByPrice(input, output);
}

/** Blended (input + output) / 2 per million tokens: under $0.50 low, $4 and up high. */
function tierByPrice(input: number, output: number): Tier {
  const blendedPerMillion = ((input + output) / 2) * 1e6;
  if (blendedPerMillion < 0.5) return "low";
  return blendedPerMillion >= 4 ? "high" : "medium";
}

function buildEntry(
  key: string,
  entry: Json,
  defaults: Json,
  metadata: Metadata,
  warn: (message: string) => void,
): CatalogEntry | undefined {
  const rates = mergedRates(defaults, entry, "pay_as_you_go");
  const batch = mergedRates(defaults, entry, "batch_config");
  const input = priceOf(rates, "request_token") ?? 0;
  const output = priceOf(rates, "response_token") ?? 0;
  if (input === 0 && output === 0) return undefined; // free or unpriced: better unknown than $0
  // A zero cache rate is the provider default's placeholder, not a free cache: leave it out so
  // the runtime falls back to the input price.
  const positive = (value: number | null) => (value && value > 0 ? value : null);
  let cacheRead = positive(priceOf(rates, "cache_read_input_token"));
  let cacheWrite = positive(priceOf(rates, "cache_write_input_token"));
  // A cache read never costs more than an uncached token. Where it does, the source has the
  // two cache rates swapped (the write rate is the cheap one) or holds a storage rate there.
  if (cacheRead !== null && cacheRead > input) {
    const swapped = cacheWrite !== null && cacheWrite < input;
    warn(`${key}: cache read ${cacheRead} > input ${input}, ${swapped ? "swapped" : "dropped"}`);
    [cacheRead, cacheWrite] = swapped ? [cacheWrite, cacheRead] : [null, cacheWrite];
  }
  const name = familyName(key);
  const family = firstMatch(FAMILY_SUPPORTS, name) ?? {};
  return {
    input,
    output,
    cache_read: cacheRead,
    cache_write: cacheWrite,
    reasoning: positive(priceOf(rates, "reasoning_token")),
    batch_input: positive(priceOf(batch, "request_token")),
    batch_output: positive(priceOf(batch, "response_token")),
    context_window: contextWindow(name),
    max_output_tokens: maxOutputTokens(metadata),
    supports:
      metadata.primary === "embedding"
        ? { tools: false, vision: false, json: false }
        : {
            tools: metadata.supported.includes("tools") || family.tools === true,
            vision: metadata.supported.includes("image") || family.vision === true,
            json: offersJson(metadata) || family.json === true,
          },
    quality_tier: qualityTier(name, input, output),
  };
}

function readJson(path: string): Json {
  const value: unknown = JSON.parse(readFileSync(path, "utf8"));
  if (!isObject(value)) throw new Error(`${path}: expected a JSON object`);
  return value;
}

function vendorModels(sourceDir: string, file: string, warn: (message: string) => void) {
  const pricing = readJson(join(sourceDir, "pricing", `${file}.json`));
  const generalPath = join(sourceDir, "general", `${file}.json`);
  const general = existsSync(generalPath) ? readJson(generalPath) : {};
  const defaults = objectAt(pricing, "default");
  const models: Record<string, CatalogEntry> = {};
  for (const [key, entry] of pricedEntries(pricing)) {
    if (EXCLUDED.some((excluded) => excluded.file === file && excluded.key === key)) continue;
    const found = metadataFor(general, key);
    const metadata = mergedMetadata(general, found);
    if (NOT_CHAT.test(key) || !KEPT_TYPES.has(metadata.primary ?? "chat")) continue;
    const built = buildEntry(key, entry, defaults, metadata, (message) =>
      warn(`${file}/${message}`),
    );
    if (built) models[key] = built;
  }
  return models;
}

interface SourceInfo {
  repository: string;
  commit: string;
  license: string;
  source_date: string;
  source_date_basis: string;
}

/** What the source says about itself (README, LICENSE), and its date, best evidence first. */
function sourceInfo(sourceDir: string): SourceInfo {
  const readme = readFileSync(join(sourceDir, "README.md"), "utf8");
  const licensePath = join(sourceDir, "LICENSE");
  const licenseTitle = existsSync(licensePath) ? readFileSync(licensePath, "utf8") : "";
  const commit = /\bcommit ([0-9a-f]{7,40})\b/.exec(readme)?.[1] ?? UPSTREAM.commit;
  const named = {
    repository: /\b([\w-]+\/[\w.-]+) repository\b/.exec(readme)?.[1] ?? UPSTREAM.repository,
    commit,
    license: /^\s*(\S+) License/.exec(licenseTitle)?.[1] ?? UPSTREAM.license,
  };
  // The source is a checkout of the upstream repository holding that commit.
  const git = Bun.spawnSync(["git", "-C", sourceDir, "show", "-s", "--format=%cs", commit]);
  const gitDate = git.exitCode === 0 ? git.stdout.toString().trim() : "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(gitDate)) {
    return { ...named, source_date: gitDate, source_date_basis: `commit date of ${commit}` };
  }
  const stated = /\b(\d{4}-\d{2}-\d{2})\b/.exec(readme)?.[1];
  if (stated)
    return { ...named, source_date: stated, source_date_basis: "date in the source README" };
  if (commit === UPSTREAM.commit) {
    return {
      ...named,
      source_date: UPSTREAM.commitDate,
      source_date_basis: `commit date of ${named.repository}@${commit} (upstream git history)`,
    };
  }
  console.warn(`source README names commit ${commit}: update UPSTREAM in this script`);
  return {
    ...named,
    source_date: new Date().toISOString().slice(0, 10),
    source_date_basis: "date this script ran: the source carries no date",
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}

export function generateCatalog(sourceDir: string): { json: string; warnings: string[] } {
  const warnings: string[] = [];
  const models: Record<string, Record<string, CatalogEntry>> = {};
  for (const [vendor, file] of Object.entries(VENDOR_FILES)) {
    models[vendor] = vendorModels(sourceDir, file, (message) => warnings.push(message));
  }
  const catalog = {
    version: 1,
    units: "USD per token",
    source: sortKeys({
      ...sourceInfo(sourceDir),
      // Named, not a path: where it sat on the generating machine says nothing to a reader.
      generated_from: "data/model-catalog of the modelux team workspace",
    }),
    models,
  };
  // Provenance first for whoever opens the file; below the top level every key is sorted.
  const ordered = { ...catalog, models: sortKeys(models) };
  return { json: `${JSON.stringify(ordered, null, 2)}\n`, warnings };
}

if (import.meta.main) {
  const args = Bun.argv.slice(2);
  const outIndex = args.indexOf("--out");
  const out = resolve(REPO_ROOT, outIndex >= 0 ? (args[outIndex + 1] ?? DEFAULT_OUT) : DEFAULT_OUT);
  const positional = args.filter(
    (argument, index) =>
      argument !== "--check" && (outIndex < 0 || (index !== outIndex && index !== outIndex + 1)),
  );
  const sourceDir = resolve(REPO_ROOT, positional[0] ?? DEFAULT_SOURCE);
  const { json, warnings } = generateCatalog(sourceDir);
  if (args.includes("--check")) {
    // CI: the committed catalog must be what the source makes (no hand edits, no stale file).
    const committed = await Bun.file(out)
      .text()
      .catch(() => "");
    if (committed !== json) {
      console.error(`${relative(process.cwd(), out)} is stale: run bun run catalog:generate`);
      process.exit(1);
    }
    console.log(`${relative(process.cwd(), out)} is up to date`);
    process.exit(0);
  }
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  await Bun.write(out, json);
  console.log(`wrote ${relative(process.cwd(), out)} (${json.length} bytes)`);
}
