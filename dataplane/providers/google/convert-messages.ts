// Canonical messages → Gemini `contents` (roles user / model). Assistant blocks carry Gemini's
// signature back as the part's thoughtSignature, byte for byte (another family's is dropped and
// the part goes unsigned); tool results become
// functionResponse parts named after their call, found in the history when the result lacks it.
// Gemini 3 refuses a current turn whose function calls lack a signature, which is what a
// history from another vendor looks like: those get the placeholder Google documents for it.
import type {
  AssistantContent,
  CanonicalMessage,
  ToolResultContent,
  UserContent,
} from "#shared/canonical/content.ts";
import { signatureFor } from "#shared/canonical/signatures.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { mediaPart } from "./media.ts";
import type { GeminiContent, GeminiPart } from "./wire-request.ts";

/** Google's documented stand-in for a signature the history never had (another model's turn). */
export const SKIP_SIGNATURE = "skip_thought_signature_validator";

const UNSIGNED = "the part is sent without it";

export function convertMessages(messages: readonly CanonicalMessage[]): Converted<GeminiContent[]> {
  const warnings: ConversionWarning[] = [];
  const toolNames = new Map<string, string>();
  const contents: GeminiContent[] = [];
  // The current turn starts after the last user message that is more than tool results.
  const turnStart = messages.findLastIndex(
    (message) =>
      message.role === "user" && message.content.some((block) => block.type !== "tool-result"),
  );
  for (const [position, message] of messages.entries()) {
    const parts: GeminiPart[] = [];
    if (message.role === "assistant") {
      for (const block of message.content) {
        const part = assistantPart(block, warnings);
        if (part) parts.push(part);
        if (block.type === "tool-use") toolNames.set(block.id, block.name);
      }
      if (position > turnStart) signFirstCall(parts);
    } else {
      for (const block of message.content) {
        const part = userPart(block, toolNames, warnings);
        if (part) parts.push(part);
      }
    }
    if (parts.length === 0) {
      // Gemini refuses a content without parts.
      warnings.push({
        type: "unsupported-content",
        subject: `messages[${position}]`,
        message: `messages[${position}] has nothing Gemini can carry; dropped`,
      });
      continue;
    }
    const role = message.role === "assistant" ? "model" : "user";
    // Turns alternate on Gemini; two in a row with the same role (one dropped between) merge.
    const previous = contents.at(-1);
    if (previous?.role === role) previous.parts.push(...parts);
    else contents.push({ role, parts });
  }
  return { value: contents, warnings };
}

/** Gemini checks the first function call of each step of the current turn. */
function signFirstCall(parts: GeminiPart[]): void {
  const first = parts.find((part) => part.functionCall);
  if (first && first.thoughtSignature === undefined) first.thoughtSignature = SKIP_SIGNATURE;
}

function withSignature(part: GeminiPart, signature: string | undefined): GeminiPart {
  return signature === undefined ? part : { ...part, thoughtSignature: signature };
}

function assistantPart(
  block: AssistantContent,
  warnings: ConversionWarning[],
): GeminiPart | undefined {
  switch (block.type) {
    case "text": {
      const signature = signatureFor(block, "gemini", "gemini", warnings);
      // An empty text part is meaningful only as the carrier of a signature.
      if (block.text === "" && signature === undefined) return undefined;
      return withSignature({ text: block.text }, signature);
    }
    case "thinking": {
      const signature = signatureFor(block, "gemini", "gemini", warnings, UNSIGNED);
      return withSignature({ text: block.text, thought: true }, signature);
    }
    case "tool-use":
      return withSignature(
        { functionCall: { name: block.name, args: block.input ?? {} } },
        signatureFor(block, "gemini", "gemini", warnings, UNSIGNED),
      );
    case "redacted-thinking":
      warnings.push({
        type: "unsupported-content",
        subject: "redacted-thinking",
        message:
          "redacted thinking is another vendor's encrypted reasoning; Gemini cannot read it, dropped",
      });
      return undefined;
  }
}

function userPart(
  block: UserContent,
  toolNames: ReadonlyMap<string, string>,
  warnings: ConversionWarning[],
): GeminiPart | undefined {
  switch (block.type) {
    case "text":
      return block.text === "" ? undefined : { text: block.text };
    case "image":
      return mediaPart(block.source, "image", warnings);
    case "document":
      return mediaPart(block.source, "document", warnings);
    case "tool-result":
      return functionResponsePart(block, toolNames, warnings);
  }
}

function functionResponsePart(
  block: ToolResultContent,
  toolNames: ReadonlyMap<string, string>,
  warnings: ConversionWarning[],
): GeminiPart {
  let name = block.toolName ?? toolNames.get(block.toolUseId);
  if (!name) {
    warnings.push({
      type: "lossy-conversion",
      subject: "tool-result.name",
      message: `no tool name for the result of call ${block.toolUseId}; its id is sent as the name`,
    });
    name = block.toolUseId;
  }
  let text = "";
  for (const item of block.content) {
    if (item.type === "text") text += item.text;
    else
      warnings.push({
        type: "unsupported-content",
        subject: "tool-result.image",
        message: "images inside tool results are not sent to Gemini; dropped",
      });
  }
  // Gemini reads "output" as the function's result and "error" as its failure.
  const response = block.isError ? { error: text } : { output: text };
  return { functionResponse: { name, response } };
}
