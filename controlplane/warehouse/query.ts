// The control plane's read side of the warehouse (DESIGN §9): one in-memory DuckDB instance that
// reads the Parquet root through the named queries of sql/duckdb, always with bound parameters,
// over the files of the window asked for (partition-files.ts) rather than the whole root.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  DuckDBInstance,
  type DuckDBMaterializedResult,
  jsToDuckDBValue,
  LIST,
  VARCHAR,
} from "@duckdb/node-api";
import { requestIdTime } from "#shared/traces/request-id.ts";
import { writeEmptyPartition, writeEmptyRollup } from "./empty-files.ts";
import {
  loadQueries,
  type NamedQuery,
  type ParameterValue,
  type QueryName,
  type Row,
  readRows,
  runQueryResult,
  SQL_DIRECTORY,
} from "./named-queries.ts";
import {
  type DayFiles,
  filesByDay,
  filesByHourNewestFirst,
  type HourFiles,
  type PartitionWindow,
} from "./partition-files.ts";
import type {
  AnalyticsFilters,
  LogFilters,
  Report,
  ReportCap,
  ReportShape,
  WarehouseQuery,
  WarehouseQueryOptions,
} from "./query-types.ts";
import { reportAnswer, reportAnswerJson } from "./report-answer.ts";
import { ManifestCache, type ReportReads, reportFiles, slimOfGroups } from "./rollups.ts";
import { openS3Storage } from "./s3-storage.ts";

export type { Row, TagPair } from "./named-queries.ts";
export type * from "./query-types.ts";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MISSING_FILES = /No files found that match the pattern/;

export async function createWarehouseQuery(
  options: WarehouseQueryOptions,
): Promise<WarehouseQuery> {
  const remote = options.root.startsWith("s3://");
  const root = remote ? options.root.replace(/\/+$/, "") : resolve(options.root);
  // The root becomes globs: a metacharacter in it would widen what DuckDB may read.
  if (/[*?[\]{}]/.test(root)) {
    throw new Error(`MODELUX_TRACES_ROOT must not contain * ? [ ] { }: ${root}`);
  }
  const queries = await loadQueries();
  const privateDirectory = mkdtempSync(join(tmpdir(), "modelux-warehouse-"));
  const exportDirectory = join(privateDirectory, "exports");
  mkdirSync(exportDirectory);
  const instance = await DuckDBInstance.create(":memory:", {
    // Every core: a report is short and DuckDB's threads are not the event loop's; on 2 cores one
    // thread made the 30-day hourly report 1.2 s against 0.8 s (bench/warehouse/README.md).
    threads: String(options.threads ?? Math.min(8, availableParallelism())),
    ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
  });
  const setup = await instance.connect();
  // httpfs and the S3 credentials, as the ingester loads them; before the lock below.
  if (remote) await openS3Storage(root, setup);
  // Footers are read once per file, not once per query.
  await setup.run("SET parquet_metadata_cache = true");
  // Only the root and this process's own directory are reachable, even by a query gone wrong.
  await setup.run(
    "SET allowed_directories = $directories",
    { directories: jsToDuckDBValue([`${root}/`, `${privateDirectory}/`], LIST(VARCHAR)) },
    { directories: LIST(VARCHAR) },
  );
  await setup.run("SET enable_external_access = false");
  await setup.run("SET lock_configuration = true");
  await setup.run(await Bun.file(new URL("request_logs.sql", SQL_DIRECTORY)).text());
  const emptyFile = await writeEmptyPartition(setup, privateDirectory);
  const emptyRollup = await writeEmptyRollup(setup, privateDirectory, "cells");
  const emptySlim = await writeEmptyRollup(setup, privateDirectory, "slim");
  const emptyGroups = await writeEmptyRollup(setup, privateDirectory, "groups");
  setup.closeSync();
  const manifests = new ManifestCache();

  /** A named query's answer, read by `read` from its whole result (row objects by default). */
  async function query<T = Row[]>(
    name: QueryName | NamedQuery,
    values: Record<string, ParameterValue>,
    read: (result: DuckDBMaterializedResult) => T | Promise<T> = readRows as never,
  ): Promise<T> {
    const connection = await instance.connect();
    try {
      const named = typeof name === "string" ? queries[name] : name;
      return await read(await runQueryResult(connection, named, values));
    } finally {
      connection.closeSync();
    }
  }

  /** Globs that may match nothing, which DuckDB refuses: read as no rows. */
  async function queryGlobs<T = Row[]>(
    name: QueryName | NamedQuery,
    values: Record<string, ParameterValue>,
    read?: (result: DuckDBMaterializedResult) => T | Promise<T>,
  ): Promise<T> {
    try {
      return await query(name, values, read);
    } catch (error) {
      if (!MISSING_FILES.test(String(error))) throw error;
      return query(name, { ...values, files: [emptyFile] }, read);
    }
  }

  /** The window's files by day, newest first, but for `skipProjects`; a remote root is one glob. */
  const days = (window: PartitionWindow, skipProjects?: Set<string>): Promise<DayFiles[]> =>
    remote
      ? Promise.resolve([{ date: "*", files: [`${root}/project_id=*/**/*.parquet`] }])
      : filesByDay(root, window, skipProjects);

  /**
   * Runs over the window's files. Compaction may replace a listed file before DuckDB opens it:
   * the listing is then taken again, once.
   */
  async function queryWindow(
    name: QueryName,
    values: Record<string, ParameterValue>,
    window: PartitionWindow,
  ) {
    for (let attempt = 0; ; attempt++) {
      // The empty file has every current column: with it, a window whose files all predate a
      // column still reads that column (as NULL, union_by_name) instead of failing to bind.
      const files = [...(await days(window)).flatMap((day) => day.files), emptyFile];
      try {
        if (remote) return await queryGlobs(name, { ...values, files });
        return await query(name, { ...values, files });
      } catch (error) {
        if (attempt > 0 || !MISSING_FILES.test(String(error))) throw error;
      }
    }
  }

  /** The files of one hour, `<root>/*\/date=…/hour=…/*.parquet`. */
  const hourGlob = (at: number) => {
    const iso = new Date(at).toISOString();
    return `${root}/*/date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/*.parquet`;
  };
  const exportMaxRows = options.exportMaxRows ?? 100_000;

  /**
   * A report, read by `readAs`'s reader from the query it picks for what the window holds
   * (analytics_report.sql over cells, analytics_report_rows.sql without): as row objects
   * (`report`) or as the endpoint's JSON (`reportJson`).
   */
  async function report<T>(
    orgId: string,
    filters: AnalyticsFilters,
    shape: ReportShape,
    cap: ReportCap | undefined,
    readAs: (
      name: "analytics_report" | "analytics_report_rows",
    ) => [NamedQuery, (result: DuckDBMaterializedResult) => T],
  ): Promise<T & Pick<Report, "groups">> {
    const values = { ...filterValues(orgId, filters), ...shape };
    const capped = shape.group_by !== null && cap !== undefined ? cap : null;
    // Day cells know no hour, end user, tags, provider key or route: such a report reads slim
    // rows (rollups.ts). A remote root has no rollups read yet.
    const reads: ReportReads =
      shape.granularity === "day" &&
      !filters.end_user &&
      !filters.tag_pairs?.length &&
      shape.group_by !== "end_user" &&
      shape.group_by !== "tag" &&
      shape.group_by !== "provider_key" &&
      shape.group_by !== "route"
        ? "cells"
        : "slim";
    for (let attempt = 0; ; attempt++) {
      // Whole days: a rollup of the window's first or last day counts only while every file
      // it names is there, which the window's hours alone cannot tell. Projects of other
      // orgs hold none of the answer's rows: not listed (a month of the bench's largest org,
      // 5 of 20 projects: ~40 ms instead of ~170 ms).
      const others = remote ? undefined : await manifests.projectsOfOtherOrgs(root, orgId);
      const listed = await days({ ...filters, ...wholeDays(filters) }, others);
      const split = remote
        ? {
            files: listed.flatMap((day) => day.files),
            rollups: [],
            slim: [],
            groups: [],
          }
        : await reportFiles(
            root,
            listed,
            { ...filters, org_id: orgId },
            shape.granularity,
            manifests,
            reads,
          );
      // Cells are merged as counts per latency bucket; without cells, percentiles are a
      // selection within each group, the same answer at a third of the CPU for small groups.
      const name = split.rollups.length > 0 ? "analytics_report" : "analytics_report_rows";
      const read = {
        ...values,
        files: [...split.files, emptyFile],
        // The empty files have every current column: older cells and slim rows read NULL.
        rollups: [...split.rollups, emptyRollup],
        slim: [...split.slim, emptySlim],
      };
      const run = remote ? queryGlobs : query;
      try {
        // A cap by limit ranks the groups first, over what the report reads (cells where it
        // reads cells), then the report merges the groups past the limit as it aggregates.
        let groups: Report["groups"] = null;
        let merge = false;
        if (capped && "limit" in capped) {
          // Whole days' group counts in place of their slim rows, unless a filter asks for
          // what a count does not keep (rollup_groups.sql).
          const counts =
            !filters.model && !filters.provider && !filters.end_user && !filters.tag_pairs?.length;
          const counted = counts ? split.groups : [];
          const countedSlim = new Set(counted.map(slimOfGroups));
          const ranked = await run("analytics_report_groups", {
            ...read,
            slim: [...split.slim.filter((file) => !countedSlim.has(file)), emptySlim],
            groups: [...counted, emptyGroups],
            group_limit: capped.limit,
          });
          const count = Number(ranked[0]?.group_count ?? 0);
          groups = { kept: ranked.map((row) => row.group_value as string | null), count };
          merge = count > capped.limit;
        } else if (capped) {
          groups = { kept: capped.keep, count: null };
          merge = true;
        }
        const kept = merge && groups ? groups.kept : null;
        const [named, readAnswer] = readAs(name);
        const answer = await run(
          named,
          {
            ...read,
            kept_groups: kept?.filter((group): group is string => group !== null) ?? null,
            kept_null: kept?.includes(null) ?? false,
          },
          readAnswer,
        );
        return { ...answer, groups };
      } catch (error) {
        // Compaction replaced a listed file, or a rebuilt rollup its predecessor: list again.
        if (attempt > 0 || !MISSING_FILES.test(String(error))) throw error;
      }
    }
  }

  return {
    exportMaxRows,

    async logs(orgId, filters, page) {
      // Files newer than the cursor hold nothing for this page (the SQL applies it exactly).
      const afterCursor = page.cursor
        ? new Date(Math.floor(page.cursor.created_at_us / 1000) + 1)
        : null;
      const window = {
        project_id: filters.project_id,
        start: filters.start,
        end: earliest(filters.end, afterCursor),
      };
      const values = {
        ...filterValues(orgId, filters),
        cursor_created_at: page.cursor ? BigInt(page.cursor.created_at_us) : null,
        cursor_request_id: page.cursor?.request_id ?? null,
        limit: page.limit,
      };
      if (remote) return queryWindow("logs_list", values, window);
      // Newest hours first, 1, 2, 4… at a time, until the page is full: an hour's rows are all
      // newer than an earlier hour's, so the first page reads the last hour or so, whatever the
      // history (and only that day's directories are listed).
      const rows: Row[] = [];
      const readHours = async (hours: HourFiles[]) => {
        const newest = hours[0] as HourFiles;
        const oldest = hours[hours.length - 1] as HourFiles;
        const chunk = {
          ...window,
          start: latest(window.start, new Date(`${oldest.hour}:00:00.000Z`)),
          end: earliest(window.end, new Date(Date.parse(`${newest.hour}:00:00.000Z`) + HOUR_MS)),
        };
        const chunkValues = { ...values, limit: page.limit - rows.length };
        try {
          const files = [...hours.flatMap((hour) => hour.files), emptyFile];
          rows.push(...(await query("logs_list", { ...chunkValues, files })));
        } catch (error) {
          // Compaction replaced a listed file meanwhile: these hours are listed again.
          if (!MISSING_FILES.test(String(error))) throw error;
          rows.push(...(await queryWindow("logs_list", chunkValues, chunk)));
        }
      };
      let batch: HourFiles[] = [];
      let span = 1;
      for await (const hour of filesByHourNewestFirst(root, window)) {
        batch.push(hour);
        if (batch.length < span) continue;
        await readHours(batch);
        batch = [];
        span *= 2;
        if (rows.length >= page.limit) return rows;
      }
      if (batch.length > 0) await readHours(batch);
      return rows;
    },

    async log(orgId, requestId, near) {
      const values = { org_id: orgId, request_id: requestId };
      // A UUIDv7 id names the millisecond it was made, and the row lies in that hour's
      // partition (or a neighbour's, should clocks differ by a little): a few files, not the
      // root. The caller's `near` is tried first; a wrong one costs three small reads.
      const made = requestIdTime(requestId);
      const times = new Set([near?.getTime(), made].filter((time) => typeof time === "number"));
      for (const time of times) {
        for (const at of [time, time - HOUR_MS, time + HOUR_MS]) {
          const [row] = await queryGlobs("log_get", { ...values, files: [hourGlob(at)] });
          if (row) return row;
        }
      }
      // Only an id without a time can be anywhere; a UUIDv7 missing from its hours is unknown.
      if (made !== null) return null;
      const [row] = await queryWindow("log_get", values, {});
      return row ?? null;
    },

    report: (orgId, filters, shape, cap) =>
      report(orgId, filters, shape, cap, (name) => [queries[name], reportAnswer]),
    reportJson: (orgId, filters, shape, cap) =>
      report(orgId, filters, shape, cap, (name) => [queries.json[name], reportAnswerJson]),

    async decisions(orgId, filters) {
      const values = {
        org_id: orgId,
        project_id: filters.project_id ?? null,
        start: filters.start,
        end: filters.end,
        config_slug: filters.config_slug ?? null,
      };
      const rows = await queryWindow("analytics_decisions", values, filters);
      const strategies = rows.filter((row) => row.kind === "strategy");
      const variants = rows.filter((row) => row.kind === "variant");
      return { strategies, variants };
    },

    batchLineRequests(orgId, batch, clientRequestIds) {
      const values = {
        org_id: orgId,
        project_id: batch.projectId,
        start: batch.since,
        batch_id: batch.id,
        client_request_ids: clientRequestIds,
      };
      return queryWindow("batch_line_requests", values, {
        project_id: batch.projectId,
        start: batch.since,
      });
    },

    async servedOutcome(orgId, slice) {
      const values = {
        org_id: orgId,
        project_id: slice.project_id,
        start: slice.start,
        end: slice.end,
        config_slug: slice.config_slug,
        config_version: slice.config_version,
        end_user: slice.end_user ?? null,
        tag_pairs: slice.tag_pairs?.length ? slice.tag_pairs : null,
      };
      const [row] = await queryWindow("served_outcome", values, slice);
      return row ?? {};
    },

    async exportSlice(orgId, filters, format) {
      const path = join(exportDirectory, `${crypto.randomUUID()}.${format}`);
      const dispose = () => rm(path, { force: true });
      try {
        const [written] = await queryWindow(
          `export_${format}`,
          { ...filterValues(orgId, filters), target: path, limit: exportMaxRows + 1 },
          filters,
        );
        const rows = Number(written?.Count ?? 0);
        if (rows > exportMaxRows) {
          await dispose();
          return null;
        }
        return { path, rows, bytes: (await stat(path)).size, dispose };
      } catch (error) {
        await dispose();
        throw error;
      }
    },

    async close() {
      instance.closeSync();
      rmSync(privateDirectory, { recursive: true, force: true });
    },
  };
}

/** A window widened to whole UTC days. */
function wholeDays(window: PartitionWindow): PartitionWindow {
  const floor = (at: number) => new Date(Math.floor(at / DAY_MS) * DAY_MS);
  return {
    start: window.start ? floor(window.start.getTime()) : null,
    end: window.end ? floor(window.end.getTime() + DAY_MS - 1) : null,
  };
}

const earliest = (a: Date | null | undefined, b: Date | null | undefined) =>
  a && b ? (a < b ? a : b) : (a ?? b ?? null);
const latest = (a: Date | null | undefined, b: Date | null | undefined) =>
  a && b ? (a > b ? a : b) : (a ?? b ?? null);

function filterValues(orgId: string, filters: LogFilters): Record<string, ParameterValue> {
  return {
    org_id: orgId,
    project_id: filters.project_id,
    start: filters.start,
    end: filters.end,
    status_class: filters.status_class,
    model: filters.model,
    provider: filters.provider,
    end_user: filters.end_user,
    tag_pairs: filters.tag_pairs?.length ? filters.tag_pairs : null,
    min_latency_ms: filters.min_latency_ms,
    status: filters.status,
    trace_id: filters.trace_id,
    conversation_id: filters.conversation_id,
    route: filters.route,
  };
}
