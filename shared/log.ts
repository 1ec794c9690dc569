// Process logs through pino: one JSON object per line (level, time, component, msg and fields),
// or lines for a person in the embedded default; the level from MODELUX_LOG_LEVEL. Never written
// on a request's path: the data plane's access log is written from its telemetry drain.
import pino from "pino";

/** What the code is handed: a line at info. Loggers made here also log at the other levels. */
export type Logger = (message: string) => void;

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export type LogFields = Record<string, unknown>;

export interface ProcessLogger extends Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Whether a line at `level` would be written (skip building fields nobody reads). */
  enabled(level: Exclude<LogLevel, "silent">): boolean;
}

export interface LoggingOptions {
  level: LogLevel;
  format: "json" | "pretty";
  /** Where lines go; default stdout (written asynchronously, flushed at exit). */
  destination?: { write(line: string): unknown };
}

let root = makeRoot({ level: "info", format: "json" });

/** Called once by an entry point, before it logs; loggers made earlier follow the change. */
export function configureLogging(options: LoggingOptions): void {
  root = makeRoot(options);
}

/** A logger whose lines carry `component`. */
export function createLogger(component: string): ProcessLogger {
  let parent: pino.Logger | null = null;
  let child: pino.Logger = root;
  const current = () => {
    if (parent !== root) {
      parent = root;
      child = root.child({ component });
    }
    return child;
  };
  const at =
    (level: "debug" | "info" | "warn" | "error") => (message: string, fields?: LogFields) => {
      const logger = current();
      if (fields === undefined) logger[level](message);
      else logger[level](fields, message);
    };
  const info = at("info");
  return Object.assign((message: string) => info(message), {
    debug: at("debug"),
    info,
    warn: at("warn"),
    error: at("error"),
    enabled: (level: Exclude<LogLevel, "silent">) => current().isLevelEnabled(level),
  });
}

/** A warning through a logger that has levels; a plain `Logger` gets the line as it is. */
export function logWarning(log: Logger, message: string, fields?: LogFields): void {
  if (isProcessLogger(log)) log.warn(message, fields);
  else log(message);
}

/** An error through a logger that has levels; a plain `Logger` gets the line as it is. */
export function logError(log: Logger, message: string, fields?: LogFields): void {
  if (isProcessLogger(log)) log.error(message, fields);
  else log(message);
}

function isProcessLogger(log: Logger): log is ProcessLogger {
  return typeof (log as Partial<ProcessLogger>).warn === "function";
}

function makeRoot(options: LoggingOptions): pino.Logger {
  const settings: pino.LoggerOptions = {
    level: options.level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // "level":"warn" rather than 40: what log pipelines and people search for.
    formatters: { level: (label) => ({ level: label }) },
  };
  if (options.format === "pretty") {
    // Loaded only for the pretty format: a fleet node logging JSON never needs it.
    const { prettyFactory } = require("pino-pretty") as typeof import("pino-pretty");
    const format = prettyFactory({
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname,component",
      messageFormat: "{if component}{component}: {end}{msg}",
      singleLine: true,
      colorize: options.destination === undefined && process.stdout.isTTY === true,
    });
    const out = options.destination ?? process.stdout;
    // pino-pretty reads pino's numeric levels: no level formatter here.
    return pino({ level: options.level }, { write: (line: string) => out.write(format(line)) });
  }
  return pino(
    settings,
    options.destination
      ? (options.destination as pino.DestinationStream)
      : pino.destination({ dest: 1, sync: false }),
  );
}
