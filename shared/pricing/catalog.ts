// Prices and capabilities per (vendor, model), from catalog.json (`bun run catalog:generate`).
// Lookups never throw: a model the catalog does not know is priced as the vendor's dearest.
import catalogFile from "./catalog.json";

export type QualityTier = "low" | "medium" | "high";

/** USD per token. Cache and reasoning rates are resolved: never null here. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
  batchInput: number | null;
  batchOutput: number | null;
}

export interface ModelInfo {
  /** The vendor asked about. */
  vendor: string;
  /** The catalog entry the answer comes from; the requested name when `known` is false. */
  model: string;
  price: ModelPrice;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  supports: { tools: boolean; vision: boolean; json: boolean };
  qualityTier: QualityTier;
  /** False when the model was not found and the unknown-model rule priced it. */
  known: boolean;
  /**
   * Where `price` comes from: the catalog entry, the unknown-model rule, or an org's own price
   * override (docs/pricing.md). `lookupModel` always sets it.
   */
  priceSource?: PriceSource;
}

export type PriceSource = "override" | "catalog" | "unknown-rule";

export const TIER_RANK: Record<QualityTier, number> = { low: 0, medium: 1, high: 2 };

/** One model as stored in catalog.json (snake_case, null where the source lists no rate). */
export interface StoredModel {
  input: number;
  output: number;
  cache_read: number | null;
  cache_write: number | null;
  reasoning: number | null;
  batch_input: number | null;
  batch_output: number | null;
  context_window: number | null;
  max_output_tokens: number | null;
  supports: { tools: boolean; vision: boolean; json: boolean };
  quality_tier: QualityTier;
}

const STORED: Readonly<Record<string, Readonly<Record<string, StoredModel>>>> = (
  catalogFile as unknown as { models: Record<string, Record<string, StoredModel>> }
).models;

/**
 * Where a vendor's model may also be priced when its own table misses: Azure deploys OpenAI's
 * models at OpenAI's list prices. OpenAI-compatible hosts price open models their own way, so
 * they get no sibling; an unknown model there takes the host's dearest price instead.
 */
const SIBLING_TABLES: Readonly<Record<string, readonly string[]>> = { azure: ["openai"] };

/**
 * Prefixes a vendor puts on model ids that its catalog keys may lack, stripped one after the
 * other; each step gives one more name to try.
 */
const ID_PREFIXES: Readonly<Record<string, readonly RegExp[]>> = {
  // A cross-region inference profile (us., eu., global., …), then the model's provider: some
  // models are listed as `claude-…` beside `anthropic.claude-…`.
  bedrock: [/^(us|eu|apac|global|us-gov|jp|au|ca|in)\./, /^[a-z-]+\./],
  fireworks: [/^accounts\/fireworks\/models\//],
  google: [/^models\//],
};

/**
 * One step of version stripping, or undefined when nothing is left to strip: `@…` (Vertex and
 * Bedrock variants), `-v1:0`, `:0`, `-latest`, and date suffixes (`-2024-07-18`, `-20240307`,
 * `-09-2025`, `-0613`, `-001`).
 */
const VERSION_SUFFIX =
  /@[^@]*$|-v\d+(:\d+)?$|:\d+$|-latest$|-\d{4}-\d{2}-\d{2}$|-\d{8}$|-\d{2}-\d{4}$|-\d{3,4}$/;

function stripVersion(name: string): string | undefined {
  const stripped = name.replace(VERSION_SUFFIX, "");
  return stripped !== name && stripped.length > 0 ? stripped : undefined;
}

interface TableIndex {
  /** Lower-cased key → key. */
  exact: Map<string, string>;
  /** A key's version-stripped forms → the newest such key (`claude-3-haiku` → `…-20240307`). */
  aliases: Map<string, string>;
}

const indexes = new Map<string, TableIndex>();

function indexFor(vendor: string): TableIndex | undefined {
  const cached = indexes.get(vendor);
  if (cached) return cached;
  const table = STORED[vendor];
  if (!table) return undefined;
  const index: TableIndex = { exact: new Map(), aliases: new Map() };
  // Sorted, so the last key to claim an alias is the newest (dates and `latest` sort last).
  for (const key of Object.keys(table).sort()) {
    const lower = key.toLowerCase();
    index.exact.set(lower, key);
    for (let base = stripVersion(lower); base; base = stripVersion(base)) {
      index.aliases.set(base, key);
    }
  }
  indexes.set(vendor, index);
  return index;
}

/** The names to try for a vendor's model id, most specific first. */
function candidateNames(vendor: string, model: string): string[] {
  let name = model.toLowerCase();
  const names = [name];
  for (const prefix of ID_PREFIXES[vendor] ?? []) {
    const stripped = name.replace(prefix, "");
    if (stripped === name) continue;
    names.push(stripped);
    name = stripped;
  }
  // A fine-tuned id (`ft:gpt-4o-mini:org::abc`) is priced as its base's fine-tuning entry.
  const fineTuned = /^(ft:[^:]+):/.exec(model.toLowerCase())?.[1];
  if (fineTuned) names.push(fineTuned);
  return names;
}

function resolve(vendor: string, model: string): { table: string; key: string } | undefined {
  const exactTable = STORED[vendor];
  if (exactTable && Object.hasOwn(exactTable, model)) return { table: vendor, key: model };
  for (const table of [vendor, ...(SIBLING_TABLES[vendor] ?? [])]) {
    const index = indexFor(table);
    if (!index) continue;
    for (const name of candidateNames(vendor, model)) {
      for (let current: string | undefined = name; current; current = stripVersion(current)) {
        const key = index.exact.get(current) ?? index.aliases.get(current);
        if (key) return { table, key };
      }
    }
  }
  return undefined;
}

function toPrice(stored: StoredModel): ModelPrice {
  return {
    input: stored.input,
    output: stored.output,
    cacheRead: stored.cache_read ?? stored.input,
    cacheWrite: stored.cache_write ?? stored.input,
    reasoning: stored.reasoning ?? stored.output,
    batchInput: stored.batch_input,
    batchOutput: stored.batch_output,
  };
}

function knownInfo(vendor: string, key: string, stored: StoredModel): ModelInfo {
  return {
    vendor,
    model: key,
    price: toPrice(stored),
    contextWindow: stored.context_window,
    maxOutputTokens: stored.max_output_tokens,
    supports: { ...stored.supports },
    qualityTier: stored.quality_tier,
    known: true,
    priceSource: "catalog",
  };
}

/** Only for an empty catalog, which the committed one is not. */
const NO_PRICE: ModelPrice = {
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  reasoning: 0,
  batchInput: null,
  batchOutput: null,
};

/** The dearest model (input + output per token) of one vendor, or of all vendors. */
const dearestByScope = new Map<string, StoredModel>();

function dearest(vendor: string | undefined): StoredModel | undefined {
  const scope = vendor ?? "";
  const cached = dearestByScope.get(scope);
  if (cached) return cached;
  const tables = vendor === undefined ? Object.values(STORED) : [STORED[vendor] ?? {}];
  let found: StoredModel | undefined;
  for (const table of tables) {
    for (const stored of Object.values(table)) {
      if (!found || stored.input + stored.output > found.input + found.output) found = stored;
    }
  }
  if (found) dearestByScope.set(scope, found);
  return found;
}

/**
 * The unknown-model rule (docs/pricing.md): priced as the vendor's dearest model, or the dearest
 * overall for a vendor the catalog lacks, so budgets err high; no capability is assumed.
 */
function unknownInfo(vendor: string, model: string): ModelInfo {
  const priced = dearest(Object.hasOwn(STORED, vendor) ? vendor : undefined);
  // Batch rates are not assumed: a caller without one bills at the (higher) standard rate.
  const price = { ...(priced ? toPrice(priced) : NO_PRICE), batchInput: null, batchOutput: null };
  return {
    vendor,
    model,
    price,
    contextWindow: null,
    maxOutputTokens: null,
    supports: { tools: false, vision: false, json: false },
    qualityTier: "medium",
    known: false,
    priceSource: "unknown-rule",
  };
}

const largestOutputByScope = new Map<string, number | null>();

/**
 * The most output tokens any catalog model of the vendor may write (of any vendor, for one the
 * catalog lacks), or null when none lists a limit: the output bound of a model whose own limit is
 * unknown, erring high as the unknown-model rule's price does (budget reservations).
 */
export function largestOutputTokens(vendor: string): number | null {
  const scope = Object.hasOwn(STORED, vendor) ? vendor : "";
  const cached = largestOutputByScope.get(scope);
  if (cached !== undefined) return cached;
  const tables = scope === "" ? Object.values(STORED) : [STORED[scope] ?? {}];
  let largest: number | null = null;
  for (const table of tables) {
    for (const stored of Object.values(table)) {
      const limit = stored.max_output_tokens;
      if (limit !== null && (largest === null || limit > largest)) largest = limit;
    }
  }
  largestOutputByScope.set(scope, largest);
  return largest;
}

/** The catalog's model names for a vendor, sorted; empty for a vendor it lacks. */
export function catalogModelNames(vendor: string): readonly string[] {
  return Object.hasOwn(STORED, vendor) ? Object.keys(STORED[vendor] ?? {}).sort() : [];
}

/** Enough for every (vendor, model) a fleet routes to; a flood of made-up names evicts oldest. */
const MEMO_LIMIT = 4096;
const memo = new Map<string, ModelInfo>();

export function lookupModel(vendor: string, model: string): ModelInfo {
  const memoKey = `${vendor}\u0000${model}`;
  const remembered = memo.get(memoKey);
  if (remembered) return remembered;
  const found = resolve(vendor, model);
  const stored = found ? STORED[found.table]?.[found.key] : undefined;
  const info = found && stored ? knownInfo(vendor, found.key, stored) : unknownInfo(vendor, model);
  // Shared by every caller through the memo, so nobody may change it.
  Object.freeze(info.price);
  Object.freeze(info.supports);
  Object.freeze(info);
  if (memo.size >= MEMO_LIMIT) {
    const oldest = memo.keys().next().value;
    if (oldest !== undefined) memo.delete(oldest);
  }
  memo.set(memoKey, info);
  return info;
}
