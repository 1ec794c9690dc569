// OpenAI's built-in tools as the simulated model uses them: on a user's own turn each offered
// tool (web search, file search, code interpreter, computer use) is called once, before the
// answer, with an output item of its own type shaped like the recordings. Nothing is searched
// or run: queries come from the user's words, results and sources are made up, seeded.
// Computer use ends the turn with a `computer_call` for the client to carry out.
import { createRandom, type Random, seedOf } from "../../common/random.ts";
import { countTokens, splitTokens } from "../../common/tokens.ts";
import { itemId, itemText, lastUserMessage, type ResponseItem } from "./responses-input.ts";
import type { ResponsesRequest, Tool } from "./responses-request.ts";

export type HostedKind = "web_search" | "file_search" | "code_interpreter" | "computer";

export interface HostedCall {
  kind: HostedKind;
  /** The item as `response.output_item.added` shows it. */
  started: ResponseItem;
  /** The item once done. */
  item: ResponseItem;
  /** The code, one token a piece (code interpreter; empty otherwise). */
  codePieces: string[];
  /** Output tokens the call costs (query, code or action). */
  tokens: number;
  /** A citation the answer carries for this call's source, if the tool gives one. */
  annotation?: (text: string) => Record<string, unknown>;
}

function kindOf(type: string): HostedKind | undefined {
  if (type.startsWith("web_search")) return "web_search";
  if (type === "file_search") return "file_search";
  if (type === "code_interpreter") return "code_interpreter";
  if (type === "computer_use_preview") return "computer";
  return undefined;
}

/** Which built-in tools this turn calls, in the order offered, computer use last. */
function toolsInPlay(request: ResponsesRequest, context: ResponseItem[]): Tool[] {
  const offered = (request.tools ?? []).filter((tool) => kindOf(tool.type) !== undefined);
  const choice = request.tool_choice;
  let candidates = offered;
  let forced = false;
  if (choice === "none") return [];
  if (typeof choice === "object" && choice !== null) {
    if (choice.type === "allowed_tools") {
      const allowed = new Set((choice.tools as Array<{ type: string }>).map((tool) => tool.type));
      candidates = offered.filter((tool) => allowed.has(tool.type));
    } else if (kindOf(choice.type) !== undefined) {
      candidates = offered.filter((tool) => kindOf(tool.type) === kindOf(choice.type));
      forced = true;
    } else return [];
  }
  if (!forced && !lastUserMessage(context)) return [];
  const seen = new Set<HostedKind>();
  const unique = candidates.filter((tool) => {
    const kind = kindOf(tool.type) as HostedKind;
    if (seen.has(kind)) return false;
    seen.add(kind);
    return true;
  });
  unique.sort(
    (a, b) => Number(a.type === "computer_use_preview") - Number(b.type === "computer_use_preview"),
  );
  return unique.slice(0, request.max_tool_calls ?? unique.length);
}

export function planHostedCalls(
  request: ResponsesRequest,
  context: ResponseItem[],
  seedText: string,
): HostedCall[] {
  const tools = toolsInPlay(request, context);
  if (tools.length === 0) return [];
  const random = createRandom(seedOf(`hosted\n${seedText}`));
  const include = new Set(request.include ?? []);
  const last = lastUserMessage(context);
  const words = (last ? itemText(last) : "").match(/[\p{L}\p{N}]+/gu) ?? [];
  const query = words.slice(0, 10).join(" ") || "latest information";
  return tools.map((tool) => {
    switch (kindOf(tool.type)) {
      case "web_search":
        return webSearchCall(query, random, include);
      case "file_search":
        return fileSearchCall(tool, query, random, include);
      case "code_interpreter":
        return codeInterpreterCall(tool, query, random, include);
      default:
        return computerCall();
    }
  });
}

function slug(query: string): string {
  return (
    query
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "result"
  );
}

function webSearchCall(query: string, random: Random, include: Set<string>): HostedCall {
  const id = itemId("ws_");
  const url = `https://example.com/${slug(query)}/${random.between(100, 999)}`;
  const action: Record<string, unknown> = { type: "search", query };
  if (include.has("web_search_call.action.sources")) action.sources = [{ type: "url", url }];
  return {
    kind: "web_search",
    started: { id, type: "web_search_call", status: "in_progress" },
    item: { id, type: "web_search_call", status: "completed", action },
    codePieces: [],
    tokens: countTokens(query),
    annotation: (text) => ({
      type: "url_citation",
      end_index: firstSentenceEnd(text),
      start_index: 0,
      title: `About ${query}`,
      url: `${url}?utm_source=openai`,
    }),
  };
}

function fileSearchCall(
  tool: Tool,
  query: string,
  random: Random,
  include: Set<string>,
): HostedCall {
  const id = itemId("fs_");
  const stores = (tool as { vector_store_ids?: string[] }).vector_store_ids ?? [];
  const fileId = `file-${seedOf(`${stores.join(",")}\n${query}`)
    .toString(36)
    .padStart(8, "0")}`;
  const filename = `${slug(query).slice(0, 24)}.pdf`;
  const queries = [query];
  const results = include.has("file_search_call.results")
    ? [
        {
          attributes: {},
          file_id: fileId,
          filename,
          score: Math.round((0.5 + random.next() / 2) * 1e4) / 1e4,
          text: `A passage about ${query}.`,
        },
      ]
    : null;
  return {
    kind: "file_search",
    started: { id, type: "file_search_call", status: "in_progress", queries: [], results: null },
    item: { id, type: "file_search_call", status: "completed", queries, results },
    codePieces: [],
    tokens: countTokens(query),
    annotation: (text) => ({
      type: "file_citation",
      file_id: fileId,
      filename,
      index: text.length,
    }),
  };
}

function codeInterpreterCall(
  tool: Tool,
  query: string,
  random: Random,
  include: Set<string>,
): HostedCall {
  const id = itemId("ci_");
  const container = (tool as { container?: unknown }).container;
  const containerId = typeof container === "string" ? container : itemId("cntr_");
  const values = [random.between(1, 99), random.between(1, 99), random.between(1, 99)];
  const code = `# ${query}\nvalues = [${values.join(", ")}]\nprint(sum(values))\n`;
  const outputs = include.has("code_interpreter_call.outputs")
    ? [{ type: "logs", logs: String(values.reduce((sum, value) => sum + value, 0)) }]
    : null;
  const base = { id, type: "code_interpreter_call", container_id: containerId };
  return {
    kind: "code_interpreter",
    started: { ...base, status: "in_progress", code: "", outputs: [] },
    item: { ...base, status: "completed", code, outputs },
    codePieces: splitTokens(code),
    tokens: countTokens(code),
  };
}

function computerCall(): HostedCall {
  const id = itemId("cu_");
  const base = {
    id,
    type: "computer_call",
    call_id: itemId("call_").slice(0, 29),
    action: { type: "screenshot" },
    pending_safety_checks: [],
  };
  return {
    kind: "computer",
    started: { ...base, status: "in_progress" },
    item: { ...base, status: "completed" },
    codePieces: [],
    tokens: countTokens(JSON.stringify(base.action)),
  };
}

function firstSentenceEnd(text: string): number {
  const stop = text.indexOf(".");
  return stop < 0 ? text.length : stop + 1;
}
