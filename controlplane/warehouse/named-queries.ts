// The named queries of sql/duckdb: read once, run with every parameter bound and typed (so a
// NULL is typed too), results turned into plain values: BIGINT → number, TIMESTAMP → ISO 8601,
// MAP → object.
import {
  BIGINT,
  DOUBLE,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
  INTEGER,
  jsToDuckDBValue,
  LIST,
  STRUCT,
  TIMESTAMP,
  timestampValue,
  VARCHAR,
} from "@duckdb/node-api";

export const SQL_DIRECTORY = new URL("../../sql/duckdb/", import.meta.url);

export const QUERY_NAMES = [
  "logs_list",
  "log_get",
  "analytics_report",
  "analytics_decisions",
  "export_csv",
  "export_jsonl",
  "export_parquet",
  "rollup_cells",
  "batch_line_requests",
  "rollup_rows",
  "served_outcome",
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

/** The DuckDB type of every parameter the files use. */
const PARAMETER_TYPES: Record<string, DuckDBType> = {
  files: LIST(VARCHAR),
  rollups: LIST(VARCHAR),
  slim: LIST(VARCHAR),
  target: VARCHAR,
  org_id: VARCHAR,
  project_id: VARCHAR,
  request_id: VARCHAR,
  batch_id: VARCHAR,
  client_request_ids: LIST(VARCHAR),
  start: TIMESTAMP,
  end: TIMESTAMP,
  status_class: INTEGER,
  status: INTEGER,
  trace_id: VARCHAR,
  conversation_id: VARCHAR,
  route: VARCHAR,
  model: VARCHAR,
  provider: VARCHAR,
  end_user: VARCHAR,
  tag_pairs: LIST(STRUCT({ key: VARCHAR, value: VARCHAR })),
  min_latency_ms: DOUBLE,
  cursor_created_at: TIMESTAMP,
  cursor_request_id: VARCHAR,
  limit: BIGINT,
  granularity: VARCHAR,
  group_by: VARCHAR,
  tag_key: VARCHAR,
  config_slug: VARCHAR,
  config_version: INTEGER,
};

export interface TagPair {
  key: string;
  value: string;
}

/** A parameter's value: a Date or epoch microseconds (bigint) for timestamps. */
export type ParameterValue =
  | string
  | string[]
  | number
  | bigint
  | Date
  | TagPair[]
  | null
  | undefined;
export type Row = Record<string, unknown>;

export interface NamedQuery {
  sql: string;
  /** The parameters it names: binding any other is an error to DuckDB. */
  parameters: string[];
}

/**
 * One file of sql/duckdb: its SQL (a trailing `;` dropped, so it can follow `CREATE … AS`) and
 * the parameters it names, each of which must have a type in `types`.
 */
export async function readNamedQuery(
  name: string,
  types: Record<string, DuckDBType>,
): Promise<NamedQuery> {
  const text = await Bun.file(new URL(`${name}.sql`, SQL_DIRECTORY)).text();
  const sql = text.trim().replace(/;$/, "");
  const code = sql.replace(/--[^\n]*/g, "");
  const parameters = [
    ...new Set([...code.matchAll(/\$([a-z_]+)/g)].map((match) => match[1] as string)),
  ];
  for (const parameter of parameters) {
    if (!types[parameter]) throw new Error(`${name}.sql: unknown parameter $${parameter}`);
  }
  return { sql, parameters };
}

export async function loadQueries(): Promise<Record<QueryName, NamedQuery>> {
  const entries = await Promise.all(
    QUERY_NAMES.map(async (name) => [name, await readNamedQuery(name, PARAMETER_TYPES)] as const),
  );
  return Object.fromEntries(entries) as Record<QueryName, NamedQuery>;
}

/** A query's parameters bound to `values` (absent is NULL), typed so that a NULL is typed too. */
export function bindParameters(
  query: NamedQuery,
  values: Record<string, ParameterValue>,
  parameterTypes: Record<string, DuckDBType> = PARAMETER_TYPES,
): { bound: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
  const bound: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (const name of query.parameters) {
    const type = parameterTypes[name] as DuckDBType;
    const value = values[name] ?? null;
    types[name] = type;
    bound[name] =
      typeof value === "bigint" && type === TIMESTAMP
        ? timestampValue(value)
        : // biome-ignore lint/suspicious/noExplicitAny: each value is of its parameter's type
          jsToDuckDBValue(value as any, type);
  }
  return { bound, types };
}

export async function runQuery(
  connection: DuckDBConnection,
  query: NamedQuery,
  values: Record<string, ParameterValue>,
): Promise<Row[]> {
  const { bound, types } = bindParameters(query, values);
  const reader = await connection.runAndReadAll(query.sql, bound, types);
  return reader.getRowObjects().map(plainRow);
}

function plainRow(row: Record<string, DuckDBValue>): Row {
  const out: Row = {};
  for (const [name, value] of Object.entries(row)) out[name] = plain(value);
  return out;
}

function plain(value: DuckDBValue): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof DuckDBTimestampValue) {
    return new Date(Number(value.micros / 1000n)).toISOString();
  }
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBMapValue) {
    return Object.fromEntries(
      value.entries.map((entry) => [String(plain(entry.key)), plain(entry.value)]),
    );
  }
  if (value instanceof DuckDBListValue) return value.items.map(plain);
  if (value instanceof DuckDBStructValue) {
    return Object.fromEntries(
      Object.entries(value.entries).map(([key, item]) => [key, plain(item)]),
    );
  }
  return value;
}
