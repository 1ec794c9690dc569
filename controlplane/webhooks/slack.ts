// Slack incoming webhooks take a message, not our envelope: `{text, blocks}` rendered from it.
import type { WebhookEnvelope } from "./enqueue.ts";

export function isSlackUrl(url: string): boolean {
  try {
    return new URL(url).hostname === "hooks.slack.com";
  } catch {
    return false;
  }
}

/** One line per top-level fact of the event, nested objects by their name, slug or id. */
export function slackMessage(envelope: WebhookEnvelope) {
  const facts = Object.entries(envelope.data).map(
    ([key, value]) => `• *${key}*: ${describe(value)}`,
  );
  const text = `modelux: ${envelope.type}`;
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text } },
      ...(facts.length > 0
        ? [{ type: "section", text: { type: "mrkdwn", text: facts.join("\n").slice(0, 2900) } }]
        : []),
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `event \`${envelope.id}\` · ${envelope.created_at}` }],
      },
    ],
  };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "object") return String(value);
  const record = value as Record<string, unknown>;
  for (const key of ["name", "slug", "id"]) {
    if (typeof record[key] === "string") {
      return key === "slug" ? `@${record[key]}` : `\`${String(record[key])}\``;
    }
  }
  return `\`${JSON.stringify(value).slice(0, 200)}\``;
}
