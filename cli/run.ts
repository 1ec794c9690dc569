// `modelux <command>`: parses the arguments (node:util parseArgs) and runs one command. Talks to
// the Management API only over HTTP, so it runs anywhere the control plane is reachable.
import { parseArgs } from "node:util";
import { ApiError } from "./client.ts";
import { applyCommand, diffCommand, exportCommand } from "./commands/config-as-code.ts";
import {
  experimentsRunCommand,
  keysCreateCommand,
  logsTailCommand,
  traceCommand,
} from "./commands/everyday.ts";
import { ConfigFileError } from "./config-file/yaml-file.ts";
import { EXIT, type Io, UsageError } from "./io.ts";

export const USAGE = `modelux: the modelux control plane from the command line

Usage: modelux <command> [flags]

Configuration as code:
  export [-o file] [--schema-url url]    the org as YAML (stdout unless -o)
  diff -f file [--prune]                 what apply would change; exit 0 none, 2 changes
  apply -f file [--prune] [--secrets-out file]
                                         make the org match the file; --prune deletes what
                                         the file lacks (and allows replacements)
  schema [-o file]                       the file's JSON Schema

Everyday:
  logs tail [--project slug] [--lines n] [--interval seconds] [--once]
  trace <request id> [--json]
  experiments run --project slug --baseline slug --candidate slug@version|file
                  [--since 24h] [--mode routing_only|with_responses] [--sample-size n]
                  [--spend-cap usd] [--name text] [--no-wait]
  keys create --project slug --name text [--expires-at iso] [--rpm-limit n]

Every command: --url (or MODELUX_URL, default http://127.0.0.1:8081) and
--key (or MODELUX_MANAGEMENT_KEY, a management key mlx_mk_…).
Exit codes: 0 done, 1 failed or refused, 2 diff found changes, 64 bad usage.
`;

const options = {
  url: { type: "string" },
  key: { type: "string" },
  output: { type: "string", short: "o" },
  file: { type: "string", short: "f" },
  prune: { type: "boolean" },
  "schema-url": { type: "string" },
  "secrets-out": { type: "string" },
  project: { type: "string" },
  lines: { type: "string" },
  interval: { type: "string" },
  once: { type: "boolean" },
  json: { type: "boolean" },
  baseline: { type: "string" },
  candidate: { type: "string" },
  since: { type: "string" },
  mode: { type: "string" },
  "sample-size": { type: "string" },
  "spend-cap": { type: "string" },
  name: { type: "string" },
  "no-wait": { type: "boolean" },
  "expires-at": { type: "string" },
  "rpm-limit": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0)
    throw new UsageError(`--${name}: ${value} is not a positive number`);
  return parsed;
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
  const [command, sub, argument] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? EXIT.ok : EXIT.usage;
  }
  const global = { url: values.url, key: values.key };
  const verb = sub ? `${command} ${sub}` : command;
  switch (verb) {
    case "export":
      return exportCommand(
        { ...global, output: values.output, schemaUrl: values["schema-url"] },
        io,
      );
    case "diff":
      return diffCommand({ ...global, file: values.file, prune: values.prune }, io);
    case "apply":
      return applyCommand(
        { ...global, file: values.file, prune: values.prune, secretsOut: values["secrets-out"] },
        io,
      );
    case "schema": {
      const schema = await Bun.file(
        new URL("../deploy/modelux.schema.json", import.meta.url),
      ).text();
      if (values.output) await Bun.write(values.output, schema);
      else io.out(schema);
      return EXIT.ok;
    }
    case "logs tail":
      return logsTailCommand(
        {
          ...global,
          project: values.project,
          lines: numberFlag("lines", values.lines),
          interval: numberFlag("interval", values.interval),
          once: values.once,
        },
        io,
      );
    case "experiments run":
      return experimentsRunCommand(
        {
          ...global,
          project: values.project,
          baseline: values.baseline,
          candidate: values.candidate,
          name: values.name,
          since: values.since,
          mode: values.mode,
          sampleSize: numberFlag("sample-size", values["sample-size"]),
          spendCap: numberFlag("spend-cap", values["spend-cap"]),
          wait: !values["no-wait"],
        },
        io,
      );
    case "keys create":
      return keysCreateCommand(
        {
          ...global,
          project: values.project,
          name: values.name,
          expiresAt: values["expires-at"],
          rpmLimit: numberFlag("rpm-limit", values["rpm-limit"]),
        },
        io,
      );
    default:
      if (command === "trace" && sub && !argument)
        return traceCommand({ ...global, requestId: sub, json: values.json }, io);
      throw new UsageError(`unknown command: ${positionals.join(" ")} (modelux --help)`);
  }
}

/** Runs one command line; the exit code is the result, errors are printed, never thrown. */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
    ) {
      io.err(`modelux: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ConfigFileError) {
      io.err(`modelux: the file has problems, nothing was changed: ${error.message}\n`);
      return EXIT.failed;
    }
    if (error instanceof ApiError) {
      const fields = error.fields.map((field) => `\n  ${field.field}: ${field.message}`).join("");
      io.err(`modelux: ${error.message}${fields}\n`);
      return EXIT.failed;
    }
    throw error;
  }
}
