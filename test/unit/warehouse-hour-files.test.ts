// The logs list's file listing (controlplane/warehouse/partition-files.ts): hours newest first,
// within the window and project, and a day's hours listed only when the reader gets to that day
// (the first page of a long history lists one day, not all of them).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { filesByHourNewestFirst } from "../../controlplane/warehouse/partition-files.ts";

const root = mkdtempSync(join(tmpdir(), "modelux-hour-files-"));
const put = (project: string, date: string, hour: string, name: string) => {
  const directory = join(root, `project_id=${project}`, `date=${date}`, `hour=${hour}`);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, name), "");
};
put("prj_a", "2026-03-01", "23", "a.parquet");
put("prj_b", "2026-03-01", "23", "b.parquet");
put("prj_a", "2026-03-02", "00", "c.parquet");
put("prj_a", "2026-03-02", "05", "d.parquet");
put("prj_a", "2026-03-02", "05", "notes.txt");
put("prj_b", "2026-03-03", "10", "e.parquet");

const names = (files: string[]) => files.map((file) => file.slice(file.lastIndexOf("/") + 1));

describe("files by hour, newest first", () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("every hour with Parquet files, newest first, projects merged", async () => {
    const hours = [];
    for await (const hour of filesByHourNewestFirst(root, {})) hours.push(hour);
    expect(hours.map((hour) => [hour.hour, names(hour.files)])).toEqual([
      ["2026-03-03T10", ["e.parquet"]],
      ["2026-03-02T05", ["d.parquet"]],
      ["2026-03-02T00", ["c.parquet"]],
      ["2026-03-01T23", ["a.parquet", "b.parquet"]],
    ]);
  });

  test("the window (end exclusive) and the project narrow it", async () => {
    const hours = [];
    const window = {
      project_id: "prj_a",
      start: new Date("2026-03-01T23:30:00Z"),
      end: new Date("2026-03-02T05:00:00Z"),
    };
    for await (const hour of filesByHourNewestFirst(root, window)) hours.push(hour.hour);
    expect(hours).toEqual(["2026-03-02T00", "2026-03-01T23"]);
  });

  test("an older day's hours are listed only when the reader gets to that day", async () => {
    const hours = filesByHourNewestFirst(root, {});
    expect((await hours.next()).value?.hour).toBe("2026-03-03T10");
    // Written after the newest day was read: seen, because 2026-03-02 is listed only now.
    put("prj_a", "2026-03-02", "03", "late.parquet");
    const rest = [];
    for await (const hour of hours) rest.push(hour.hour);
    expect(rest).toEqual(["2026-03-02T05", "2026-03-02T03", "2026-03-02T00", "2026-03-01T23"]);
  });
});
