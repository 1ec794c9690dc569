// `modelux.yaml` in and out. Reading checks the file against its schema, every routing config
// against the one the control plane saves with, and that nothing is named twice, reporting each
// problem with its place in the file; writing is stable (same org, same text).
import * as v from "valibot";
import { parseDocument, stringify } from "yaml";
import { validateRoutingConfig } from "#shared/routing/validate.ts";
import { formatPath } from "#shared/validation/field-path.ts";
import { type ConfigFile, configFileSchema } from "./schema.ts";

/** Where editors find the schema unless `--schema-url` says otherwise: beside the file. */
export const DEFAULT_SCHEMA_URL = "./modelux.schema.json";

export class ConfigFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigFileError";
  }
}

export function writeConfigFile(file: ConfigFile, schemaUrl = DEFAULT_SCHEMA_URL): string {
  const header = [
    `# yaml-language-server: $schema=${schemaUrl}`,
    "# modelux configuration: `modelux diff -f <file>` shows what `modelux apply -f <file>` changes.",
    "",
  ].join("\n");
  // No folding and no anchors: a line per value, so a change is one line of a diff.
  return header + stringify(file, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function readConfigFile(text: string, source: string): ConfigFile {
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0)
    throw new ConfigFileError(
      source,
      document.errors.map((error) => error.message.split("\n")[0] ?? error.message),
    );
  const result = v.safeParse(configFileSchema, document.toJS() ?? {});
  if (!result.success)
    throw new ConfigFileError(
      source,
      result.issues.map((issue) => {
        const path = formatPath((issue.path ?? []).map((item) => item.key as string | number));
        const message = issue.expected === "never" ? "unknown field" : issue.message;
        return path ? `${path}: ${message}` : message;
      }),
    );
  const problems = [...duplicates(result.output), ...routingConfigProblems(result.output)];
  if (problems.length > 0) throw new ConfigFileError(source, problems);
  return result.output;
}

function duplicates(file: ConfigFile): string[] {
  const problems: string[] = [];
  const once = <T>(list: T[] | undefined, path: string, key: (item: T) => string) => {
    const seen = new Set<string>();
    list?.forEach((item, index) => {
      const name = key(item);
      if (seen.has(name)) problems.push(`${path}[${index}]: ${name} is already in the file`);
      seen.add(name);
    });
  };
  once(file.projects, "projects", (project) => project.slug);
  file.projects?.forEach((project, index) => {
    once(project.routing_configs, `projects[${index}].routing_configs`, (config) => config.slug);
    once(project.api_keys, `projects[${index}].api_keys`, (key) => key.name);
  });
  once(file.providers, "providers", (provider) => provider.name);
  once(file.price_overrides, "price_overrides", (entry) => `${entry.vendor}/${entry.model}`);
  once(file.budgets, "budgets", (budget) => budget.name);
  once(file.webhooks, "webhooks", (webhook) => webhook.url);
  return problems;
}

function routingConfigProblems(file: ConfigFile): string[] {
  const problems: string[] = [];
  file.projects?.forEach((project, projectIndex) => {
    project.routing_configs?.forEach((entry, index) => {
      const result = validateRoutingConfig(entry.config);
      if (result.ok) return;
      const place = `projects[${projectIndex}].routing_configs[${index}].config`;
      for (const error of result.errors)
        problems.push(`${error.path ? `${place}.${error.path}` : place}: ${error.message}`);
    });
  });
  return problems;
}
