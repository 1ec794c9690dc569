// The embedded default needs MODELUX_SECRET_KEY like a fleet does; when none is given it makes
// one on first start and keeps it beside the database it protects.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { decodeSecretKey } from "#shared/env/settings.ts";

export async function loadOrCreateSecretKey(
  given: string | undefined,
  file: string,
): Promise<Uint8Array> {
  if (given) {
    const key = decodeSecretKey(given);
    if (!key) throw new Error("MODELUX_SECRET_KEY must be 32 bytes as hex or base64");
    return key;
  }
  const handle = Bun.file(file);
  if (await handle.exists()) {
    const key = decodeSecretKey((await handle.text()).trim());
    if (!key)
      throw new Error(
        `${file} does not hold a 32-byte key; delete it only together with the database`,
      );
    return key;
  }
  const key = crypto.getRandomValues(new Uint8Array(32));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${Buffer.from(key).toString("hex")}\n`, { mode: 0o600 });
  return key;
}
