// The data plane's trace write-ahead log: every row is on disk when emit returns (or, group
// committed, when emitGrouped's promise resolves), shipped to the
// bus in order and deleted once stored, kept while the bus is down, picked up after a crash
// (a torn last line skipped), bounded; and the row a trace becomes.
import { afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Bus } from "#shared/bus/bus.ts";
import { createInProcessBus } from "#shared/bus/in-process.ts";
import { decodeTraceLines } from "#shared/bus/trace-lines.ts";
import { storedRow } from "../../controlplane/warehouse/parquet-writer.ts";
import { requestLogRow } from "../../dataplane/trace/request-log-row.ts";
import { WalTraceEmitter } from "../../dataplane/trace/wal-emitter.ts";
import { killedWalWriter } from "../support/processes.ts";
import { fakeBus, receivedTraceIds, trace, waitFor } from "../support/trace-fixtures.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});
const freshDirectory = () => {
  const directory = mkdtempSync(join(tmpdir(), "modelux-wal-"));
  directories.push(directory);
  return directory;
};

describe("requestLogRow", () => {
  test("flattens what analytics and replay read; keeps the trace as JSON", () => {
    const row = requestLogRow(trace("r1", { content: { prompt: "[p]", response: "hi" } }));
    expect(row).toMatchObject({
      request_id: "r1",
      created_at: "2026-11-24T10:15:00.000Z",
      project_id: "prj_1",
      config_slug: "prod",
      config_version: 3,
      model: "gpt-4o-mini",
      provider: "openai",
      attempts: 2,
      fallbacks: 1,
      input_tokens: 120,
      cached_tokens: 20,
      reasoning_tokens: 5,
      tags: { team: "ml" },
      end_user: "u-1",
      req_max_tokens: 256,
      req_temperature: 0.2,
      prompt: "[p]",
      response: "hi",
    });
    const stored = JSON.parse(row.trace) as Record<string, unknown>;
    expect(stored.strategy).toBe("fallback");
    // Captured content is in its own columns, not inside the trace.
    expect(stored.content).toBeUndefined();
  });
});

describe("WalTraceEmitter", () => {
  test("a row is on disk when emit returns; shipping publishes it and deletes the segment", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const emitter = new WalTraceEmitter({ directory, bus: () => bus });
    emitter.emit(trace("r1"));
    emitter.emit(trace("r2"));
    const open = readdirSync(directory).find((name) => name.endsWith(".open"));
    expect(
      readFileSync(join(directory, open ?? ""), "utf8")
        .trim()
        .split("\n"),
    ).toHaveLength(2);
    await emitter.ship();
    expect(published.flat().map((row) => row.request_id)).toEqual(["r1", "r2"]);
    // What is left: the lock naming the emitter that owns the directory, until it stops.
    expect(readdirSync(directory)).toEqual(["wal.lock"]);
    await emitter.stop();
    expect(readdirSync(directory)).toEqual([]);
  });

  test("group commit: rows emitted in one turn are written together, before their promise resolves", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const emitter = new WalTraceEmitter({ directory, bus: () => bus });
    const onDisk = () =>
      readdirSync(directory)
        .filter((name) => name !== "wal.lock")
        .flatMap((name) =>
          readFileSync(join(directory, name), "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => decodeTraceLines(new TextEncoder().encode(line)).records[0]?.request_id),
        );
    // The turn's first row is written at once: nothing to share the write with yet.
    expect(emitter.emitGrouped(trace("g0"))).toBeNull();
    expect(onDisk()).toEqual(["g0"]);
    const written = [
      emitter.emitGrouped(trace("g1")),
      emitter.emitGrouped(trace("g2", { tags: { note: "ünïcødé → 🚀" } })),
    ];
    // The rest of the turn's rows wait for one write at its end.
    expect(written.every((promise) => promise instanceof Promise)).toBe(true);
    expect(onDisk()).toEqual(["g0"]);
    expect(emitter.pendingBytes()).toBeGreaterThan(0);
    await Promise.all(written);
    expect(onDisk()).toEqual(["g0", "g1", "g2"]);
    // A new turn: its first row at once again; a row written with emit takes the rows waiting
    // for their group with it, in order.
    expect(emitter.emitGrouped(trace("g3"))).toBeNull();
    const waiting = emitter.emitGrouped(trace("g4"));
    expect(onDisk()).toEqual(["g0", "g1", "g2", "g3"]);
    emitter.emit(trace("now"));
    expect(onDisk()).toEqual(["g0", "g1", "g2", "g3", "g4", "now"]);
    await waiting;
    await emitter.stop();
    expect(published.flat().map((row) => row.request_id)).toEqual([
      "g0",
      "g1",
      "g2",
      "g3",
      "g4",
      "now",
    ]);
    expect(published.flat()[2]?.tags).toEqual({ note: "ünïcødé → 🚀" });
  });

  test("group commit: stop() writes the rows still waiting for their group", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const emitter = new WalTraceEmitter({ directory, bus: () => bus });
    expect(emitter.emitGrouped(trace("first"))).toBeNull();
    const written = emitter.emitGrouped(trace("last"));
    await emitter.stop();
    await written;
    expect(published.flat().map((row) => row.request_id)).toEqual(["first", "last"]);
  });

  test("stop() waits for a run of ship() already in flight before giving the directory up", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = {
      ...bus,
      publishTraceLines: async (lines: Uint8Array) => {
        await held;
        await bus.publishTraceLines(lines);
      },
    } as Bus;
    const emitter = new WalTraceEmitter({ directory, bus: () => slow });
    emitter.emit(trace("in-flight"));
    // As the timer would: a run that is now waiting on the bus.
    const running = emitter.ship();
    let stopped = false;
    const stopping = emitter.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    // The lock is still held while the run publishes.
    expect(readdirSync(directory)).toContain("wal.lock");
    release();
    await Promise.all([running, stopping]);
    expect(published.flat().map((row) => row.request_id)).toEqual(["in-flight"]);
    expect(readdirSync(directory)).toEqual([]);
  });

  test("while the bus refuses, rows stay on disk; they go, in order, when it takes them", async () => {
    const directory = freshDirectory();
    let down = true;
    const { bus, published } = fakeBus(() => down);
    const emitter = new WalTraceEmitter({ directory, bus: () => bus });
    emitter.emit(trace("a"));
    await emitter.ship();
    emitter.emit(trace("b"));
    await emitter.ship();
    expect(published).toHaveLength(0);
    expect(emitter.pendingBytes()).toBeGreaterThan(0);
    down = false;
    emitter.emit(trace("c"));
    await emitter.ship();
    expect(published.flat().map((row) => row.request_id)).toEqual(["a", "b", "c"]);
    expect(emitter.pendingBytes()).toBe(0);
  });

  test("after a crash (SIGKILL) the next run takes the directory over and ships what was left, skipping a torn last line", async () => {
    const directory = freshDirectory();
    await killedWalWriter(directory, ["left-1", "left-2"]);
    const open = readdirSync(directory).find((name) => name.endsWith(".open"));
    appendFileSync(join(directory, open ?? ""), '{"request_id":"torn","cre');
    const { bus, published } = fakeBus();
    const restarted = new WalTraceEmitter({ directory, bus: () => bus });
    restarted.emit(trace("new"));
    await restarted.ship();
    expect(published.flat().map((row) => row.request_id)).toEqual(["left-1", "left-2", "new"]);
    await restarted.stop();
    expect(readdirSync(directory)).toEqual([]);
  });

  test("a row the bus refuses as too large is dropped with one line naming it; the rows behind it ship", async () => {
    const directory = freshDirectory();
    const inProcess = createInProcessBus();
    // The bus said 8 MiB when the row was written, and takes 1 MiB when it is shipped (a server
    // with a smaller max_payload than the one the row was fitted to).
    const bus: Bus = { ...inProcess, maxTraceBytes: () => 8 * 1024 * 1024 };
    const { received, subscription } = await receivedTraceIds(inProcess);
    const lines: string[] = [];
    const emitter = new WalTraceEmitter({
      directory,
      bus: () => bus,
      log: (line) => lines.push(line),
    });
    emitter.emit(trace("before"));
    emitter.emit(trace("huge", { content: { prompt: "p".repeat(2_000_000), response: null } }));
    emitter.emit(trace("after"));
    await emitter.ship();
    emitter.emit(trace("next-segment"));
    await emitter.ship();
    expect(emitter.pendingBytes()).toBe(0);
    expect(emitter.oversizedDropped).toBe(1);
    const dropped = lines.filter((line) => line.includes("dropped"));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toContain("huge");
    expect(dropped[0]).toMatch(/\b2\d{6} bytes\b/);
    await Bun.sleep(0);
    await waitFor(() => received.length === 3);
    expect(received).toEqual(["before", "after", "next-segment"]);
    await subscription.unsubscribe();
    await inProcess.close();
  });

  test("a segment larger than a message is read and published a message at a time, whole lines each", async () => {
    const directory = freshDirectory();
    const limit = 16 * 1024;
    const publishes: number[] = [];
    const { bus, published } = fakeBus();
    const small = {
      ...bus,
      maxTraceBytes: () => limit,
      publishTraceLines: async (lines: Uint8Array) => {
        publishes.push(lines.byteLength);
        expect(lines[lines.byteLength - 1]).toBe(0x0a);
        await bus.publishTraceLines(lines);
      },
    } as Bus;
    const emitter = new WalTraceEmitter({ directory, bus: () => small });
    const ids = Array.from({ length: 60 }, (_, index) => `row-${index}`);
    for (const id of ids) emitter.emit(trace(id));
    await emitter.ship();
    expect(published.flat().map((row) => row.request_id)).toEqual(ids);
    expect(publishes.length).toBeGreaterThan(3);
    for (const bytes of publishes) expect(bytes).toBeLessThanOrEqual(limit);
    expect(emitter.pendingBytes()).toBe(0);
  });

  test("each row is fitted to the bus's limit when written", async () => {
    const directory = freshDirectory();
    const limit = 64 * 1024;
    const { bus, published } = fakeBus();
    const small: Bus = { ...bus, maxTraceBytes: () => limit } as Bus;
    const emitter = new WalTraceEmitter({ directory, bus: () => small });
    emitter.emit(trace("big", { content: { prompt: "q".repeat(500_000), response: "a" } }));
    await emitter.ship();
    const [row] = published.flat();
    expect(Buffer.byteLength(JSON.stringify(row))).toBeLessThanOrEqual(limit);
    expect(row?.truncated).toBe(true);
    expect(row?.response).toBe("a");
  });

  test("an answer written ahead with its row travels beside it, never in the row's columns or its trace; one too large for a bus message is left out", async () => {
    const directory = freshDirectory();
    const { bus, published } = fakeBus();
    const emitter = new WalTraceEmitter({ directory, bus: () => bus });
    const answer = JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", choices: [] });
    emitter.emit(
      trace("r1", { batch_id: "batch_mlx_1", client_request_id: "batch_mlx_1-0-1" }),
      answer,
    );
    // Larger than a row may be for a 1 MiB bus: the row goes without it.
    emitter.emit(trace("r2"), "x".repeat(1024 * 1024));
    await emitter.ship();
    const rows = published.flat();
    expect(rows.map((row) => row.request_id)).toEqual(["r1", "r2"]);
    expect(rows[0]?.batch_answer).toBe(answer);
    expect(rows[1]?.batch_answer).toBeUndefined();
    expect(String(rows[0]?.trace)).not.toContain("chatcmpl-1");
    // What the warehouse stores of it: the declared columns only.
    const stored = storedRow(rows[0] as Record<string, unknown>);
    if (typeof stored === "string") throw new Error(stored);
    expect(Object.values(stored.row).some((value) => String(value).includes("chatcmpl-1"))).toBe(
      false,
    );
  });

  test("bounded: beyond maxBytes new rows are dropped, never blocking", () => {
    const directory = freshDirectory();
    const emitter = new WalTraceEmitter({ directory, bus: () => null, maxBytes: 3_000 });
    for (let index = 0; index < 10; index++) emitter.emit(trace(`r${index}`));
    expect(emitter.dropped).toBeGreaterThan(0);
    expect(emitter.pendingBytes()).toBeLessThan(3_000 + 3_000);
  });
});
