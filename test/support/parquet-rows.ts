// The request-log rows a test's warehouse root holds, read the way every reader of the warehouse
// reads them (docs/warehouse.md): `request_logs` in a query names them.
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

const HIVE =
  "hive_partitioning = true, hive_types = {'project_id': VARCHAR, 'date': DATE, 'hour': INTEGER}, union_by_name = true";

export class ParquetRows {
  private connection: Promise<DuckDBConnection> | null = null;

  constructor(private readonly root: string) {}

  /** Runs `sql` with `request_logs` standing for the root's request-log rows; `$glob` is taken. */
  async query(
    sql: string,
    values: Record<string, string | number> = {},
  ): Promise<Record<string, unknown>[]> {
    this.connection ??= DuckDBInstance.create(":memory:").then((instance) => instance.connect());
    const connection = await this.connection;
    const result = await connection.runAndReadAll(
      `WITH request_logs AS (SELECT * FROM read_parquet($glob, ${HIVE})) ${sql}`,
      { ...values, glob: `${this.root}/project_id=*/**/*.parquet` },
    );
    return result.getRowObjects() as Record<string, unknown>[];
  }

  async close(): Promise<void> {
    if (this.connection) (await this.connection).closeSync();
  }
}
