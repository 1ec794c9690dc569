// A stored response as the stream that would have delivered it (`GET …/responses/{id}?stream=true`):
// response.created and in_progress, each output item added, its parts' text in one delta, done,
// then response.completed (or incomplete / failed as it ended). `starting_after` skips the
// events up to that sequence number, as OpenAI resumes a stream.

import { sseEvent } from "./sse.ts";
import { isRecord } from "./usage.ts";

type Event = [type: string, fields: Record<string, unknown>];

export function replayEvents(response: Record<string, unknown>, startingAfter: number): string {
  const started = { ...response, status: "in_progress", output: [], usage: null };
  const events: Event[] = [
    ["response.created", { response: started }],
    ["response.in_progress", { response: started }],
  ];
  const output = Array.isArray(response.output) ? response.output : [];
  output.forEach((item, index) => {
    if (isRecord(item)) events.push(...itemEvents(item, index));
  });
  const status = response.status;
  const last =
    status === "incomplete"
      ? "response.incomplete"
      : status === "failed"
        ? "response.failed"
        : status === "completed"
          ? "response.completed"
          : null;
  if (last) events.push([last, { response }]);
  return events
    .map(([type, fields], sequence) =>
      sequence > startingAfter ? sseEvent(type, sequence, fields) : "",
    )
    .join("");
}

function itemEvents(item: Record<string, unknown>, outputIndex: number): Event[] {
  const at = { item_id: item.id, output_index: outputIndex };
  const events: Event[] = [
    ["response.output_item.added", { output_index: outputIndex, item: opened(item) }],
  ];
  if (item.type === "message" && Array.isArray(item.content)) {
    item.content.forEach((part, contentIndex) => {
      if (!isRecord(part)) return;
      const where = { ...at, content_index: contentIndex };
      const empty = part.type === "refusal" ? { ...part, refusal: "" } : { ...part, text: "" };
      events.push(["response.content_part.added", { ...where, part: empty }]);
      if (part.type === "output_text") {
        events.push(["response.output_text.delta", { ...where, delta: part.text, logprobs: [] }]);
        events.push(["response.output_text.done", { ...where, text: part.text, logprobs: [] }]);
      } else if (part.type === "refusal") {
        events.push(["response.refusal.delta", { ...where, delta: part.refusal }]);
        events.push(["response.refusal.done", { ...where, refusal: part.refusal }]);
      }
      events.push(["response.content_part.done", { ...where, part }]);
    });
  } else if (item.type === "reasoning" && Array.isArray(item.summary)) {
    item.summary.forEach((part, summaryIndex) => {
      if (!isRecord(part)) return;
      const where = { ...at, summary_index: summaryIndex };
      events.push([
        "response.reasoning_summary_part.added",
        { ...where, part: { ...part, text: "" } },
      ]);
      events.push(["response.reasoning_summary_text.delta", { ...where, delta: part.text }]);
      events.push(["response.reasoning_summary_text.done", { ...where, text: part.text }]);
      events.push(["response.reasoning_summary_part.done", { ...where, part }]);
    });
  } else if (item.type === "function_call") {
    events.push(["response.function_call_arguments.delta", { ...at, delta: item.arguments }]);
    events.push(["response.function_call_arguments.done", { ...at, arguments: item.arguments }]);
  }
  events.push(["response.output_item.done", { output_index: outputIndex, item }]);
  return events;
}

/** The item as it is first announced: in progress, without its content yet. */
function opened(item: Record<string, unknown>): Record<string, unknown> {
  if (item.type === "message") return { ...item, status: "in_progress", content: [] };
  if (item.type === "reasoning") return { ...item, summary: [] };
  if (item.type === "function_call") return { ...item, status: "in_progress", arguments: "" };
  return item;
}
