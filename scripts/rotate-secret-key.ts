// `bun run secret-key:rotate`: re-seals every stored provider credential and webhook secret under
// MODELUX_SECRET_KEY (the new key), opening them with MODELUX_SECRET_KEY_PREVIOUS (the old one).
// Run it once every node already has both keys; the fleet keeps serving throughout
// (docs/operations.md, "Rotating MODELUX_SECRET_KEY").

import { SecretBox } from "#shared/crypto/secret-box.ts";
import {
  decodeSecretKey,
  readSettingsOrExit,
  rotateSecretKeySchema,
} from "#shared/env/settings.ts";
import { reencryptSecrets } from "../controlplane/crypto/reencrypt-secrets.ts";
import { openPostgres } from "../controlplane/db/client.ts";

const settings = readSettingsOrExit(rotateSecretKeySchema);
const current = decodeSecretKey(settings.MODELUX_SECRET_KEY);
const previous = decodeSecretKey(settings.MODELUX_SECRET_KEY_PREVIOUS);
if (!current || !previous) throw new Error("unreachable: both keys were validated");
const database = openPostgres(settings.DATABASE_URL, { max: 2 });
try {
  const report = await reencryptSecrets(database.db, new SecretBox(current, [previous]));
  for (const [column, counts] of Object.entries(report.columns))
    console.log(
      `${column}: ${counts.found} stored, ${counts.resealed} re-sealed under the new key, ` +
        `${counts.current} already under it`,
    );
  console.log("done: every stored secret opens with MODELUX_SECRET_KEY alone");
} finally {
  await database.close();
}
