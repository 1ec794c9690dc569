// Process logs (shared/log.ts): one JSON object per line with level, time, component and fields;
// MODELUX_LOG_LEVEL filters; the pretty format reads as a line per event; a plain Logger (what
// tests hand in) still gets warnings through the helpers.
import { afterEach, describe, expect, test } from "bun:test";
import { configureLogging, createLogger, type LogLevel, logWarning } from "#shared/log.ts";

function capture(level: LogLevel, format: "json" | "pretty" = "json"): string[] {
  const lines: string[] = [];
  configureLogging({ level, format, destination: { write: (line: string) => lines.push(line) } });
  return lines;
}

describe("process logs", () => {
  afterEach(() => configureLogging({ level: "info", format: "json" }));

  test("a JSON object per line: level, time, component, message and fields", () => {
    const lines = capture("info");
    createLogger("dataplane[dp-1]").warn("bus unreachable", { retry_in_ms: 500 });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: "warn",
      component: "dataplane[dp-1]",
      msg: "bus unreachable",
      retry_in_ms: 500,
    });
    expect(Number.isNaN(Date.parse(entry.time as string))).toBe(false);
  });

  test("levels filter: below the configured level nothing is written", () => {
    const lines = capture("warn");
    const log = createLogger("controlplane");
    log("listening"); // info, the plain call
    log.debug("detail");
    log.warn("slow");
    log.error("failed");
    expect(lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual([
      "warn",
      "error",
    ]);
    expect(log.enabled("debug")).toBe(false);
    expect(log.enabled("error")).toBe(true);
  });

  test("a logger made before configuration follows it", () => {
    const log = createLogger("early");
    const lines = capture("debug");
    log.debug("now visible");
    expect(lines).toHaveLength(1);
  });

  test("pretty: one readable line with time, level, component and message", () => {
    const lines = capture("info", "pretty");
    createLogger("modelux").info("serving snapshot 3");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: modelux: serving snapshot 3\n$/);
  });

  test("logWarning: a level where the logger has one, the line as it is where not", () => {
    const lines = capture("info");
    logWarning(createLogger("bus"), "spool growing");
    expect((JSON.parse(lines[0] as string) as { level: string }).level).toBe("warn");
    const plain: string[] = [];
    logWarning((message) => plain.push(message), "spool growing");
    expect(plain).toEqual(["spool growing"]);
  });
});
