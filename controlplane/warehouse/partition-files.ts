// Which Parquet files of a local warehouse root can hold a window's rows, found by listing the
// partition directories (`project_id=/date=/hour=`). Handing DuckDB that list instead of the
// root's glob matters: binding read_parquet over a root of thousands of files (each footer read
// for union_by_name) costs far more than scanning the few files of a short window.
import { readdir } from "node:fs/promises";
import { join } from "node:path";

export interface PartitionWindow {
  project_id?: string | null;
  /** Inclusive. */
  start?: Date | null;
  /** Exclusive. */
  end?: Date | null;
}

export interface DayFiles {
  /** YYYY-MM-DD, UTC. */
  date: string;
  files: string[];
}

/**
 * The window's files grouped by day, newest day first; none when the root does not exist.
 * Projects in `skipProjects` are not listed (a report leaves out other orgs' projects).
 */
export async function filesByDay(
  root: string,
  window: PartitionWindow,
  skipProjects: ReadonlySet<string> = new Set(),
): Promise<DayFiles[]> {
  const first = window.start ? hourKey(window.start) : null;
  // The end is exclusive: its hour counts only if the window reaches into it.
  const last = window.end ? hourKey(new Date(window.end.getTime() - 1)) : null;
  const projects = (await directories(root, "project_id")).filter(
    (entry) =>
      (!window.project_id || entry.value === window.project_id) && !skipProjects.has(entry.value),
  );
  const byDay = new Map<string, string[]>();
  await Promise.all(
    projects.map(async (project) => {
      const dates = (await directories(project.path, "date")).filter(
        (entry) =>
          (!first || entry.value >= first.slice(0, 10)) &&
          (!last || entry.value <= last.slice(0, 10)),
      );
      await Promise.all(
        dates.map(async (date) => {
          // One recursive listing per day rather than one per hour: a month of 20 projects is
          // 600 calls instead of 15,000 (0.12 s against 0.3-0.7 s on 2 busy cores).
          const files: string[] = [];
          for (const entry of await entries(date.path, true)) {
            // `hour=HH`: the entry's directory below the date's.
            const hour = HOUR_DIRECTORY.exec(entry.parentPath.slice(date.path.length + 1));
            if (!hour || !entry.name.endsWith(".parquet") || !entry.isFile()) continue;
            const key = `${date.value}T${hour[1]}`;
            if ((first && key < first) || (last && key > last)) continue;
            files.push(join(entry.parentPath, entry.name));
          }
          if (files.length > 0) byDay.set(date.value, [...(byDay.get(date.value) ?? []), ...files]);
        }),
      );
    }),
  );
  return [...byDay.entries()]
    .sort(([a], [b]) => b.localeCompare(a))
    .map(([date, files]) => ({ date, files: files.sort() }));
}

/** An hour partition's directory, relative to its date directory. */
const HOUR_DIRECTORY = /^hour=(\d{2})$/;

export interface HourFiles {
  /** YYYY-MM-DDTHH, UTC. */
  hour: string;
  files: string[];
}

/**
 * The window's files hour by hour, newest hour first, each day's hours listed only when the
 * reader gets to that day: a reader that stops after the newest hours (the first page of the
 * logs) lists the dates and one day's hours, not the whole history.
 */
export async function* filesByHourNewestFirst(
  root: string,
  window: PartitionWindow,
): AsyncGenerator<HourFiles> {
  const first = window.start ? hourKey(window.start) : null;
  const last = window.end ? hourKey(new Date(window.end.getTime() - 1)) : null;
  const projects = (await directories(root, "project_id")).filter(
    (entry) => !window.project_id || entry.value === window.project_id,
  );
  const datesOf = await Promise.all(
    projects.map(async (project) =>
      (await directories(project.path, "date")).filter(
        (entry) =>
          (!first || entry.value >= first.slice(0, 10)) &&
          (!last || entry.value <= last.slice(0, 10)),
      ),
    ),
  );
  const dates = [...new Set(datesOf.flat().map((entry) => entry.value))].sort().reverse();
  for (const date of dates) {
    const hours = (
      await Promise.all(
        datesOf
          .flat()
          .map(async (entry) =>
            entry.value !== date
              ? []
              : (
                  await directories(entry.path, "hour")
                )
                  .map((hour) => ({ key: `${date}T${hour.value}`, path: hour.path }))
                  .filter((hour) => (!first || hour.key >= first) && (!last || hour.key <= last)),
          ),
      )
    ).flat();
    const byHour = new Map<string, string[]>();
    await Promise.all(
      hours.map(async (hour) => {
        const files = (await entries(hour.path))
          .filter((entry) => entry.isFile() && entry.name.endsWith(".parquet"))
          .map((entry) => join(hour.path, entry.name));
        if (files.length > 0) byHour.set(hour.key, [...(byHour.get(hour.key) ?? []), ...files]);
      }),
    );
    for (const hour of [...byHour.keys()].sort().reverse()) {
      yield { hour, files: (byHour.get(hour) as string[]).sort() };
    }
  }
}

/** `YYYY-MM-DDTHH` of an instant, UTC: comparable as text with the partition names. */
const hourKey = (at: Date) => at.toISOString().slice(0, 13);

async function directories(parent: string, key: string) {
  const prefix = `${key}=`;
  return (await entries(parent, false))
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix))
    .map((entry) => ({ value: entry.name.slice(prefix.length), path: join(parent, entry.name) }));
}

async function entries(directory: string, recursive = false) {
  try {
    return await readdir(directory, { withFileTypes: true, recursive });
  } catch (error) {
    // A directory removed meanwhile (retention, compaction) holds nothing.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
