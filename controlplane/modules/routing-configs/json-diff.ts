// A structural diff of two JSON values: what was added, removed or replaced, at which JSON
// pointer, with the values on both sides. Arrays are compared position by position.
export interface JsonChange {
  op: "add" | "remove" | "replace";
  path: string;
  from?: unknown;
  to?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const escapePointer = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");

export function jsonDiff(before: unknown, after: unknown, path = ""): JsonChange[] {
  if (isObject(before) && isObject(after)) {
    const changes: JsonChange[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const inner = `${path}/${escapePointer(key)}`;
      if (!(key in after)) changes.push({ op: "remove", path: inner, from: before[key] });
      else if (!(key in before)) changes.push({ op: "add", path: inner, to: after[key] });
      else changes.push(...jsonDiff(before[key], after[key], inner));
    }
    return changes;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const changes: JsonChange[] = [];
    const length = Math.max(before.length, after.length);
    for (let index = 0; index < length; index++) {
      const inner = `${path}/${index}`;
      if (index >= after.length) changes.push({ op: "remove", path: inner, from: before[index] });
      else if (index >= before.length) changes.push({ op: "add", path: inner, to: after[index] });
      else changes.push(...jsonDiff(before[index], after[index], inner));
    }
    return changes;
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ op: "replace", path, from: before, to: after }];
}
