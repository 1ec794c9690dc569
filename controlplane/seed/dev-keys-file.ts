// `.modelux/dev-keys.json`: the embedded default's keys, kept so later starts can print them
// (the database holds only their hashes). Readable by the local user only.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import * as v from "valibot";

const devKeysSchema = v.object({
  org_id: v.string(),
  project_id: v.string(),
  proxy_key: v.string(),
  management_key: v.string(),
});
export type DevKeys = v.InferOutput<typeof devKeysSchema>;

export async function readDevKeys(file: string): Promise<DevKeys | null> {
  const handle = Bun.file(file);
  if (!(await handle.exists())) return null;
  const parsed = v.safeParse(devKeysSchema, await handle.json().catch(() => null));
  return parsed.success ? parsed.output : null;
}

export async function writeDevKeys(file: string, keys: DevKeys): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}
