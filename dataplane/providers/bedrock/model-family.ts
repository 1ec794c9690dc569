// Which family a Bedrock model belongs to, for what only Claude takes (thinking, top_k,
// anthropic-beta) and for whose signatures its reasoning carries: Claude on Bedrock writes
// Anthropic's, which Anthropic documents as valid wherever Claude runs; Bedrock's other models
// write their own.
import type { SignatureOrigin } from "#shared/canonical/content.ts";

/** Claude on Bedrock: `anthropic.claude-…`, `us.anthropic.claude-…` or an ARN naming one. */
export function isClaudeModel(model: string): boolean {
  return /anthropic\.claude|claude-/i.test(model);
}

/** The family whose signatures the model writes and verifies (no model known: not Claude's). */
export function bedrockSignatureOrigin(model: string | undefined): SignatureOrigin {
  return model !== undefined && isClaudeModel(model) ? "claude" : "bedrock";
}
