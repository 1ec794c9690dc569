// The named queries of sql/duckdb: read once, run with every parameter bound and typed (so a
// NULL is typed too), results turned into plain values: BIGINT → number, TIMESTAMP → ISO 8601,
// MAP → object.
import {
  arrayFromListValue,
  BIGINT,
  BOOLEAN,
  bigintFromBigIntValue,
  createDuckDBValueConverter,
  DOUBLE,
  type DuckDBConnection,
  type DuckDBDateValue,
  type DuckDBMapType,
  type DuckDBMapValue,
  type DuckDBMaterializedResult,
  DuckDBResultReader,
  type DuckDBTimestampValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
  type DuckDBValueConverter,
  INTEGER,
  JSDuckDBValueConverter,
  jsToDuckDBValue,
  LIST,
  objectFromStructValue,
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
  "analytics_report_rows",
  "analytics_report_groups",
  "analytics_decisions",
  "export_csv",
  "export_jsonl",
  "export_parquet",
  "rollup_cells",
  "batch_line_requests",
  "rollup_rows",
  "rollup_groups",
  "served_outcome",
] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

/** The DuckDB type of every parameter the files use. */
const PARAMETER_TYPES: Record<string, DuckDBType> = {
  files: LIST(VARCHAR),
  rollups: LIST(VARCHAR),
  slim: LIST(VARCHAR),
  groups: LIST(VARCHAR),
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
  group_limit: BIGINT,
  kept_groups: LIST(VARCHAR),
  kept_null: BOOLEAN,
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
  | boolean
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

/** The analytics report's two queries with their answer read as JSON (analytics_report_json.sql). */
export type ReportJsonQueries = Record<"analytics_report" | "analytics_report_rows", NamedQuery>;

export async function loadQueries(): Promise<
  Record<QueryName, NamedQuery> & { json: ReportJsonQueries }
> {
  const entries = await Promise.all(
    QUERY_NAMES.map(async (name) => [name, await readNamedQuery(name, PARAMETER_TYPES)] as const),
  );
  const queries = Object.fromEntries(entries) as Record<QueryName, NamedQuery>;
  const json = await readNamedQuery("analytics_report_json", PARAMETER_TYPES);
  return {
    ...queries,
    json: {
      analytics_report: answeredBy(queries.analytics_report, json),
      analytics_report_rows: answeredBy(queries.analytics_report_rows, json),
    },
  };
}

/**
 * One statement: `outer` reading `inner`'s rows as the table `answer`, with inner's parameters
 * (outer names none of its own).
 */
function answeredBy(inner: NamedQuery, outer: NamedQuery): NamedQuery {
  if (outer.parameters.length > 0) throw new Error("a wrapping query takes no parameters");
  // The newline before `)`: inner may end in a comment.
  return { sql: `WITH answer AS (\n${inner.sql}\n)\n${outer.sql}`, parameters: inner.parameters };
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
  return readRows(await runQueryResult(connection, query, values));
}

/** A query's whole result, chunk by chunk, for a reader that walks its columns itself. */
export async function runQueryResult(
  connection: DuckDBConnection,
  query: NamedQuery,
  values: Record<string, ParameterValue>,
): Promise<DuckDBMaterializedResult> {
  const { bound, types } = bindParameters(query, values);
  return connection.run(query.sql, bound, types);
}

/** A result as row objects of plain values (`toPlain`). */
export async function readRows(result: DuckDBMaterializedResult): Promise<Row[]> {
  const reader = new DuckDBResultReader(result);
  await reader.readAll();
  return reader.convertRowObjects(toPlain) as Row[];
}

/**
 * Plain values by column type, decided once per value's type rather than tried in turn: BIGINT
 * and HUGEINT → number, TIMESTAMP → ISO 8601, DATE → YYYY-MM-DD, DECIMAL → number, MAP → object,
 * LIST and STRUCT converted item by item; the rest as @duckdb/node-api gives it to JavaScript.
 * (The report by day and end user returns ~180,000 rows: testing every value against each value
 * class took ~0.5 s of CPU for them, this ~0.1 s.)
 */
const toNumber: DuckDBValueConverter<unknown> = (value, type) =>
  Number(bigintFromBigIntValue(value, type));
const toPlain = createDuckDBValueConverter<unknown>({
  ...(Object.fromEntries(
    Object.values(DuckDBTypeId)
      .filter((id) => typeof id === "number")
      .map((id) => [id, JSDuckDBValueConverter]),
  ) as Record<DuckDBTypeId, DuckDBValueConverter<unknown>>),
  [DuckDBTypeId.BIGINT]: toNumber,
  [DuckDBTypeId.UBIGINT]: toNumber,
  [DuckDBTypeId.HUGEINT]: toNumber,
  [DuckDBTypeId.UHUGEINT]: toNumber,
  [DuckDBTypeId.TIMESTAMP]: (value) =>
    new Date(Number((value as DuckDBTimestampValue).micros / 1000n)).toISOString(),
  [DuckDBTypeId.DATE]: (value) => (value as DuckDBDateValue).toString(),
  [DuckDBTypeId.LIST]: arrayFromListValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue,
  [DuckDBTypeId.MAP]: (value, type, converter) =>
    Object.fromEntries(
      (value as DuckDBMapValue).entries.map((entry) => [
        String(converter(entry.key, (type as DuckDBMapType).keyType, converter)),
        converter(entry.value, (type as DuckDBMapType).valueType, converter),
      ]),
    ),
});
