// CPU time and memory of a process from /proc (Linux): utime+stime of all its threads from
// /proc/<pid>/stat, resident set (VmRSS) and its lifetime peak (VmHWM) from /proc/<pid>/status.
import { readdirSync, readFileSync } from "node:fs";

/** USER_HZ: 100 on every Linux we run on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a process's threads, summed by thread name (`/proc/<pid>/task/<tid>/comm`:
 * the JavaScript thread carries the process's name, JSC's collector threads, Bun's HTTP client
 * thread and the thread pool their own), to tell the JavaScript thread's work from the
 * collector's and the runtime's.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
      byName.set(name, (byName.get(name) ?? 0) + seconds);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

export function memoryKb(pid: number): { rssKb: number; peakKb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1]);
    return { rssKb: field("VmRSS"), peakKb: field("VmHWM") };
  } catch {
    return null;
  }
}

export interface ProcessUsage {
  /** Share of one core over the window (100 = one core busy throughout). */
  cpu_pct: number;
  /** Highest VmRSS seen while sampling the window. */
  peak_rss_mb: number;
  /** VmHWM at the end: the highest the process ever reached. */
  lifetime_peak_rss_mb: number;
}

/**
 * Samples named processes while a step runs; `stop()` gives each one's usage over the window.
 * CPU is read at every sample too, so a process that exits first (the load generator) still
 * has its last reading.
 */
export class UsageWindow {
  private readonly startedAt = performance.now();
  private readonly startCpu = new Map<string, number>();
  private readonly lastCpu = new Map<string, number>();
  private readonly peakRss = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly pids: Record<string, number>) {
    for (const [name, pid] of Object.entries(pids)) this.startCpu.set(name, cpuSeconds(pid) ?? 0);
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
  }

  /** A process started inside the window (the load generator): all its CPU time counts. */
  add(name: string, pid: number): void {
    this.pids[name] = pid;
    this.startCpu.set(name, 0);
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const cpu = cpuSeconds(pid);
      if (cpu !== null) this.lastCpu.set(name, cpu);
      const memory = memoryKb(pid);
      if (memory) this.peakRss.set(name, Math.max(this.peakRss.get(name) ?? 0, memory.rssKb));
    }
  }

  stop(): Record<string, ProcessUsage> {
    this.sample();
    clearInterval(this.timer);
    const seconds = (performance.now() - this.startedAt) / 1000;
    const usage: Record<string, ProcessUsage> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const used = (this.lastCpu.get(name) ?? 0) - (this.startCpu.get(name) ?? 0);
      usage[name] = {
        cpu_pct: Math.round((1000 * used) / seconds) / 10,
        peak_rss_mb: Math.round((this.peakRss.get(name) ?? 0) / 102.4) / 10,
        lifetime_peak_rss_mb: Math.round((memoryKb(pid)?.peakKb ?? 0) / 102.4) / 10,
      };
    }
    return usage;
  }
}
