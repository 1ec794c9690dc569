// The request-log warehouse against a real NATS server (its own, so no other test's stream
// resets get in the way), real Postgres for retention, and the in-process bus of the embedded
// default: rows published on the bus land in Hive-partitioned Parquet typed as declared, once per
// request id however often they come, compaction merges an hour without changing a row, and
// retention drops the days a project no longer keeps.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, listValue } from "@duckdb/node-api";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { connectNatsBus } from "#shared/bus/nats.ts";
import { TRACE_STREAM, traceSubject } from "#shared/bus/subjects.ts";
import { newId } from "#shared/ids/ids.ts";
import { REQUEST_LOG_COLUMNS, type RequestLogRow } from "#shared/traces/request-log.ts";
import { orgs, projects } from "../../controlplane/db/schema/index.ts";
import {
  applyTraceRetention,
  compactTraces,
  openWarehouse,
  startTraceIngester,
  startWarehouse,
  type TraceIngester,
  type Warehouse,
} from "../../controlplane/warehouse/index.ts";
import { writeRows } from "../../controlplane/warehouse/parquet-writer.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres.ts";
import { type TestNatsServer, testNatsServer } from "../support/processes.ts";
import { servicesAbsent } from "../support/services.ts";
import { waitUntil } from "../support/wait.ts";

const HIVE =
  "hive_partitioning = true, hive_types = {'project_id': VARCHAR, 'date': DATE, 'hour': INTEGER}, union_by_name = true";
const quiet = () => {};

function logRow(requestId: string, overrides: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    request_id: requestId,
    created_at: "2025-03-04T05:06:07.089Z",
    project_id: "prj_alpha",
    org_id: "org_1",
    key_id: "key_1",
    node_id: "dp-1",
    surface: "openai",
    config_slug: "default",
    config_version: 3,
    strategy: "fallback",
    resolved: "config",
    requested_model: "gpt-4o-mini",
    model: "openai/gpt-4o-mini",
    provider: "openai",
    status: 200,
    error_class: null,
    attempts: 2,
    fallbacks: 1,
    input_tokens: 120,
    output_tokens: 4_000_000_000,
    cached_tokens: 10,
    cache_write_tokens: 0,
    reasoning_tokens: 7,
    cost_usd: 0.001234,
    cost_estimated: false,
    latency_ms: 321.5,
    ttft_ms: 88.25,
    overhead_ms: 1.5,
    cache: "miss",
    ab_variant: null,
    budgets: '[{"name":"monthly","used_pct":12.5,"action":"allow"}]',
    tags: { team: "search", env: "prod" },
    end_user: "user-7",
    trace_id: null,
    conversation_id: "conv-1",
    dry_run: false,
    stream: true,
    req_input_tokens: 118,
    req_has_tools: true,
    req_has_images: false,
    req_wants_json: false,
    req_max_tokens: 512,
    req_temperature: 0.7,
    decision_reason: "primary healthy",
    trace: '{"attempts":[{"provider":"openai","status":"ok"}]}',
    prompt: null,
    response: null,
    truncated: false,
    provider_key_fingerprint: null,
    provider_key_hash: null,
    batch_id: null,
    client_request_id: null,
    cache_saved_usd: null,
    cache_similarity: null,
    ...overrides,
  };
}

async function readBack(duckdb: DuckDBConnection, root: string) {
  if ([...new Bun.Glob("**/*.parquet").scanSync(root)].length === 0) return [];
  const result = await duckdb.runAndReadAll(
    `SELECT * FROM read_parquet($glob, ${HIVE}) ORDER BY request_id`,
    { glob: `${root}/project_id=*/**/*.parquet` },
  );
  return result.getRowObjectsJson();
}

async function countsById(duckdb: DuckDBConnection, root: string) {
  const counts = new Map<string, number>();
  for (const row of await readBack(duckdb, root)) {
    counts.set(String(row.request_id), (counts.get(String(row.request_id)) ?? 0) + 1);
  }
  return counts;
}

function filesIn(root: string, relativeHour: string): string[] {
  const directory = join(root, relativeHour);
  if (!existsSync(directory)) return [];
  return [...new Bun.Glob("*").scanSync(directory)].sort();
}

describe.skipIf(servicesAbsent)("warehouse", () => {
  let nats: TestNatsServer;
  let raw: NatsConnection;
  let js: JetStreamClient;
  let duckdb: DuckDBConnection;
  let root: string;
  let bus: Bus;
  const running: TraceIngester[] = [];

  // What a data plane does when it re-sends after JetStream's duplicate window: no message id.
  const publishRaw = async (records: object[]) => {
    for (const record of records) {
      await js.publish(traceSubject("prj_alpha"), JSON.stringify(record));
    }
  };
  const ingest = async (options: { bus?: Bus; flushIntervalMs?: number } = {}) => {
    const ingester = await startTraceIngester({
      bus: options.bus ?? bus,
      root,
      log: quiet,
      flushIntervalMs: options.flushIntervalMs ?? 200,
    });
    running.push(ingester);
    return ingester;
  };

  beforeAll(async () => {
    nats = testNatsServer();
    await nats.start();
    raw = await connect({ servers: nats.url });
    js = jetstream(raw);
    duckdb = await (await DuckDBInstance.create(":memory:")).connect();
  });
  afterAll(async () => {
    await raw.close();
    await nats.stop();
  });
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), "modelux-warehouse-"));
    const jsm = await jetstreamManager(raw);
    await jsm.streams.delete(TRACE_STREAM).catch(() => {});
    // A short ack wait, so a batch left unacked comes back within the test.
    bus = await connectNatsBus({ servers: nats.url, name: "warehouse-test", traceAckWaitMs: 1500 });
  });
  afterEach(async () => {
    for (const ingester of running.splice(0)) await ingester.stop();
    await bus.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("rows published on the bus reach their partitions, typed as declared", async () => {
    await ingest();
    const rows = [
      logRow("req-a"),
      logRow("req-b", { created_at: "2025-03-04T06:00:00.000Z", tags: {}, status: 502 }),
      logRow("req-c", { project_id: "prj_beta", prompt: "hi\nthere", response: "ok" }),
    ];
    await bus.publishTraces(rows);
    // A bound for a hang, not a latency figure.
    await waitUntil(async () => (await readBack(duckdb, root)).length === 3, { timeoutMs: 10_000 });

    expect(filesIn(root, "project_id=prj_alpha/date=2025-03-04/hour=05")).toEqual([
      expect.stringMatching(/^batch-[0-9a-f-]{36}\.parquet$/),
    ]);
    expect(filesIn(root, "project_id=prj_alpha/date=2025-03-04/hour=06")).toHaveLength(1);
    expect(filesIn(root, "project_id=prj_beta/date=2025-03-04/hour=05")).toHaveLength(1);

    const described = await duckdb.runAndReadAll(
      `DESCRIBE SELECT * FROM read_parquet($glob, ${HIVE})`,
      { glob: `${root}/project_id=*/**/*.parquet` },
    );
    const types = Object.fromEntries(
      described.getRowObjects().map((row) => [row.column_name, row.column_type]),
    );
    expect(types).toEqual({
      ...REQUEST_LOG_COLUMNS,
      project_id: "VARCHAR",
      date: "DATE",
      hour: "INTEGER",
    });

    const [first, second, third] = await readBack(duckdb, root);
    const {
      project_id: _project,
      tags: _tags,
      created_at: _created,
      ...columns
    } = rows[0] as RequestLogRow;
    expect(first).toEqual({
      ...columns,
      output_tokens: "4000000000", // BIGINT comes back as text in DuckDB's JSON form
      input_tokens: "120",
      cached_tokens: "10",
      cache_write_tokens: "0",
      reasoning_tokens: "7",
      created_at: "2025-03-04 05:06:07.089",
      tags: [
        { key: "team", value: "search" },
        { key: "env", value: "prod" },
      ],
      project_id: "prj_alpha",
      date: "2025-03-04",
      hour: 5,
    });
    expect(second).toMatchObject({ status: 502, tags: [], hour: 6 });
    expect(third).toMatchObject({ project_id: "prj_beta", prompt: "hi\nthere", response: "ok" });
  });

  test("a request id is stored once: twice in a batch, again in a later flush, again after a restart", async () => {
    const first = await ingest();
    await publishRaw([logRow("req-1"), logRow("req-2"), logRow("req-1")]);
    await waitUntil(async () => (await countsById(duckdb, root)).size === 2, { timeoutMs: 5000 });
    await publishRaw([logRow("req-1"), logRow("req-3")]);
    await waitUntil(async () => (await countsById(duckdb, root)).size === 3, { timeoutMs: 5000 });
    await first.flush();
    expect(first.stats()).toMatchObject({ rowsWritten: 3, duplicatesDropped: 2 });

    // A new ingester remembers nothing: it reads the ids from the files.
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const second = await ingest();
    await publishRaw([logRow("req-2"), logRow("req-4")]);
    await waitUntil(async () => (await countsById(duckdb, root)).size === 4, { timeoutMs: 5000 });
    await second.flush();
    expect(second.stats()).toMatchObject({ rowsWritten: 1, duplicatesDropped: 1 });
    expect([...(await countsById(duckdb, root)).values()]).toEqual([1, 1, 1, 1]);
  });

  test("rows written but never acked (a crash before the ack) come back and are not stored twice", async () => {
    // The ingester's acks are lost, as when the process dies between the rename and the ack.
    const lostAcks: Bus = {
      ...bus,
      consumeTraces: (onBatch, options) =>
        bus.consumeTraces((batch) => onBatch({ ...batch, ack: async () => {} }), options),
    };
    const crashed = await ingest({ bus: lostAcks });
    await bus.publishTraces([logRow("req-x"), logRow("req-y")]);
    await waitUntil(async () => (await countsById(duckdb, root)).size === 2, { timeoutMs: 5000 });
    await crashed.stop();
    running.splice(running.indexOf(crashed), 1);

    const restarted = await ingest();
    // Redelivered once the 1.5 s ack wait has passed, then dropped as already stored.
    await waitUntil(() => restarted.stats().duplicatesDropped === 2, { timeoutMs: 8000 });
    await restarted.flush();
    expect(restarted.stats().rowsWritten).toBe(0);
    expect(Object.fromEntries(await countsById(duckdb, root))).toEqual({ "req-x": 1, "req-y": 1 });
  });

  test("a failed write naks the batch; the rows arrive once the disk takes them again", async () => {
    // A file where the project's directory should be makes every write to it fail.
    const blocker = join(root, "project_id=prj_alpha");
    writeFileSync(blocker, "not a directory");
    const ingester = await ingest();
    await bus.publishTraces([logRow("req-late"), logRow("req-other", { project_id: "prj_beta" })]);
    await waitUntil(() => ingester.stats().failedWrites >= 2, { timeoutMs: 5000 });
    expect(await countsById(duckdb, root)).toEqual(new Map([["req-other", 1]]));
    rmSync(blocker);
    await waitUntil(async () => (await countsById(duckdb, root)).size === 2, { timeoutMs: 5000 });
    expect(Object.fromEntries(await countsById(duckdb, root))).toEqual({
      "req-late": 1,
      "req-other": 1,
    });
  });

  test("an unusable record is dropped and acked without stopping the rest", async () => {
    const ingester = await ingest();
    await publishRaw([
      {
        request_id: "req-evil",
        project_id: "../../etc",
        org_id: "o",
        created_at: "2025-03-04T05:00:00Z",
      },
      { request_id: "", project_id: "prj_alpha", org_id: "o", created_at: "2025-03-04T05:00:00Z" },
      // Not a bus record at all: the bus itself terminates it.
      { hello: "world" },
      // Mistyped columns are stored as null (or coerced where the meaning is plain).
      {
        request_id: "req-odd",
        project_id: "prj_alpha",
        org_id: "o",
        created_at: "2025-03-04T07:08:09+02:00",
        status: "teapot",
        input_tokens: "12",
        cost_usd: "0.5",
        stream: "yes",
        tags: ["not", "a", "map"],
        trace: { as: "object" },
      },
      logRow("req-good"),
    ]);
    await waitUntil(async () => (await countsById(duckdb, root)).size === 2, { timeoutMs: 5000 });
    await ingester.flush();
    expect(ingester.stats().poisonDropped).toBe(2);
    const odd = (await readBack(duckdb, root)).find((row) => row.request_id === "req-odd");
    expect(odd).toMatchObject({
      created_at: "2025-03-04 05:08:09",
      hour: 5,
      status: null,
      input_tokens: "12",
      cost_usd: 0.5,
      stream: null,
      tags: null,
      trace: '{"as":"object"}',
      model: null,
    });
    // The stream holds nothing more: poison was acked (or terminated), not left to come back.
    await publishRaw([logRow("req-after")]);
    await waitUntil(async () => (await countsById(duckdb, root)).has("req-after"), {
      timeoutMs: 5000,
    });
    const jsm = await jetstreamManager(raw);
    await waitUntil(async () => (await jsm.streams.info(TRACE_STREAM)).state.messages === 0, {
      timeoutMs: 3000,
    });
  });

  describe("maintenance", () => {
    let warehouse: Warehouse;
    let database: TestDatabase;
    const hourDirectory = "project_id=prj_alpha/date=2025-03-04/hour=05";

    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });
    beforeEach(async () => {
      warehouse = await openWarehouse(root);
    });
    afterEach(async () => {
      await warehouse.close();
    });

    const write = (relativeHour: string, rows: RequestLogRow[]) =>
      writeRows(warehouse, join(root, relativeHour), rows as unknown as Record<string, unknown>[]);

    test("compaction merges an hour that is over into one file, rows unchanged, each id once", async () => {
      await write(hourDirectory, [logRow("req-1"), logRow("req-2")]);
      await write(hourDirectory, [logRow("req-3", { tags: { only: "here" } })]);
      // Two ingesters racing (or a file from before the ids were checked) left a duplicate.
      await write(hourDirectory, [
        logRow("req-2"),
        logRow("req-4", { created_at: "2025-03-04T05:00:00.000Z" }),
      ]);
      const current = "project_id=prj_alpha/date=2025-03-04/hour=06";
      await write(current, [logRow("req-5", { created_at: "2025-03-04T06:10:00.000Z" })]);
      await write(current, [logRow("req-6", { created_at: "2025-03-04T06:20:00.000Z" })]);
      const before = await readBack(duckdb, root);

      const result = await compactTraces(warehouse, { now: new Date("2025-03-04T06:30:00Z") });

      expect(result).toMatchObject({ hours: 1, filesMerged: 3, rowsRead: 5, rowsWritten: 4 });
      expect(filesIn(root, hourDirectory)).toEqual([
        expect.stringMatching(/^compacted-[0-9a-f-]{36}\.parquet$/),
      ]);
      expect(filesIn(root, current)).toHaveLength(2); // the hour is not over yet
      const after = await readBack(duckdb, root);
      const unique = before.filter(
        (row, index) => before.findIndex((other) => other.request_id === row.request_id) === index,
      );
      expect(after).toEqual(unique);
      // Sorted by time inside the file, for readers' row-group pruning.
      const order = await duckdb.runAndReadAll("SELECT request_id FROM read_parquet($file)", {
        file: join(root, hourDirectory, filesIn(root, hourDirectory)[0] as string),
      });
      expect(order.getRowObjects().map((row) => row.request_id)).toEqual([
        "req-4",
        "req-1",
        "req-2",
        "req-3",
      ]);
      // Nothing left to do on the next run.
      expect(
        await compactTraces(warehouse, { now: new Date("2025-03-04T06:30:00Z") }),
      ).toMatchObject({ hours: 0 });
    });

    test("a compaction interrupted after deleting inputs is finished by the next run", async () => {
      const directory = join(root, hourDirectory);
      const kept = await write(hourDirectory, [logRow("req-1")]);
      const deleted = await write(hourDirectory, [logRow("req-2")]);
      // The crashed run had written its output and intent and deleted one input.
      const output = join(directory, "compacted-crashed.parquet");
      await duckdb.run(
        "COPY (SELECT * FROM read_parquet($files, hive_partitioning = false)) TO $target (FORMAT parquet)",
        { files: listValue([kept, deleted]), target: `${output}.pending` },
      );
      writeFileSync(
        join(directory, "compacted-crashed.intent"),
        JSON.stringify({ output, inputs: [kept, deleted] }),
      );
      rmSync(deleted);
      // Readers see no row twice meanwhile (req-2 is hidden until the run finishes).
      expect(Object.fromEntries(await countsById(duckdb, root))).toEqual({ "req-1": 1 });

      const result = await compactTraces(warehouse, { now: new Date("2025-03-04T05:30:00Z") });

      expect(result.recovered).toBe(1);
      expect(filesIn(root, hourDirectory)).toEqual(["compacted-crashed.parquet"]);
      expect(Object.fromEntries(await countsById(duckdb, root))).toEqual({
        "req-1": 1,
        "req-2": 1,
      });
    });

    test("a compaction that crashed before its intent leaves the inputs and loses its output", async () => {
      const directory = join(root, hourDirectory);
      await write(hourDirectory, [logRow("req-1")]);
      writeFileSync(join(directory, "compacted-half.parquet.pending"), "half a file");
      writeFileSync(join(directory, "batch-crashed.parquet.tmp"), "half a file");

      const result = await compactTraces(warehouse, { now: new Date("2025-03-04T07:00:00Z") });

      // The pending output goes; the ingester's temporary file only once it is surely stale.
      expect(result.recovered).toBe(1);
      const files = filesIn(root, hourDirectory);
      expect(files).toHaveLength(2);
      expect(files).toContain("batch-crashed.parquet.tmp");
      await compactTraces(warehouse, { now: new Date(Date.now() + 11 * 60_000) });
      expect(filesIn(root, hourDirectory)).toHaveLength(1);
    });

    test("compaction rolls up each project-day's closed hours, again when one changes, sweeping leftovers", async () => {
      const rollups = join(root, "_rollups", "project_id=prj_alpha", "date=2025-03-04");
      const listing = () => readdirSync(rollups).sort();
      const read = async (prefix: "day" | "slim" | "groups", sql: string) => {
        const file = listing().find((name) => name.startsWith(`${prefix}-`)) as string;
        const result = await duckdb.runAndReadAll(sql.replace("$file", "read_parquet($file)"), {
          file: join(rollups, file),
        });
        return result.getRowObjectsJson()[0];
      };
      const cells = () =>
        read(
          "day",
          "SELECT sum(requests) AS requests, sum(errors) AS errors, min(bucket) AS bucket FROM $file",
        );
      const slim = () =>
        read(
          "slim",
          "SELECT count(*) AS requests, count(*) FILTER (WHERE status >= 400) AS errors, min(created_at) AS first FROM $file",
        );
      // The day's group counts: all its requests, and by model.
      const groups = () =>
        read(
          "groups",
          "SELECT sum(requests) FILTER (WHERE dimension = '*') AS requests, sum(requests) FILTER (WHERE dimension = 'model') AS by_model FROM $file",
        );
      await write(hourDirectory, [logRow("req-1"), logRow("req-2", { status: 502 })]);
      const current = "project_id=prj_alpha/date=2025-03-04/hour=06";
      await write(current, [logRow("req-5", { created_at: "2025-03-04T06:10:00.000Z" })]);
      const now = new Date("2025-03-04T06:30:00Z");

      expect((await compactTraces(warehouse, { now })).rolledUp).toBe(1);
      const [day, groupsFile, manifest, slimFile] = listing();
      expect(listing()).toEqual([
        expect.stringMatching(/^day-[0-9a-f-]{36}\.parquet$/),
        expect.stringMatching(/^groups-[0-9a-f-]{36}\.parquet$/),
        expect.stringMatching(/^rollup-[0-9a-f-]{36}\.json$/),
        expect.stringMatching(/^slim-[0-9a-f-]{36}\.parquet$/),
      ]);
      // Only the closed hour: the open one is read as rows until it is over.
      const named = JSON.parse(readFileSync(join(rollups, manifest as string), "utf8"));
      expect(named).toMatchObject({
        layout: 3,
        orgs: ["org_1"],
        sources: filesIn(root, hourDirectory).map((file) => `${hourDirectory}/${file}`),
      });
      expect(await cells()).toEqual({ requests: "2", errors: "1", bucket: "2025-03-04 00:00:00" });
      expect(await slim()).toEqual({
        requests: "2",
        errors: "1",
        first: "2025-03-04 05:06:07.089",
      });
      expect(await groups()).toEqual({ requests: "2", by_model: "2" });
      // Slim rows in LZ4, which reports scan faster than zstd (rollup_rows.sql); the rest zstd.
      const codecs = await duckdb.runAndReadAll(
        "SELECT DISTINCT parse_filename(file_name) AS file, compression FROM parquet_metadata($files) ORDER BY ALL",
        {
          files: listValue(
            [day, groupsFile, slimFile].map((file) => join(rollups, file as string)),
          ),
        },
      );
      expect(codecs.getRowObjectsJson()).toEqual([
        { file: day as string, compression: "ZSTD" },
        { file: groupsFile as string, compression: "ZSTD" },
        { file: slimFile as string, compression: "LZ4_RAW" },
      ]);
      expect((await compactTraces(warehouse, { now })).rolledUp).toBe(0);

      // A build that crashed: a cells file without its manifest, and a manifest cut short.
      writeFileSync(join(rollups, `day-${crypto.randomUUID()}.parquet`), "half a file");
      writeFileSync(join(rollups, `rollup-${crypto.randomUUID()}.json`), '{"id":');
      // A late file in the closed hour: merged, then rolled up again.
      await write(hourDirectory, [logRow("req-3")]);
      expect(await compactTraces(warehouse, { now })).toMatchObject({ hours: 1, rolledUp: 1 });
      // The rebuilt set only: its day cells, its group counts, its manifest and its slim rows.
      expect(listing()).toHaveLength(4);
      expect(listing()).not.toContain(day);
      expect(listing()).not.toContain(groupsFile);
      expect(listing()).not.toContain(manifest);
      expect(listing()).not.toContain(slimFile);
      expect(await groups()).toEqual({ requests: "3", by_model: "3" });
      expect(await cells()).toEqual({ requests: "3", errors: "1", bucket: "2025-03-04 00:00:00" });
      expect(await slim()).toEqual({
        requests: "3",
        errors: "1",
        first: "2025-03-04 05:06:07.089",
      });

      // A rollup of the earlier layout (hour and day cells, slim rows without tag_text) is built
      // again by the next run, and its files swept.
      const newest = listing().find((name) => name.startsWith("rollup-"));
      const earlier = JSON.parse(readFileSync(join(rollups, newest as string), "utf8"));
      const oldId = crypto.randomUUID();
      for (const prefix of ["hour", "day", "slim"]) {
        writeFileSync(join(rollups, `${prefix}-${oldId}.parquet`), "old layout");
      }
      const { layout: _layout, orgs: _orgs, ...layoutOne } = earlier;
      writeFileSync(
        join(rollups, `rollup-${oldId}.json`),
        JSON.stringify({
          ...layoutOne,
          id: oldId,
          built_at: "2999-01-01T00:00:00.000Z",
          slim: true,
        }),
      );
      expect((await compactTraces(warehouse, { now })).rolledUp).toBe(1);
      expect(listing()).toHaveLength(4);
      expect(listing().some((name) => name.includes(oldId))).toBe(false);
      expect(await slim()).toEqual({
        requests: "3",
        errors: "1",
        first: "2025-03-04 05:06:07.089",
      });
    });

    test("retention drops the days each project no longer keeps", async () => {
      const orgId = newId("org");
      const [shortLived, defaulted] = [newId("project"), newId("project")];
      await database.handle.db
        .insert(orgs)
        .values({ id: orgId, name: "o", slug: `o-${orgId.slice(-6)}` });
      await database.handle.db.insert(projects).values([
        {
          id: shortLived,
          org_id: orgId,
          name: "a",
          slug: "a",
          settings: { trace_retention_days: 10 },
        },
        { id: defaulted, org_id: orgId, name: "b", slug: "b" },
      ]);
      const now = new Date("2025-06-30T12:00:00Z");
      const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
      for (const projectId of [shortLived, defaulted, "prj_deleted"]) {
        for (const days of [0, 5, 10, 11, 29, 30, 31, 400]) {
          const row = logRow(`${projectId}-${days}`, {
            project_id: projectId,
            created_at: daysAgo(days),
          });
          await write(
            `project_id=${projectId}/date=${row.created_at.slice(0, 10)}/hour=${row.created_at.slice(11, 13)}`,
            [row],
          );
        }
      }

      // Rolled up, so retention has rollups to remove with the rows.
      await compactTraces(warehouse, { now });
      const oldRollup = join(root, "_rollups", `project_id=${shortLived}`, "date=2025-06-19");
      expect(existsSync(oldRollup)).toBe(true);
      const result = await applyTraceRetention(warehouse, { db: database.handle.db, now });

      const kept = [...(await countsById(duckdb, root)).keys()].sort();
      const expected = (projectId: string, days: number[]) =>
        days.map((day) => `${projectId}-${day}`);
      expect(kept).toEqual(
        [
          ...expected(shortLived, [0, 5, 10]),
          ...expected(defaulted, [0, 5, 10, 11, 29, 30]),
          ...expected("prj_deleted", [0, 5, 10, 11, 29, 30]),
        ].sort(),
      );
      expect(result.removed).toHaveLength(5 + 2 + 2);
      expect(existsSync(join(root, `project_id=${shortLived}`, "date=2025-06-19"))).toBe(false);
      expect(
        existsSync(join(root, "_rollups", `project_id=${shortLived}`, "date=2025-06-19")),
      ).toBe(false);
    });
  });

  test("the embedded default: the in-process bus feeds the same warehouse", async () => {
    const inProcess = createInProcessBus();
    const embedded = await startWarehouse({
      bus: inProcess,
      root,
      log: quiet,
      flushIntervalMs: 200,
    });
    try {
      await inProcess.publishTraces([
        logRow("req-e1"),
        logRow("req-e2", { project_id: "prj_beta" }),
      ]);
      await waitUntil(async () => (await countsById(duckdb, root)).size === 2, { timeoutMs: 3000 });
      await inProcess.publishTraces([logRow("req-e3")]);
    } finally {
      // Stopping writes what the bus still held.
      await embedded.stop();
      await inProcess.close();
    }
    expect([...(await countsById(duckdb, root)).keys()].sort()).toEqual([
      "req-e1",
      "req-e2",
      "req-e3",
    ]);
  });
});
