// The DuckDB extensions the warehouse loads for an `s3://` root, and where they come from: by
// default DuckDB downloads them on first use into ~/.duckdb; with MODELUX_DUCKDB_EXTENSION_DIR
// they are loaded from that directory only and never downloaded (air-gapped hosts, read-only root
// filesystems). The Docker image installs them there at build time
// (scripts/install-duckdb-extensions.ts).
import type { DuckDBConnection } from "@duckdb/node-api";

/** httpfs reads and writes s3://; aws supplies the credential chain when no key is given. */
export const WAREHOUSE_EXTENSIONS = ["httpfs", "aws"] as const;
export type WarehouseExtension = (typeof WAREHOUSE_EXTENSIONS)[number];

const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** Points the connection at the directory; SET takes no bound parameters, so it is quoted. */
export async function useExtensionDirectory(duckdb: DuckDBConnection, directory: string) {
  await duckdb.run(`SET extension_directory = ${quote(directory)}`);
  await duckdb.run("SET autoinstall_known_extensions = false");
}

export async function loadExtensions(
  duckdb: DuckDBConnection,
  names: readonly WarehouseExtension[],
  directory = process.env.MODELUX_DUCKDB_EXTENSION_DIR,
): Promise<void> {
  if (directory) await useExtensionDirectory(duckdb, directory);
  for (const name of names) {
    if (!directory) await duckdb.run(`INSTALL ${name}`);
    await duckdb.run(`LOAD ${name}`);
  }
}
