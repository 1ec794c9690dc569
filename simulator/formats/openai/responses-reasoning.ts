// Which models reason, how hard by default, and the opaque `encrypted_content` of their
// reasoning items. The content is sealed with a digest the simulator checks when the item comes
// back as input, as OpenAI does: an item edited, or made by another vendor, is refused.

/** o-series and gpt-5 family; other models refuse `reasoning.effort` as OpenAI's do. */
export function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|codex)/.test(model);
}

export type Effort = "none" | "minimal" | "low" | "medium" | "high" | "xhigh";

/** gpt-5.1 and later answer without reasoning unless asked; earlier reasoning models think at medium. */
export function defaultEffort(model: string): Effort | null {
  if (!isReasoningModel(model)) return null;
  return /^gpt-5\.\d/.test(model) ? "none" : "medium";
}

/** Thinking budgets by effort; undefined leaves the planner's own (16–48 tokens). */
export function effortBudget(effort: Effort): number | undefined {
  switch (effort) {
    case "minimal":
      return 8;
    case "low":
      return 16;
    default:
      return undefined;
  }
}

const SEAL_PREFIX = "gAAAAAB";

function digest(body: string): string {
  return Bun.hash.wyhash(`modelux-simulator-reasoning\n${body}`).toString(36);
}

/** Opaque to clients, like OpenAI's Fernet tokens; carries the reasoning text for the next turn. */
export function sealReasoning(itemId: string, reasoningText: string): string {
  const body = Buffer.from(JSON.stringify({ id: itemId, text: reasoningText })).toString(
    "base64url",
  );
  return `${SEAL_PREFIX}${body}.${digest(body)}`;
}

/** The reasoning text of a sealed item, or undefined when the seal was not made here intact. */
export function openReasoning(sealed: string): { id: string; text: string } | undefined {
  if (!sealed.startsWith(SEAL_PREFIX)) return undefined;
  const [body, mark] = sealed.slice(SEAL_PREFIX.length).split(".");
  if (!body || mark !== digest(body)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as unknown;
    if (typeof value !== "object" || value === null) return undefined;
    const { id, text } = value as { id?: unknown; text?: unknown };
    return typeof id === "string" && typeof text === "string" ? { id, text } : undefined;
  } catch {
    return undefined;
  }
}
