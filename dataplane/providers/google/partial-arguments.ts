// Rebuilds a function call's arguments from streamed pieces (`streamFunctionCallArguments`):
// each piece sets one value by JSON path (`$.recipe.steps[1]`); a string may come in several
// pieces, each appended while the previous said `willContinue`.
import type { GeminiPartialArg } from "./wire-response.ts";

type Container = Record<string, unknown> | unknown[];
type PathKey = string | number;

export class PartialArguments {
  private root: Record<string, unknown>;
  private openStringPath: string | undefined;

  constructor(initial?: unknown) {
    this.root = isRecord(initial) ? structuredClone(initial) : {};
  }

  apply(pieces: readonly GeminiPartialArg[] | null | undefined): void {
    for (const piece of pieces ?? []) this.applyOne(piece);
  }

  toJson(): string {
    return JSON.stringify(this.root);
  }

  private applyOne(piece: GeminiPartialArg): void {
    const path = piece.jsonPath ?? "";
    const keys = parseJsonPath(path);
    if (keys === undefined || keys.length === 0) return;
    let value: unknown;
    if (piece.stringValue != null) {
      const previous = this.openStringPath === path ? read(this.root, keys) : undefined;
      value = (typeof previous === "string" ? previous : "") + piece.stringValue;
      this.openStringPath = piece.willContinue ? path : undefined;
    } else {
      this.openStringPath = undefined;
      if (piece.numberValue != null) value = piece.numberValue;
      else if (piece.boolValue != null) value = piece.boolValue;
      else if (piece.nullValue !== undefined) value = null;
      else return;
    }
    write(this.root, keys, value);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `$.a.b[0]['c d']` → ["a", "b", 0, "c d"]; undefined when the path is not of that form. */
export function parseJsonPath(path: string): PathKey[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const keys: PathKey[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path);
    if (!match) return undefined;
    if (match[1] !== undefined) keys.push(match[1]);
    else if (match[2] !== undefined) keys.push(Number(match[2]));
    else keys.push((match[3] ?? match[4] ?? "").replace(/\\(.)/g, "$1"));
  }
  return keys;
}

function read(root: Container, keys: PathKey[]): unknown {
  let node: unknown = root;
  for (const key of keys) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PathKey, unknown>)[key];
  }
  return node;
}

function write(root: Container, keys: PathKey[], value: unknown): void {
  let node: Container = root;
  for (let position = 0; position < keys.length - 1; position++) {
    const key = keys[position] as PathKey;
    const slots = node as Record<PathKey, unknown>;
    let child = slots[key];
    if (typeof child !== "object" || child === null) {
      child = typeof keys[position + 1] === "number" ? [] : {};
      slots[key] = child;
    }
    node = child as Container;
  }
  (node as Record<PathKey, unknown>)[keys[keys.length - 1] as PathKey] = value;
}
