// JSON pretty-printed the way JSON.stringify(value, null, 2) does, with the line each field
// starts on, so an API error naming `body.config.attempts.0.model` points at its line.
export function prettyWithLines(value: unknown): { text: string; lines: Map<string, number> } {
  const lines = new Map<string, number>();
  let line = 1;
  const out: string[] = [];
  const write = (text: string) => {
    out.push(text);
    line += text.split("\n").length - 1;
  };
  const walk = (node: unknown, path: string, indent: string) => {
    if (Array.isArray(node)) {
      if (node.length === 0) return write("[]");
      write("[\n");
      node.forEach((item, index) => {
        const inner = `${indent}  `;
        const childPath = path ? `${path}.${index}` : String(index);
        lines.set(childPath, line);
        write(inner);
        walk(item, childPath, inner);
        write(index < node.length - 1 ? ",\n" : "\n");
      });
      return write(`${indent}]`);
    }
    if (node !== null && typeof node === "object") {
      const entries = Object.entries(node as Record<string, unknown>).filter(
        ([, item]) => item !== undefined,
      );
      if (entries.length === 0) return write("{}");
      write("{\n");
      entries.forEach(([key, item], index) => {
        const inner = `${indent}  `;
        const childPath = path ? `${path}.${key}` : key;
        lines.set(childPath, line);
        write(`${inner}${JSON.stringify(key)}: `);
        walk(item, childPath, inner);
        write(index < entries.length - 1 ? ",\n" : "\n");
      });
      return write(`${indent}}`);
    }
    write(JSON.stringify(node));
  };
  walk(value, "", "");
  return { text: out.join(""), lines };
}

/** The line of a field path, or of its nearest parent that has one (an unknown field's object). */
export function lineOf(lines: Map<string, number>, path: string): number | null {
  let current = path;
  while (current) {
    const found = lines.get(current);
    if (found !== undefined) return found;
    current = current.includes(".") ? current.slice(0, current.lastIndexOf(".")) : "";
  }
  return null;
}
