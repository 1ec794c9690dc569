// Finds and reads provider recordings for the replay mode. A recording is named by its path
// relative to the recordings root: a file (`anthropic/anthropic-text.json`,
// `cohere/cohere-text.chunks.txt`) or a case without extension (`openai/chat/openai-text`), which
// stands for its `.json` and its `.chunks.txt`, whichever exist. Nothing outside the root is read.
import { isAbsolute, relative, resolve, sep } from "node:path";

export const JSON_SUFFIX = ".json";
export const CHUNKS_SUFFIX = ".chunks.txt";

/** test/fixtures/provider-recordings of this checkout, found from this file's own location. */
export const DEFAULT_RECORDINGS_ROOT = resolve(
  import.meta.dir,
  "../../test/fixtures/provider-recordings",
);

export interface LoadedRecording {
  /** The name it was asked for. */
  name: string;
  /** A non-streamed body, exactly as stored. */
  json?: { path: string; bytes: Uint8Array };
  /** A stream's payloads, one per line, exactly as stored. */
  chunks?: { path: string; lines: string[] };
}

export class RecordingError extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a recording (both forms of a case) under `root`; refuses any path that leaves it. */
export async function loadRecording(root: string, name: string): Promise<LoadedRecording> {
  const path = checkedPath(root, name);
  const loaded: LoadedRecording = { name };
  const hasSuffix = name.endsWith(JSON_SUFFIX) || name.endsWith(CHUNKS_SUFFIX);
  const candidates = hasSuffix ? [path] : [`${path}${JSON_SUFFIX}`, `${path}${CHUNKS_SUFFIX}`];
  for (const candidate of candidates) {
    const file = Bun.file(candidate);
    if (!(await file.exists())) continue;
    const relativePath = relative(root, candidate).split(sep).join("/");
    if (candidate.endsWith(JSON_SUFFIX)) {
      loaded.json = { path: relativePath, bytes: new Uint8Array(await file.arrayBuffer()) };
    } else {
      loaded.chunks = { path: relativePath, lines: chunkLines(await file.text()) };
    }
  }
  if (!loaded.json && !loaded.chunks) {
    const what = hasSuffix ? name : `${name}${JSON_SUFFIX} or ${name}${CHUNKS_SUFFIX}`;
    throw new RecordingError(404, `no recording ${what} (GET /_sim/replay/recordings lists them)`);
  }
  return loaded;
}

/** Every `.json` and `.chunks.txt` under the root, as relative paths with `/`, sorted. */
export async function listRecordings(root: string): Promise<string[]> {
  const glob = new Bun.Glob(`**/*{${JSON_SUFFIX},${CHUNKS_SUFFIX}}`);
  const found: string[] = [];
  for await (const path of glob.scan({ cwd: root, onlyFiles: true })) {
    found.push(path.split(sep).join("/"));
  }
  return found.sort();
}

/** One payload per line; blank lines (the file's last newline) carry none. */
function chunkLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

function checkedPath(root: string, name: string): string {
  if (name.trim() === "" || name.includes("\0")) {
    throw new RecordingError(400, "recording must be a path relative to the recordings root");
  }
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.startsWith("\\")) {
    throw new RecordingError(400, `recording must be a relative path, not ${name}`);
  }
  if (name.split(/[\\/]/).includes("..")) {
    throw new RecordingError(400, `recording may not contain "..": ${name}`);
  }
  const base = resolve(root);
  const path = resolve(base, name);
  // The checks above already keep the path inside; this one also covers what they might miss.
  if (!path.startsWith(`${base}${sep}`)) {
    throw new RecordingError(400, `recording must stay inside the recordings root: ${name}`);
  }
  return path;
}
