// A message may name an uploaded file (`{"type": "document", "source": {"type": "file",
// "file_id": …}}`, images too): Anthropic answers 404 for a file the key does not own. The
// simulator checks the same, so a gateway that sends the message to another credential than the
// one holding the file is caught.
import type { SimulatorState } from "../../common/state.ts";
import { anthropicErrorResponse } from "./errors.ts";
import { anthropicKeyOf } from "./files-api.ts";

/** The answer Anthropic gives for the body's file references, or undefined when they are fine. */
export function fileReferenceProblem(
  request: Request,
  body: Record<string, unknown>,
  state: SimulatorState,
): Response | undefined {
  const ids = referencedFileIds(body);
  if (ids.length === 0) return undefined;
  const tenant = `anthropic:${anthropicKeyOf(request) ?? ""}`;
  const missing = ids.find((id) => !state.files.get(tenant, id));
  return missing ? anthropicErrorResponse(404, `File not found: ${missing}`) : undefined;
}

function referencedFileIds(body: Record<string, unknown>): string[] {
  const ids: string[] = [];
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) continue;
    for (const block of content) {
      const source = (block as { source?: { type?: unknown; file_id?: unknown } } | null)?.source;
      if (source?.type === "file" && typeof source.file_id === "string") ids.push(source.file_id);
    }
  }
  return ids;
}
