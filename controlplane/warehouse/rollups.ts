// Rollups (docs/warehouse.md): per project and day, the analytics report's sums and latency
// sketch counts per day (day cells), so a month's report by day reads ~600 small files of cells
// instead of ~14,000 hourly files of rows; and the day's slim rows (one per request, only what
// a report reads), for every other report (by hour; by end user, tag, provider key or route;
// windows that cut a day). Compaction builds them from the closed hours' files; the report reads
// a rollup in place of exactly the files it names, and the rows of every other file (a late one,
// an hour still open, an hour re-compacted since) directly.
//
// Under `<root>/_rollups/project_id=P/date=D/`: `day-<id>.parquet` and `slim-<id>.parquet`, then
// `rollup-<id>.json`, the manifest naming the request-log files they summarise and the orgs whose
// rows they hold. Readers go through manifests only, so a manifest is written last and a rollup
// is whole or absent; one whose files are not all still there (compaction merged them again) is
// ignored until rebuilt, and so is one of an earlier layout.
import { mkdir, mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Logger } from "#shared/log.ts";
import { writeEmptyPartition } from "./empty-files.ts";
import { loadQueries, type NamedQuery, runQuery, SQL_DIRECTORY } from "./named-queries.ts";
import { isParquet, listWarehouseFiles, type Warehouse } from "./parquet-writer.ts";
import type { DayFiles } from "./partition-files.ts";

export const ROLLUP_DIRECTORY = "_rollups";

/**
 * What a rollup's files hold, bumped when that changes: a rollup of an earlier layout is built
 * again by the next compaction run, and until then readers read its day as rows, or as far as
 * its layout goes (READABLE_LAYOUTS). 1: hour and day cells, and (with `slim: true`) slim rows
 * without `tag_text` (with `route: true`, with `config_slug`); 2: day cells and slim rows with
 * `config_slug` and `tag_text`, and the manifest names the orgs; 3: the same and the day's group
 * counts (`groups-<id>.parquet`, rollup_groups.sql).
 */
export const ROLLUP_LAYOUT = 3;
/** Layouts a report reads: 2's day cells and slim rows are 3's; only 3 has group counts. */
const READABLE_LAYOUTS = new Set([2, 3]);

interface Manifest {
  id: string;
  built_at: string;
  /** The request-log files summarised, relative to the root. */
  sources: string[];
  layout: number;
  /** The orgs with rows in the sources (a project's rows are all its org's, so one). */
  orgs: string[];
}

export interface RollupResult {
  /** Project-days whose rollup was (re)built. */
  built: number;
  /** Files of superseded, unfinished or orphaned rollups deleted. */
  removed: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PROJECT_PREFIX = "project_id=";
const MANIFEST = /^rollup-([0-9a-f-]{36})\.json$/;
const PROJECT_DAY = /\/project_id=([^/]+)\/date=(\d{4}-\d{2}-\d{2})\/([^/]+)$/;
const SOURCE_HOUR = /date=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\//;

const ORGS_SQL = "SELECT DISTINCT org_id FROM read_parquet($file) WHERE org_id IS NOT NULL";

interface RollupQuery {
  cells: NamedQuery;
  slim: NamedQuery;
  groups: NamedQuery;
  /** A zero-row request-log file with every current column, read with every build's sources. */
  emptyFile: string;
}

const prepared = new WeakMap<Warehouse, Promise<RollupQuery>>();

/**
 * The macros of request_logs.sql in the warehouse's DuckDB, once; the rollup query and the
 * zero-row file that lets sources written before a column existed read it as NULL.
 */
function rollupQuery(warehouse: Warehouse): Promise<RollupQuery> {
  let query = prepared.get(warehouse);
  if (!query) {
    query = (async () => {
      await warehouse.maintenance.run(
        await Bun.file(new URL("request_logs.sql", SQL_DIRECTORY)).text(),
      );
      const directory = await mkdtemp(join(tmpdir(), "modelux-rollups-"));
      const emptyFile = await writeEmptyPartition(warehouse.maintenance, directory);
      const queries = await loadQueries();
      return {
        cells: queries.rollup_cells,
        slim: queries.rollup_rows,
        groups: queries.rollup_groups,
        emptyFile,
      };
    })();
    prepared.set(warehouse, query);
  }
  return query;
}

/**
 * Brings every project-day's rollup up to date with its closed hours' files: rebuilt where the
 * files differ from what the newest manifest names, and leftovers swept.
 */
export async function rollupTraces(
  warehouse: Warehouse,
  options: { now?: Date; log?: Logger } = {},
): Promise<RollupResult> {
  const now = (options.now ?? new Date()).getTime();
  const { root, storage } = warehouse;
  const result: RollupResult = { built: 0, removed: 0 };
  const sourcesByDay = new Map<string, string[]>();
  for (const file of await listWarehouseFiles(warehouse)) {
    const hourEnd = Date.parse(`${file.partition.date}T${file.partition.hour}:00:00Z`) + HOUR_MS;
    if (!isParquet(file.name) || hourEnd > now) continue;
    const key = `project_id=${file.partition.project_id}/date=${file.partition.date}`;
    sourcesByDay.set(key, [...(sourcesByDay.get(key) ?? []), file.path.slice(root.length + 1)]);
  }
  const rollupsByDay = new Map<string, string[]>();
  for (const path of await storage.list(`${root}/${ROLLUP_DIRECTORY}`)) {
    const match = PROJECT_DAY.exec(path);
    if (!match) continue;
    const key = `project_id=${match[1]}/date=${match[2]}`;
    rollupsByDay.set(key, [...(rollupsByDay.get(key) ?? []), path]);
  }
  for (const key of new Set([...sourcesByDay.keys(), ...rollupsByDay.keys()])) {
    const directory = `${root}/${ROLLUP_DIRECTORY}/${key}`;
    const sources = (sourcesByDay.get(key) ?? []).sort();
    const existing = rollupsByDay.get(key) ?? [];
    if (sources.length === 0) {
      // The day's rows are gone (retention): so is its rollup.
      await storage.removeTree(directory);
      result.removed += existing.length;
      continue;
    }
    let current = await newestManifest(warehouse, existing);
    // A rollup of an earlier layout is built again, so every report can use it.
    if (current?.layout !== ROLLUP_LAYOUT || !sameFiles(current.sources, sources)) {
      current = await build(warehouse, directory, sources);
      result.built++;
      options.log?.(`rolled up ${key}: ${sources.length} files`);
    }
    const keep = new Set(Object.values(rollupFiles(directory, current.id)));
    const leftovers = existing.filter((path) => !keep.has(path));
    await storage.remove(leftovers);
    result.removed += leftovers.length;
  }
  return result;
}

async function build(warehouse: Warehouse, directory: string, sources: string[]) {
  const { cells, slim, groups, emptyFile } = await rollupQuery(warehouse);
  const id = crypto.randomUUID();
  const {
    day: dayFile,
    slim: slimFile,
    groups: groupsFile,
    manifest: manifestFile,
  } = rollupFiles(directory, id);
  if (!warehouse.storage.remote) await mkdir(directory, { recursive: true });
  const files = [...sources.map((source) => `${warehouse.root}/${source}`), emptyFile];
  await runQuery(warehouse.maintenance, cells, { files, granularity: "day", target: dayFile });
  await warehouse.storage.persist(dayFile);
  await runQuery(warehouse.maintenance, slim, { files, target: slimFile });
  await warehouse.storage.persist(slimFile);
  await runQuery(warehouse.maintenance, groups, { files: [slimFile], target: groupsFile });
  await warehouse.storage.persist(groupsFile);
  const orgs = (await warehouse.maintenance.runAndReadAll(ORGS_SQL, { file: slimFile }))
    .getRowObjects()
    .map((row) => String(row.org_id))
    .sort();
  const manifest: Manifest = {
    id,
    built_at: new Date().toISOString(),
    sources,
    layout: ROLLUP_LAYOUT,
    orgs,
  };
  await warehouse.storage.writeText(manifestFile, JSON.stringify(manifest));
  return manifest;
}

/**
 * `day-<id>.parquet`, `slim-<id>.parquet`, `groups-<id>.parquet`, `rollup-<id>.json` in
 * `directory` (a layout 2 rollup has no groups file).
 */
function rollupFiles(directory: string, id: string) {
  return {
    day: `${directory}/day-${id}.parquet`,
    slim: `${directory}/slim-${id}.parquet`,
    groups: `${directory}/groups-${id}.parquet`,
    manifest: `${directory}/rollup-${id}.json`,
  };
}

/** The slim rows file of the rollup a group counts file belongs to (the same id). */
export const slimOfGroups = (groupsFile: string) =>
  groupsFile.replace(/\/groups-([^/]+)\.parquet$/, "/slim-$1.parquet");

async function newestManifest(warehouse: Warehouse, paths: string[]): Promise<Manifest | null> {
  let newest: Manifest | null = null;
  for (const path of paths) {
    if (!MANIFEST.test(path.slice(path.lastIndexOf("/") + 1))) continue;
    newest = newer(newest, parseManifest(await warehouse.storage.readText(path)));
  }
  return newest;
}

function parseManifest(text: string | null): Manifest | null {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Partial<Manifest>;
    if (typeof parsed.id !== "string" || typeof parsed.built_at !== "string") return null;
    if (!Array.isArray(parsed.sources)) return null;
    return {
      id: parsed.id,
      built_at: parsed.built_at,
      sources: parsed.sources.map(String),
      // Layout 1 manifests carry no number.
      layout: typeof parsed.layout === "number" ? parsed.layout : 1,
      orgs: Array.isArray(parsed.orgs) ? parsed.orgs.map(String) : [],
    };
  } catch {
    // Unfinished (a crash while writing it): its rollup never counted, and is swept.
    return null;
  }
}

/** Of two manifests of one project-day, the one built last: it is the one that counts. */
const newer = (current: Manifest | null, candidate: Manifest | null) =>
  candidate && (!current || candidate.built_at > current.built_at) ? candidate : current;

const sameFiles = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().every((file, index) => file === b[index]);

export interface ReportFiles {
  /** Request-log files read row by row. */
  files: string[];
  /** Day cell files read in their place. */
  rollups: string[];
  /** Slim row files read in their place. */
  slim: string[];
  /**
   * The group counts of the slim days wholly in the window, for ranking groups in place of
   * those days' slim files (`slimOfGroups`).
   */
  groups: string[];
}

/**
 * What a report reads in place of rows: `cells` (a report by day that neither groups nor filters
 * by what cells lack: day cells for its whole days) or `slim` rows only (any other, by route
 * included: every slim row of the current layout carries `config_slug`).
 */
export type ReportReads = "cells" | "slim";

/** The window of reportFiles; with `org_id`, rollups of other orgs' rows are left out. */
export interface ReportWindow {
  org_id?: string | null;
  project_id?: string | null;
  start?: Date | null;
  end?: Date | null;
}

/**
 * Splits a local window's files between rollups and rows. `listed` may hold whole days around
 * the window (a rollup counts only while every file it names is still there, which a listing of
 * the window's hours alone cannot tell for its first and last day); only files of hours the
 * window reaches are ever read as rows.
 *
 * A project-day with a valid rollup is read from its day cells with `cells` when the report is by
 * day and the day lies wholly in the window; otherwise from its slim rows, whatever the window
 * (they are filtered by `created_at` as rows are). A rollup whose rows are all another org's
 * (`window.org_id`) is not read at all, nor are the files it names. Its other files, and the
 * files of every other day, are read as rows.
 */
export async function reportFiles(
  root: string,
  listed: DayFiles[],
  window: ReportWindow,
  granularity: "hour" | "day",
  manifests: ManifestCache,
  reads: ReportReads = "cells",
): Promise<ReportFiles> {
  const live = new Set(listed.flatMap((day) => day.files));
  const covered = new Set<string>();
  const rollups: string[] = [];
  const slim: string[] = [];
  const groups: string[] = [];
  const start = window.start?.getTime() ?? Number.NEGATIVE_INFINITY;
  const end = window.end?.getTime() ?? Number.POSITIVE_INFINITY;
  const hourStart = (source: string) => {
    const [, day, hour] = SOURCE_HOUR.exec(source) ?? [];
    return Date.parse(`${day}T${hour}:00:00Z`);
  };
  const projects = await manifests.projects(root, window.project_id);
  const found = await Promise.all(listed.map(({ date }) => manifests.forDay(projects, date)));
  for (const [index, { date }] of listed.entries()) {
    const dayStart = Date.parse(`${date}T00:00:00Z`);
    if (dayStart >= end || dayStart + DAY_MS <= start) continue;
    for (const { directory, manifest } of found[index] ?? []) {
      if (!READABLE_LAYOUTS.has(manifest.layout)) continue;
      const sources = manifest.sources.map((source) => `${root}/${source}`);
      if (!sources.every((source) => live.has(source))) continue;
      for (const source of sources) covered.add(source);
      // Another org's project: none of these rows could be in the answer.
      if (window.org_id && !manifest.orgs.includes(window.org_id)) continue;
      const {
        day: dayFile,
        slim: slimFile,
        groups: groupsFile,
      } = rollupFiles(directory, manifest.id);
      const wholeDay = start <= dayStart && dayStart + DAY_MS <= end;
      if (reads === "cells" && granularity === "day" && wholeDay) rollups.push(dayFile);
      else {
        slim.push(slimFile);
        if (wholeDay && manifest.layout >= 3) groups.push(groupsFile);
      }
    }
  }
  // Files of hours the window does not reach hold none of its rows.
  const files = [...live].filter((file) => {
    if (covered.has(file)) return false;
    const at = hourStart(file);
    return Number.isNaN(at) || (at < end && at + HOUR_MS > start);
  });
  return { files, rollups, slim, groups };
}

/** Manifests never change once written (a rebuild writes a new one), so each is read once. */
export class ManifestCache {
  readonly #read = new Map<string, Manifest | null>();
  /** A project's orgs, as its newest manifest names them, by project id. */
  readonly #orgs = new Map<string, string[]>();

  /**
   * The projects whose rows are all other orgs' than `orgId`, as far as their rollups tell: a
   * project belongs to one org for good and each of its rows carries that org (the data plane
   * writes the org of the key that made the request), so one manifest naming a project's org
   * says where every file of that project belongs, rolled up or not. A project without a
   * manifest yet is not known, and not in the answer.
   */
  async projectsOfOtherOrgs(root: string, orgId: string): Promise<Set<string>> {
    const others = new Set<string>();
    await Promise.all(
      (await this.projects(root)).map(async (directory) => {
        const project = basename(directory).slice(PROJECT_PREFIX.length);
        const orgs = this.#orgs.get(project) ?? (await this.#projectOrgs(project, directory));
        if (orgs && orgs.length > 0 && !orgs.includes(orgId)) others.add(project);
      }),
    );
    return others;
  }

  async #projectOrgs(project: string, directory: string): Promise<string[] | null> {
    const dates = (await names(directory)).filter((name) => name.startsWith("date=")).sort();
    for (const date of dates.reverse()) {
      const newest = (await this.forDay([directory], date.slice(5)))[0];
      if (!newest || !READABLE_LAYOUTS.has(newest.manifest.layout)) continue;
      if (newest.manifest.orgs.length === 0) continue;
      this.#orgs.set(project, newest.manifest.orgs);
      return newest.manifest.orgs;
    }
    return null;
  }

  /** The rollups' project directories (one project's, if given). */
  async projects(root: string, projectId?: string | null): Promise<string[]> {
    const base = join(root, ROLLUP_DIRECTORY);
    return (await names(base))
      .filter(
        (name) =>
          name.startsWith(PROJECT_PREFIX) &&
          (!projectId || name === `${PROJECT_PREFIX}${projectId}`),
      )
      .map((name) => join(base, name));
  }

  /** The newest manifest of each project's rollup of `date`. */
  async forDay(projects: string[], date: string) {
    const found = await Promise.all(
      projects.map(async (project) => {
        const directory = join(project, `date=${date}`);
        let newest: Manifest | null = null;
        for (const name of await names(directory)) {
          if (!MANIFEST.test(name)) continue;
          newest = newer(newest, await this.#manifest(join(directory, name)));
        }
        return newest ? { directory, manifest: newest } : null;
      }),
    );
    return found.filter((entry) => entry !== null);
  }

  async #manifest(path: string): Promise<Manifest | null> {
    if (this.#read.has(path)) return this.#read.get(path) ?? null;
    const manifest = parseManifest(await readFile(path, "utf8").catch(() => null));
    // An unreadable one may still be being written: read it again next time.
    if (manifest) this.#read.set(path, manifest);
    if (this.#read.size > 100_000) this.#read.clear();
    return manifest;
  }
}

async function names(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch {
    return [];
  }
}
