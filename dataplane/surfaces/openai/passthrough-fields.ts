// The fast path sends the client's body to an OpenAI-family upstream as is, so the gateway's own
// fields inside messages (`mlx:thinking`, `mlx:signature`: reasoning-fields.ts), which such an
// upstream would refuse or ignore, are taken out first, with the warnings the translated path
// gives for the same loss (thinking has no place in Chat Completions history; no signature is
// an OpenAI one). Bodies without them are returned as they are, not copied.
import { foreignSignature } from "#shared/canonical/signatures.ts";
import type { ConversionWarning, Converted } from "#shared/canonical/warnings.ts";
import { openSignature } from "../../wire/signature-envelope.ts";

type Json = Record<string, unknown>;

const TARGET = "openai";

export function withoutGatewayFields(body: Json): Converted<Json> {
  const warnings: ConversionWarning[] = [];
  const messages = body.messages;
  if (!Array.isArray(messages)) return { value: body, warnings };
  let changed: unknown[] | undefined;
  for (let position = 0; position < messages.length; position++) {
    const message = messages[position];
    if (!isRecord(message) || message.role !== "assistant") continue;
    const kept = withoutFields(message, warnings);
    if (kept === message) continue;
    changed ??= [...messages];
    changed[position] = kept;
  }
  return { value: changed ? { ...body, messages: changed } : body, warnings };
}

function withoutFields(message: Json, warnings: ConversionWarning[]): Json {
  let kept = stripped(message, "text", warnings);
  const calls = message.tool_calls;
  if (Array.isArray(calls)) {
    const keptCalls = calls.map((call) =>
      isRecord(call) ? stripped(call, "tool-use", warnings) : call,
    );
    if (keptCalls.some((call, index) => call !== calls[index])) {
      if (kept === message) kept = { ...message };
      kept.tool_calls = keptCalls;
    }
  }
  return kept;
}

/** `item` without its `mlx:` keys (the same object when it has none). */
function stripped(item: Json, subject: string, warnings: ConversionWarning[]): Json {
  let kept: Json | undefined;
  for (const key of Object.keys(item)) {
    if (!key.startsWith("mlx:")) continue;
    kept ??= { ...item };
    delete kept[key];
    const value = item[key];
    if (key === "mlx:thinking" && Array.isArray(value) && value.length > 0) {
      warnings.push({
        type: "unsupported-content",
        subject: "assistant.thinking",
        message: `${TARGET} does not take thinking blocks in assistant history; dropped`,
      });
    } else if (key === "mlx:signature" && typeof value === "string" && value !== "") {
      const { origin } = openSignature(value);
      warnings.push(foreignSignature(subject, origin, TARGET, "the signature is dropped"));
    }
  }
  return kept ?? item;
}

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
