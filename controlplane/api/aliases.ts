// The published modelux.ai names an operation also answers to (docs/compatibility.md): its field
// aliases are renamed to ours before validation, on REST and MCP alike, so a handler only ever
// sees our names.
import { invalidField } from "./errors.ts";
import type { InputObjectSchema, Operation } from "./operation.ts";

/** `value` with the operation's aliased fields renamed to ours where ours is in `schema`. */
export function renameAliasedFields<T>(
  operation: Operation,
  part: "query" | "body",
  schema: InputObjectSchema | undefined,
  value: T,
): T {
  const fields = operation.aliases?.fields;
  if (!fields || !schema || typeof value !== "object" || value === null || Array.isArray(value)) {
    return value;
  }
  const record = value as Record<string, unknown>;
  let renamed: Record<string, unknown> | null = null;
  for (const [theirs, ours] of Object.entries(fields)) {
    if (!(theirs in record) || !(ours in schema.entries)) continue;
    if (ours in record) {
      throw invalidField(`${part}.${theirs}`, `is another name for ${ours}: send one of them`);
    }
    renamed ??= { ...record };
    renamed[ours] = renamed[theirs];
    delete renamed[theirs];
  }
  return (renamed ?? record) as T;
}

/** Every MCP tool name an operation answers to: its id, then its aliases. */
export const toolNames = (operation: Operation): string[] => [
  operation.id,
  ...(operation.aliases?.tools ?? []),
];

/** Every REST path an operation answers at: its own, then its aliases. */
export const restPaths = (operation: Operation): string[] => [
  operation.path,
  ...(operation.aliases?.paths ?? []),
];
