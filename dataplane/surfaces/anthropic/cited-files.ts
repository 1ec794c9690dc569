// The files an Anthropic Messages body cites by id, read off the raw body (token counting passes
// its body through unparsed): `image` and `document` blocks whose source is
// `{"type": "file", "file_id": …}`, in messages and in their tool results. The generation path
// reads the same from its canonical request (pipeline/file-owners.ts, citedFileIds).

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function anthropicCitedFileIds(body: Json): string[] {
  const ids: string[] = [];
  const visit = (blocks: unknown) => {
    if (!Array.isArray(blocks)) return;
    for (const block of blocks) {
      if (!isObject(block)) continue;
      if (block.type === "tool_result") visit(block.content);
      if (block.type !== "image" && block.type !== "document") continue;
      const source = block.source;
      if (!isObject(source) || source.type !== "file") continue;
      const id = source.file_id;
      if (typeof id === "string" && id !== "" && !ids.includes(id)) ids.push(id);
    }
  };
  if (Array.isArray(body.messages))
    for (const message of body.messages) if (isObject(message)) visit(message.content);
  return ids;
}
