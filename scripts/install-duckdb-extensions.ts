// Installs the warehouse's DuckDB extensions (controlplane/warehouse/duckdb-extensions.ts) into a
// directory, then loads each from there to prove it. The Dockerfile runs it at build time, so the
// image needs no download at run time: `bun scripts/install-duckdb-extensions.ts <directory>`.
import { DuckDBInstance } from "@duckdb/node-api";
import {
  loadExtensions,
  useExtensionDirectory,
  WAREHOUSE_EXTENSIONS,
} from "../controlplane/warehouse/duckdb-extensions.ts";

const directory = process.argv[2];
if (!directory) {
  console.error("usage: bun scripts/install-duckdb-extensions.ts <directory>");
  process.exit(64);
}
const instance = await DuckDBInstance.create(":memory:");
const duckdb = await instance.connect();
await useExtensionDirectory(duckdb, directory);
for (const name of WAREHOUSE_EXTENSIONS) await duckdb.run(`INSTALL ${name}`);
// What the warehouse does at run time with MODELUX_DUCKDB_EXTENSION_DIR set: load, no download.
await loadExtensions(duckdb, WAREHOUSE_EXTENSIONS, directory);
console.log(`installed ${WAREHOUSE_EXTENSIONS.join(", ")} into ${directory}`);
