// Files the simulated vendors keep (OpenAI's and Azure's /files, Anthropic's Files API), per
// tenant (the credential that uploaded them), so two keys never see each other's files. Contents
// live on disk in a temporary directory, written and read as streams: a test or benchmark may
// upload hundreds of megabytes without the simulator holding them.
import { mkdtempSync, rmSync } from "node:fs";
import { unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StoredFile {
  id: string;
  tenant: string;
  filename: string;
  bytes: number;
  /** OpenAI's purpose (`batch`, `batch_output`, `user_data`, …); Anthropic's files have none. */
  purpose: string | null;
  mimeType: string;
  /** Seconds since the epoch. */
  createdAt: number;
  path: string;
}

export class StoredFiles {
  #directory: string | null = null;
  readonly #byTenant = new Map<string, Map<string, StoredFile>>();

  /** Writes the content (streamed to disk) and remembers the file. */
  async add(
    meta: Omit<StoredFile, "path" | "bytes">,
    content: Blob | ReadableStream<Uint8Array> | string,
  ): Promise<StoredFile> {
    const path = join(this.#root(), meta.id);
    const bytes =
      content instanceof ReadableStream
        ? await Bun.write(path, new Response(content))
        : await Bun.write(path, content);
    const file: StoredFile = { ...meta, bytes, path };
    let files = this.#byTenant.get(meta.tenant);
    if (!files) {
      files = new Map();
      this.#byTenant.set(meta.tenant, files);
    }
    files.set(file.id, file);
    return file;
  }

  get(tenant: string, id: string): StoredFile | undefined {
    return this.#byTenant.get(tenant)?.get(id);
  }

  /** Oldest first. */
  list(tenant: string): StoredFile[] {
    return [...(this.#byTenant.get(tenant)?.values() ?? [])];
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const file = this.get(tenant, id);
    if (!file) return false;
    this.#byTenant.get(tenant)?.delete(id);
    await unlink(file.path).catch(() => {});
    return true;
  }

  /** Removes every file and the directory (the simulator stopped). */
  clear(): void {
    this.#byTenant.clear();
    if (this.#directory) rmSync(this.#directory, { recursive: true, force: true });
    this.#directory = null;
  }

  #root(): string {
    this.#directory ??= mkdtempSync(join(tmpdir(), "modelux-sim-files-"));
    return this.#directory;
  }
}
