// Writes deploy/modelux.schema.json, the JSON Schema of `modelux.yaml`, from
// cli/config-file/schema.ts, formatted as the linter wants it. test/unit/cli-schema.test.ts fails
// when the committed file says something else.
import { fileURLToPath } from "node:url";
import { configFileJsonSchema } from "../cli/config-file/json-schema.ts";

const target = fileURLToPath(new URL("../deploy/modelux.schema.json", import.meta.url));
await Bun.write(target, `${JSON.stringify(configFileJsonSchema(), null, 2)}\n`);
const format = Bun.spawnSync(["bun", "x", "biome", "format", "--write", target], {
  stdout: "ignore",
  stderr: "inherit",
});
if (format.exitCode !== 0) process.exit(format.exitCode ?? 1);
console.log(`wrote ${target}`);
