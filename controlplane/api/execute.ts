// Runs one operation for an authenticated caller, whichever surface (REST or MCP) received it:
// role check, input validation, the handler with its narrow context, output check, envelope.
import * as v from "valibot";
import type { Database } from "../db/client.ts";
import { scoped } from "../db/tenant.ts";
import { enqueueEvent } from "../webhooks/enqueue.ts";
import { renameAliasedFields } from "./aliases.ts";
import { writeAudit } from "./audit.ts";
import { encodeJson } from "./encoded-json.ts";
import { forbidden, ManagementError, validationError } from "./errors.ts";
import type { FileResult } from "./file-result.ts";
import {
  type Caller,
  type InputObjectSchema,
  type ManagementServices,
  type Operation,
  type OperationContext,
  roleAtLeast,
  type WriteContext,
} from "./operation.ts";

export interface ManagementRuntime {
  db: Database;
  services: ManagementServices;
}

export interface RawInput {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

export type Envelope = { data: unknown } | { data: unknown[]; next_cursor: string | null };
/** What an operation produced: JSON for the envelope, or a file (operations with `produces`). */
export type Outcome = Envelope | { file: FileResult };

export async function executeOperation(
  runtime: ManagementRuntime,
  operation: Operation,
  caller: Caller,
  raw: RawInput,
  requestId: string,
): Promise<Outcome> {
  if (!roleAtLeast(caller.role, operation.role)) {
    throw forbidden(
      `${operation.id} needs the ${operation.role} role; this key has ${caller.role}`,
    );
  }
  const input = {
    params: parsePart("params", operation.params, raw.params),
    query: parsePart(
      "query",
      operation.query,
      renameAliasedFields(operation, "query", operation.query, raw.query),
    ),
    body: parsePart(
      "body",
      operation.body,
      renameAliasedFields(operation, "body", operation.body, raw.body ?? {}),
    ),
  };
  const context = operationContext(runtime, caller, requestId);
  const result = await operation.handler(context, input);
  if (operation.produces) return { file: result as FileResult };
  if (operation.list) {
    const page = result as { data: unknown[]; next_cursor: string | null };
    return {
      data: page.data.map((item) => checkOutput(operation, item)),
      next_cursor: page.next_cursor,
    };
  }
  return { data: operationAnswer(operation, result) };
}

/**
 * A single answer as it is sent: checked against the operation's schema; with `encodedOutput`,
 * against that and written once as JSON, its parts DuckDB wrote spliced in (encoded-json.ts).
 */
export function operationAnswer(operation: Operation, result: unknown): unknown {
  if (!operation.encodedOutput) return checkOutput(operation, result);
  return encodeJson(checkOutput(operation, result, operation.encodedOutput));
}

function parsePart(
  part: "params" | "query" | "body",
  schema: InputObjectSchema | undefined,
  value: unknown,
): unknown {
  if (!schema) return {};
  const result = v.safeParse(schema, value);
  if (!result.success) throw validationError(part, result.issues);
  return result.output;
}

/** A handler returning something its declared schema does not allow is a bug: fail loudly. */
function checkOutput(
  operation: Operation,
  value: unknown,
  schema: v.GenericSchema = operation.output,
): unknown {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const where = result.issues
    .map(
      (issue) =>
        `${(issue.path ?? []).map((item) => String(item.key)).join(".")}: ${issue.message}`,
    )
    .join("; ");
  throw new ManagementError(
    "internal",
    `internal error: ${operation.id} output invalid (${where})`,
  );
}

export function operationContext(
  runtime: ManagementRuntime,
  caller: Caller,
  requestId: string,
): OperationContext {
  return {
    db: runtime.db,
    tenant: scoped(runtime.db, caller.org_id),
    caller,
    services: runtime.services,
    requestId,
    async write(change) {
      const effects: Array<() => Promise<void>> = [];
      const result = await runtime.db.transaction(async (transaction) => {
        const context: WriteContext = {
          db: transaction,
          tenant: scoped(transaction, caller.org_id),
          audit: (entry) => writeAudit(transaction, caller, requestId, entry),
          emit: async (type, data) => {
            await enqueueEvent(transaction, caller.org_id, type, data);
          },
          afterCommit: (effect) => effects.push(effect),
        };
        return change(context);
      });
      for (const effect of effects) {
        await effect().catch((error) =>
          runtime.services.log(`after-commit effect failed: ${(error as Error).message}`),
        );
      }
      return result;
    },
  };
}
