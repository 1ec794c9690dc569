// The content blocks the canonical model carries, as Anthropic sends them (responses, and
// content_block_start in streams). Lenient: only what is read. Anything else (server tools and
// their results, MCP, compaction, fallback markers, blocks yet to come) reads as undefined.
import * as v from "valibot";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";

const blockSchema = v.variant("type", [
  v.looseObject({
    type: v.literal("text"),
    text: v.string(),
    citations: v.nullish(v.array(v.unknown())),
  }),
  v.looseObject({
    type: v.literal("thinking"),
    thinking: v.string(),
    signature: v.nullish(v.string()),
  }),
  v.looseObject({ type: v.literal("redacted_thinking"), data: v.string() }),
  v.looseObject({
    type: v.literal("tool_use"),
    id: v.string(),
    name: v.string(),
    input: v.optional(v.unknown()),
  }),
]);

export type AnthropicContentBlock = v.InferOutput<typeof blockSchema>;

export function readContentBlock(raw: unknown): AnthropicContentBlock | undefined {
  const parsed = v.safeParse(blockSchema, raw);
  return parsed.success ? parsed.output : undefined;
}

/** The `type` of a block this converter skips, for the warning. */
export function blockType(raw: unknown): string {
  const type = typeof raw === "object" && raw !== null ? (raw as { type?: unknown }).type : null;
  return typeof type === "string" ? type : "unknown";
}

export function skippedBlock(type: string): ConversionWarning {
  return {
    type: "unsupported-content",
    subject: `content.${type}`,
    message: `content.${type}: ${type} blocks have no canonical form; skipped`,
  };
}

export const citationsDropped: ConversionWarning = {
  type: "lossy-conversion",
  subject: "content.text.citations",
  message: "content.text.citations: citations have no canonical form; dropped",
};
