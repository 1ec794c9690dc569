// The MCP server at /mcp: streamable HTTP, stateless (a fresh server per HTTP request), every
// Management API operation as a tool. Authenticated like REST with a management key; each tool
// call counts against the key's rate limit and runs through the same `executeOperation`.
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import { toolNames } from "../api/aliases.ts";
import { type AuthenticatedKey, authenticate } from "../api/auth.ts";
import { EncodedJson } from "../api/encoded-json.ts";
import { ManagementError, renderError } from "../api/errors.ts";
import { executeOperation, type ManagementRuntime } from "../api/execute.ts";
import { inlineFile } from "../api/file-result.ts";
import { checkInputValue } from "../api/input-guard.ts";
import type { Operation } from "../api/operation.ts";
import { consumeRateLimit } from "../api/rate-limit.ts";
import { splitArguments, toolOf } from "./tools.ts";

const INSTRUCTIONS =
  "Tools to manage a modelux gateway: projects, proxy API keys, providers, routing configs, " +
  "budgets, webhooks and the audit log. Start with get_setup_status: it says what is missing " +
  "before the first request can be served, and which tool adds it.";

export function createMcpHandler(
  runtime: ManagementRuntime,
  operations: Operation[],
  version: string,
): (request: Request) => Promise<Response> {
  // The product's documented tool names are listed too (agents call only listed tools).
  const tools: Tool[] = operations.flatMap((operation) =>
    toolNames(operation).map((name) => toolOf(operation, name)),
  );
  const byName = new Map(
    operations.flatMap((operation) => toolNames(operation).map((name) => [name, operation])),
  );

  return async (request) => {
    if (request.method !== "POST") {
      return Response.json(
        {
          jsonrpc: "2.0",
          error: { code: -32000, message: "stateless server: POST only" },
          id: null,
        },
        { status: 405, headers: { allow: "POST" } },
      );
    }
    let caller: AuthenticatedKey;
    try {
      caller = await authenticate(runtime.db, request.headers.get("authorization"));
    } catch (thrown) {
      const rendered = renderError(thrown);
      return Response.json(rendered.body, {
        status: rendered.status,
        headers: { "www-authenticate": 'Bearer realm="modelux"' },
      });
    }

    const server = new Server(
      { name: "modelux", version },
      { capabilities: { tools: {} }, instructions: INSTRUCTIONS },
    );
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
    server.setRequestHandler(CallToolRequestSchema, async (call) => {
      const operation = byName.get(call.params.name);
      if (!operation) {
        return errorResult(new ManagementError("not_found", `no tool named ${call.params.name}`));
      }
      return callTool(runtime, operation, caller, call.params.arguments ?? {});
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(request);
    } finally {
      await server.close();
    }
  };
}

async function callTool(
  runtime: ManagementRuntime,
  operation: Operation,
  caller: AuthenticatedKey,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const requestId = crypto.randomUUID();
  try {
    const limit = caller.rpm_limit ?? runtime.services.settings.MODELUX_MANAGEMENT_RPM;
    await consumeRateLimit(runtime.db, caller.key_id, limit);
    const raw = splitArguments(operation, args);
    for (const part of ["params", "query", "body"] as const) checkInputValue(part, raw[part]);
    const outcome = await executeOperation(runtime, operation, caller, raw, requestId);
    // A file (an export) travels inline: MCP results are JSON, structured content an object.
    const envelope =
      "file" in outcome
        ? { data: await inlineFile(outcome.file) }
        : outcome.data instanceof EncodedJson
          ? { data: outcome.data.toJSON() }
          : outcome;
    return {
      content: [{ type: "text", text: JSON.stringify(envelope, null, 2) }],
      structuredContent: envelope as Record<string, unknown>,
    };
  } catch (thrown) {
    const result = errorResult(thrown);
    if (renderError(thrown).status >= 500) {
      runtime.services.log(
        `${operation.id} (mcp, ${requestId}) failed: ${(thrown as Error)?.stack}`,
      );
    }
    return result;
  }
}

function errorResult(thrown: unknown): CallToolResult {
  const rendered = renderError(thrown);
  return { isError: true, content: [{ type: "text", text: JSON.stringify(rendered.body) }] };
}
