// Token counting for Anthropic-shaped requests routed to a vendor that cannot count them: an
// estimate of about four characters per token over the text a model would read. Answers carry
// `x-modelux-estimated: true` so clients can tell.
const STRUCTURAL_KEYS = new Set([
  "role",
  "type",
  "id",
  "tool_use_id",
  "media_type",
  "cache_control",
]);

export function estimateInputTokens(body: Record<string, unknown>): number {
  let characters = 0;
  const visit = (value: unknown, key?: string) => {
    // Structure (roles, block types, ids) is not text the model reads as prompt.
    if (key !== undefined && STRUCTURAL_KEYS.has(key)) return;
    if (typeof value === "string") {
      // Base64 media is not read as text; count a flat cost per image or document instead.
      characters += key === "data" ? 4 * 1_600 : value.length;
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === "object") {
      for (const [name, item] of Object.entries(value)) visit(item, name);
    }
  };
  visit(body.system);
  visit(body.messages);
  visit(body.tools);
  return Math.max(1, Math.ceil(characters / 4));
}
