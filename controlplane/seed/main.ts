// `bun run seed`: gives a fleet's database what the embedded default seeds (an org, a project,
// keys, providers pointing at the simulator or the real vendors, example routing configs), and
// prints the keys. Safe to run again: it keeps what is there.
import { join } from "node:path";
import { SecretBox } from "#shared/crypto/secret-box.ts";
import { decodeSecretKey, readSettingsOrExit, seedSchema } from "#shared/env/settings.ts";
import { openPostgres } from "../db/client.ts";
import { seedDevelopment } from "./dev-seed.ts";

const settings = readSettingsOrExit(seedSchema);
const key = decodeSecretKey(settings.MODELUX_SECRET_KEY);
if (!key) throw new Error("unreachable: MODELUX_SECRET_KEY was validated");
const database = openPostgres(settings.DATABASE_URL, { max: 2 });
try {
  const seed = await seedDevelopment({
    db: database.db,
    secretBox: new SecretBox(key),
    simulatorUrl: settings.MODELUX_SEED_SIMULATOR_URL.replace(/\/$/, ""),
    keysFile: join(settings.MODELUX_DATA_DIR, "dev-keys.json"),
    pinnedProxyKey: settings.MODELUX_DEV_PROXY_KEY,
    pinnedManagementKey: settings.MODELUX_DEV_MANAGEMENT_KEY,
    vendorKeys: { openai: settings.OPENAI_API_KEY, anthropic: settings.ANTHROPIC_API_KEY },
  });
  console.log(
    `modelux: ${seed.created ? "seeded" : "already seeded"} org ${seed.orgId}, project ${seed.projectId}`,
  );
  console.log(`  proxy key       ${seed.proxyKey}`);
  console.log(`  management key  ${seed.managementKey}`);
} finally {
  await database.close();
}
