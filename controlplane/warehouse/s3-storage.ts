// The warehouse under `s3://bucket/prefix`. DuckDB writes and reads the Parquet files through its
// httpfs extension; Bun's S3 client lists and deletes (DuckDB cannot delete remote files). S3
// PUTs are atomic per object, so there is no fsync or rename: a "publish" is a server-side copy
// through DuckDB. Untested here (no network to fetch httpfs); see docs/warehouse.md.
import type { DuckDBConnection } from "@duckdb/node-api";
import { S3Client } from "bun";
import { loadExtensions } from "./duckdb-extensions.ts";
import type { Storage } from "./parquet-writer.ts";

const COPY_SQL =
  "COPY (SELECT * FROM read_parquet($source)) TO $target (FORMAT parquet, COMPRESSION zstd)";

/** Loads httpfs, gives DuckDB the AWS_* credentials, and returns the S3 file operations. */
export async function openS3Storage(root: string, duckdb: DuckDBConnection): Promise<Storage> {
  const bucket = new URL(root).host;
  // No key given: the aws extension's credential chain (instance profile, ~/.aws, SSO, …).
  await loadExtensions(duckdb, process.env.AWS_ACCESS_KEY_ID ? ["httpfs"] : ["httpfs", "aws"]);
  await duckdb.run(createSecretSql(process.env));
  // Bun's client reads the same AWS_* (or S3_*) variables itself.
  const client = new S3Client({ bucket });
  const keyOf = (path: string) => path.slice(`s3://${bucket}/`.length);

  const list = async (directory: string) => {
    const prefix = `${keyOf(directory).replace(/\/+$/, "")}/`;
    const paths: string[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await client.list({
        prefix,
        ...(continuationToken ? { continuationToken } : {}),
      });
      for (const object of page.contents ?? []) paths.push(`s3://${bucket}/${object.key}`);
      continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (continuationToken);
    return paths;
  };
  const remove = async (paths: string[]) => {
    await Promise.all(paths.map((path) => client.delete(keyOf(path))));
  };

  return {
    remote: true,
    list,
    remove,
    async removeTree(directory) {
      await remove(await list(directory));
    },
    async readText(path) {
      const file = client.file(keyOf(path));
      return (await file.exists()) ? file.text() : null;
    },
    async writeText(path, text) {
      await client.write(keyOf(path), text);
    },
    exists: (path) => client.exists(keyOf(path)),
    async persist() {
      // A completed PUT is durable.
    },
    async publish(temporary, final) {
      await duckdb.run(COPY_SQL, { source: temporary, target: final });
      await remove([temporary]);
    },
    async modifiedAt(path) {
      return (await client.file(keyOf(path)).stat()).lastModified.getTime();
    },
  };
}

/**
 * A DuckDB secret from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN,
 * AWS_REGION, AWS_ENDPOINT_URL for S3-compatible stores), or the aws extension's credential
 * chain when no key is given. CREATE SECRET takes no bound parameters, so values are quoted.
 */
function createSecretSql(env: Record<string, string | undefined>): string {
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
  if (!env.AWS_ACCESS_KEY_ID)
    return "CREATE OR REPLACE SECRET modelux_traces (TYPE s3, PROVIDER credential_chain)";
  const options = [
    "TYPE s3",
    `KEY_ID ${quote(env.AWS_ACCESS_KEY_ID)}`,
    `SECRET ${quote(env.AWS_SECRET_ACCESS_KEY ?? "")}`,
  ];
  if (env.AWS_SESSION_TOKEN) options.push(`SESSION_TOKEN ${quote(env.AWS_SESSION_TOKEN)}`);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region) options.push(`REGION ${quote(region)}`);
  if (env.AWS_ENDPOINT_URL) {
    const endpoint = new URL(env.AWS_ENDPOINT_URL);
    options.push(`ENDPOINT ${quote(endpoint.host)}`, "URL_STYLE 'path'");
    options.push(`USE_SSL ${endpoint.protocol === "https:" ? "true" : "false"}`);
  }
  return `CREATE OR REPLACE SECRET modelux_traces (${options.join(", ")})`;
}
