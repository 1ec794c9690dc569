// Tools, tool choice and JSON output for Converse. Converse has no JSON mode that every model
// takes, so a requested JSON answer is emulated the way AWS documents for Converse: a tool
// whose input schema is the wanted JSON, which the model is made to call; the response and
// stream converters turn that call back into text (see JSON_TOOL_NAME).
import type { CanonicalRequest, ResponseFormat } from "#shared/canonical/request.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { ConverseBody, Tool, ToolChoice } from "./converse-types.ts";
import { cachePoint } from "./convert-media.ts";

/** The emulated JSON answer's tool; a call to it is read back as the answer's text. */
export const JSON_TOOL_NAME = "modelux_json_answer";

type ToolConfig = NonNullable<ConverseBody["toolConfig"]>;

function jsonTool(format: Exclude<ResponseFormat, { type: "text" }>): Tool {
  const schema = format.type === "json-schema" ? format.schema : { type: "object" };
  const description =
    format.type === "json-schema" && format.description
      ? format.description
      : "Give your final answer as this tool's input, a JSON value matching its schema.";
  return { toolSpec: { name: JSON_TOOL_NAME, description, inputSchema: { json: schema } } };
}

function hasToolBlocks(request: CanonicalRequest): boolean {
  return request.messages.some((message) =>
    message.content.some((part) => part.type === "tool-use" || part.type === "tool-result"),
  );
}

export function convertTools(
  request: CanonicalRequest,
  warnings: ConversionWarning[],
): ToolConfig | undefined {
  const tools: Tool[] = [];
  for (const tool of request.tools) {
    const spec: Tool = {
      toolSpec: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        inputSchema: { json: tool.inputSchema },
      },
    };
    tools.push(spec, ...cachePoint(tool.cacheControl));
  }
  let toolChoice = convertToolChoice(request, warnings);

  const choice = request.toolChoice;
  if (choice?.type === "none" && tools.length > 0) {
    // Converse has no "none". Without the tools the model cannot call one; but a conversation
    // that already holds tool calls must still declare them, so then they stay, on auto.
    if (!hasToolBlocks(request)) tools.length = 0;
    else warnings.push(lossy("tool_choice", "tool_choice none is sent as auto on Bedrock"));
  }

  const format = request.responseFormat;
  if (format && format.type !== "text") {
    const userTools = tools.length > 0;
    tools.push(jsonTool(format));
    // Forcing a tool is refused while Claude thinks; with tools of the client's own, the model
    // must call one of them or the answer tool.
    if (request.thinking?.enabled) toolChoice = undefined;
    else if (!userTools) toolChoice = { tool: { name: JSON_TOOL_NAME } };
    else if (!toolChoice) toolChoice = { any: {} };
    warnings.push(
      lossy(
        "response_format",
        `Bedrock Converse has no JSON mode; the answer is requested as a call to a tool named ${JSON_TOOL_NAME} and returned as text`,
      ),
    );
  }

  if (tools.length === 0) return undefined;
  return toolChoice ? { tools, toolChoice } : { tools };
}

function convertToolChoice(
  request: CanonicalRequest,
  warnings: ConversionWarning[],
): ToolChoice | undefined {
  const choice = request.toolChoice;
  if (!choice || request.tools.length === 0) return undefined;
  if ((choice.type === "auto" || choice.type === "required") && choice.parallel === false) {
    warnings.push(lossy("parallel_tool_calls", "Bedrock cannot forbid parallel tool calls"));
  }
  switch (choice.type) {
    case "required":
      return { any: {} };
    case "tool":
      return { tool: { name: choice.name } };
    default:
      // auto is Converse's default, and the only choice every model family accepts.
      return undefined;
  }
}

function lossy(subject: string, message: string): ConversionWarning {
  return { type: "lossy-conversion", subject, message };
}
