// `modelux export`, `modelux diff -f` and `modelux apply -f`: the org as a YAML file.
import { writeFile } from "node:fs/promises";
import { observe } from "../config-file/observe.ts";
import type { ConfigFile } from "../config-file/schema.ts";
import { readConfigFile, writeConfigFile } from "../config-file/yaml-file.ts";
import { clientFrom, EXIT, type Io, UsageError } from "../io.ts";
import { applyPlan, existingProjectIds, missingCredentials } from "../plan/apply.ts";
import { buildPlan } from "../plan/plan.ts";
import { countChanges, renderPlan } from "../plan/render.ts";

export interface GlobalFlags {
  url?: string;
  key?: string;
}

export async function exportCommand(
  flags: GlobalFlags & { output?: string; schemaUrl?: string },
  io: Io,
): Promise<number> {
  const observed = await observe(clientFrom(flags, io));
  for (const warning of observed.warnings) io.err(`warning: ${warning}\n`);
  const text = writeConfigFile(observed.file, flags.schemaUrl);
  if (flags.output) {
    await Bun.write(flags.output, text);
    io.err(`wrote ${flags.output}\n`);
  } else io.out(text);
  return EXIT.ok;
}

async function readFileFlag(file: string | undefined): Promise<ConfigFile> {
  if (!file) throw new UsageError("-f <file> is required (the file export wrote)");
  const handle = Bun.file(file);
  if (!(await handle.exists())) throw new UsageError(`${file}: no such file`);
  return readConfigFile(await handle.text(), file);
}

export async function diffCommand(
  flags: GlobalFlags & { file?: string; prune?: boolean },
  io: Io,
): Promise<number> {
  const desired = await readFileFlag(flags.file);
  const observed = await observe(clientFrom(flags, io));
  const plan = buildPlan(desired, observed, { env: io.env });
  io.out(renderPlan(plan, flags.prune ?? false));
  return countChanges(plan, flags.prune ?? false).total > 0 ? EXIT.changes : EXIT.ok;
}

export async function applyCommand(
  flags: GlobalFlags & { file?: string; prune?: boolean; secretsOut?: string },
  io: Io,
): Promise<number> {
  const prune = flags.prune ?? false;
  const desired = await readFileFlag(flags.file);
  const client = clientFrom(flags, io);
  const observed = await observe(client);
  const plan = buildPlan(desired, observed, { env: io.env });
  io.out(renderPlan(plan, prune));
  const missing = missingCredentials(plan, io.env);
  if (missing.length > 0) {
    io.err(`refused, nothing changed: credentials missing\n${lines(missing)}`);
    return EXIT.failed;
  }
  const replacements = plan.changes.filter((change) => change.action === "replace");
  if (replacements.length > 0 && !prune) {
    io.err(
      "refused, nothing changed: replacing deletes the object first, and apply deletes only " +
        `with --prune\n${lines(replacements.map((change) => change.address))}`,
    );
    return EXIT.failed;
  }
  if (countChanges(plan, prune).total === 0) return EXIT.ok;
  const secrets: Record<string, Record<string, string>> = {};
  await applyPlan(client, plan, {
    prune,
    env: io.env,
    projectIds: existingProjectIds(observed.ids),
    progress: (line) => io.out(`${line}\n`),
    reveal: (address, what, secret) => {
      if (flags.secretsOut) secrets[address] = { ...secrets[address], [what]: secret };
      else io.out(`  ${address} ${what} (shown once, store it now): ${secret}\n`);
    },
  });
  if (flags.secretsOut && Object.keys(secrets).length > 0) {
    await writeFile(flags.secretsOut, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    io.out(`new secrets (shown once) written to ${flags.secretsOut}\n`);
  }
  io.out("Apply complete.\n");
  return EXIT.ok;
}

const lines = (items: string[]) => items.map((item) => `  ${item}\n`).join("");
