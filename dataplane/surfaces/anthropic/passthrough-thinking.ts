// The fast path sends the client's body to Anthropic as is, so thinking Claude did not sign is
// taken out first: a block sealed for another family (wire/signature-envelope.ts) or without a
// signature would make Anthropic refuse the whole request. A Claude signature that came sealed is
// unsealed. The translated path does the same in the adapter (providers/anthropic); the warnings
// are the same too. Bodies without such blocks are returned as they are, not copied.
import { foreignSignature } from "#shared/canonical/signatures.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { isSealed, openSignature } from "../../wire/signature-envelope.ts";

type Json = Record<string, unknown>;

export function claudeThinkingOnly(body: Json): Converted<Json> {
  const warnings: ConversionWarning[] = [];
  const messages = body.messages;
  if (!Array.isArray(messages)) return { value: body, warnings };
  let changed: unknown[] | undefined;
  messages.forEach((message, position) => {
    const content = isRecord(message) && message.role === "assistant" ? message.content : null;
    if (!Array.isArray(content)) return;
    const kept = claudeBlocks(content, `messages[${position}]`, warnings);
    if (kept === content) return;
    changed ??= [...messages];
    changed[position] = { ...message, content: kept };
  });
  return { value: changed ? { ...body, messages: changed } : body, warnings };
}

/** The blocks as Anthropic may take them; the same array when nothing changes. */
function claudeBlocks(blocks: unknown[], path: string, warnings: ConversionWarning[]): unknown[] {
  let kept: unknown[] | undefined;
  blocks.forEach((block, index) => {
    const next = claudeBlock(block, `${path}.content[${index}]`, warnings);
    if (next === block && kept === undefined) return;
    kept ??= blocks.slice(0, index);
    if (next !== undefined) kept.push(next);
  });
  return kept ?? blocks;
}

/** The block to send (itself, unsealed, or undefined to leave it out). */
function claudeBlock(block: unknown, path: string, warnings: ConversionWarning[]): unknown {
  if (!isRecord(block)) return block;
  const field =
    block.type === "thinking" ? "signature" : block.type === "redacted_thinking" ? "data" : null;
  if (field === null) return block;
  const value = block[field];
  if (typeof value !== "string") return block;
  if (value === "" && field === "signature") {
    warnings.push({
      type: "unsupported-content",
      subject: path,
      message: `${path}: thinking without an Anthropic signature; dropped`,
    });
    return undefined;
  }
  if (!isSealed(value)) return block;
  const opened = openSignature(value);
  if (opened.origin === "claude") return { ...block, [field]: opened.value };
  const kind = field === "signature" ? "thinking" : "redacted-thinking";
  warnings.push(foreignSignature(kind, opened.origin, "anthropic", "dropped"));
  return undefined;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
