// A recorded request rebuilt for re-sending (with_responses, docs/experiments.md): the captured
// prompt (`{system, messages}` of the original body, after the project's redaction) with the
// recorded parameters that capture keeps beside it (max tokens, temperature, JSON output), the
// request's tags, end user and conversation, on the surface it came in on, naming `model`.
// Streams are re-sent whole: the answer is compared, not its pacing. Pure.

/** What replay knows of a request besides its prompt (columns of experiment_content_rows.sql). */
export interface CapturedRequest {
  request_id: string;
  surface: string;
  prompt: string;
  tags_json: string | null;
  end_user: string | null;
  conversation_id: string | null;
  req_max_tokens: number | null;
  req_temperature: number | null;
  req_wants_json: boolean;
}

export interface ReplayCall {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Anthropic requires max_tokens; a captured request always had one, this is for old rows. */
const ANTHROPIC_FALLBACK_MAX_TOKENS = 4_096;

export function replayCall(
  request: CapturedRequest,
  model: string,
): { value: ReplayCall } | { skip: string } {
  let prompt: unknown;
  try {
    prompt = JSON.parse(request.prompt);
  } catch {
    return { skip: "unreadable_prompt" };
  }
  const { system, messages } = (prompt ?? {}) as { system?: unknown; messages?: unknown };
  if (!Array.isArray(messages) || messages.length === 0) return { skip: "unreadable_prompt" };
  const body: Record<string, unknown> = { model, messages };
  const headers: Record<string, string> = {};
  if (request.req_temperature !== null) body.temperature = request.req_temperature;
  const tags = parseTags(request.tags_json);
  if (tags) body["mlx:tags"] = tags;
  if (request.end_user) body["mlx:end_user"] = request.end_user;
  if (request.conversation_id) headers["x-modelux-conversation-id"] = request.conversation_id;
  if (request.surface === "anthropic") {
    if (request.req_wants_json) return { skip: "output_format_not_captured" };
    if (system !== undefined) body.system = system;
    body.max_tokens = request.req_max_tokens ?? ANTHROPIC_FALLBACK_MAX_TOKENS;
    headers["anthropic-version"] = "2023-06-01";
    return { value: { path: "/anthropic/v1/messages", body, headers } };
  }
  if (request.surface !== "openai") return { skip: "unknown_surface" };
  if (request.req_max_tokens !== null) body.max_tokens = request.req_max_tokens;
  // The schema of a json_schema request is not captured; JSON mode keeps the answer JSON.
  if (request.req_wants_json) body.response_format = { type: "json_object" };
  return { value: { path: "/openai/v1/chat/completions", body, headers } };
}

function parseTags(text: string | null): Record<string, string> | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return null;
    const tags = Object.fromEntries(
      Object.entries(parsed).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
    return Object.keys(tags).length > 0 ? tags : null;
  } catch {
    return null;
  }
}
