// Keeps docker-compose.yml and the code in step: every modelux process in it gets exactly the
// variables its settings schema reads, on the port those settings give, in the right start order.
// No Docker engine is needed: the file is parsed and checked against shared/env/settings.ts.
import { describe, expect, test } from "bun:test";
import { posix } from "node:path";
import type * as v from "valibot";
import { parse } from "yaml";
import {
  controlPlaneSchema,
  dataPlaneSchema,
  migrateSchema,
  readSettings,
  seedSchema,
  simulatorSchema,
} from "#shared/env/settings.ts";

type SettingsSchema = v.ObjectSchema<v.ObjectEntries, undefined>;

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const root = new URL("../../", import.meta.url);
const compose = parse(await Bun.file(new URL("docker-compose.yml", root)).text(), {
  merge: true,
}) as ComposeFile;
const packageJson = (await Bun.file(new URL("package.json", root)).json()) as {
  scripts: Record<string, string>;
};
const dockerfile = await Bun.file(new URL("Dockerfile", root)).text();

/** What a user exports before `docker compose up`; everything else has to be in the file. */
const shellEnvironment = { MODELUX_SECRET_KEY: "ab".repeat(32) };

/**
 * Variables a service may carry that its schema does not read, each with the reason. Empty on
 * purpose: a variable nothing reads is a setting someone believes works and does not.
 */
const documentedExtras: Record<string, string> = {};

interface ModeluxProcess {
  schema: SettingsSchema;
  script: string;
  portSetting?: "CONTROLPLANE_PORT" | "DATAPLANE_PORT" | "SIMULATOR_PORT";
  readinessPath?: string;
}

const dataPlanes = ["dataplane-1", "dataplane-2", "dataplane-3"];
/** Run to completion and exit; no healthcheck. */
const oneShot = ["migrate", "seed"];
const dataPlane: ModeluxProcess = {
  schema: dataPlaneSchema,
  script: "dataplane",
  portSetting: "DATAPLANE_PORT",
  readinessPath: "/readyz",
};
const processes: Record<string, ModeluxProcess> = {
  migrate: { schema: migrateSchema, script: "migrate" },
  seed: { schema: seedSchema, script: "seed" },
  controlplane: {
    schema: controlPlaneSchema,
    script: "controlplane",
    portSetting: "CONTROLPLANE_PORT",
    readinessPath: "/readyz",
  },
  simulator: {
    schema: simulatorSchema,
    script: "simulator",
    portSetting: "SIMULATOR_PORT",
    readinessPath: "/_sim/health",
  },
  ...Object.fromEntries(dataPlanes.map((name) => [name, dataPlane])),
};

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** Entries valibot's object schema lets be absent (it checks the same two things). */
function requiredNames(schema: SettingsSchema): string[] {
  const optionalTypes = new Set(["optional", "exact_optional", "nullish"]);
  return Object.entries(schema.entries)
    .filter(([, entry]) => !optionalTypes.has(entry.type) && !("fallback" in entry))
    .map(([name]) => name);
}

function rawEnvironment(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((line) => [line.split("=")[0] ?? line, line.slice(line.indexOf("=") + 1)]),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, String(value ?? "")]),
  );
}

/** Compose's `${NAME}`, `${NAME:-default}`, `${NAME:?error}` and `$$`, as `up` resolves them. */
function interpolate(value: string, shell: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_match, name?: string, operator?: string, argument = "") => {
      if (!name) return "$";
      const given = shell[name];
      // With a colon, empty counts as unset; without one, only absent does.
      const unset = operator?.startsWith(":") ? !given : given === undefined;
      if (!unset) return given ?? "";
      if (operator?.endsWith("?")) throw new Error(`${name}: ${argument || "required"}`);
      return operator?.endsWith("-") ? argument : "";
    },
  );
}

function resolvedEnvironment(
  name: string,
  shell: Record<string, string | undefined> = shellEnvironment,
) {
  return Object.fromEntries(
    Object.entries(rawEnvironment(name)).map(([key, value]) => [key, interpolate(value, shell)]),
  );
}

function commandOf(name: string): string[] {
  const command = service(name).command ?? [];
  return typeof command === "string" ? command.split(/\s+/) : command;
}

/** `[host, container]` of each published port, short or long syntax. */
function portsOf(name: string): [string, number][] {
  return (service(name).ports ?? []).map((entry) => {
    if (typeof entry !== "string") return [String(entry.published ?? ""), entry.target];
    const parts = interpolate(entry, shellEnvironment)
      .replace(/\/\w+$/, "")
      .split(":");
    return [parts.at(-2) ?? "", Number(parts.at(-1))];
  });
}

function mountsOf(name: string): { source: string; target: string }[] {
  return (service(name).volumes ?? []).map((entry) => {
    if (typeof entry !== "string") return { source: entry.source ?? "", target: entry.target };
    const [source = "", target = ""] = entry.split(":");
    return { source, target };
  });
}

function healthcheckText(name: string): string {
  const check: unknown = service(name).healthcheck?.test ?? "";
  const parts = Array.isArray(check) ? check : [check];
  // An unquoted `a ? 0 : 1` in YAML turns a part into a mapping; Compose would reject it.
  const notText = parts.filter((part) => typeof part !== "string");
  if (notText.length > 0) throw new Error(`${name}: healthcheck parts must be strings`);
  return parts.join(" ");
}

function dependencies(name: string): Record<string, string | undefined> {
  const dependsOn = service(name).depends_on ?? {};
  if (Array.isArray(dependsOn)) {
    return Object.fromEntries(dependsOn.map((dependency) => [dependency, "service_started"]));
  }
  return Object.fromEntries(
    Object.entries(dependsOn).map(([dependency, spec]) => [dependency, spec.condition]),
  );
}

const workdir = [...dockerfile.matchAll(/^WORKDIR\s+(\S+)/gm)].at(-1)?.[1] ?? "/";

describe("docker-compose.yml", () => {
  test("runs the backing services, the migration, both planes and the simulator", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["postgres", "nats", ...Object.keys(processes)].sort(),
    );
  });

  describe.each(Object.keys(processes))("%s", (name) => {
    const spec = processes[name] as ModeluxProcess;

    test("sets every variable its settings schema requires", () => {
      const environment = rawEnvironment(name);
      const missing = requiredNames(spec.schema).filter((key) => !(key in environment));
      expect(missing).toEqual([]);
    });

    test("sets no variable its settings schema does not read", () => {
      const known = new Set([
        ...Object.keys(spec.schema.entries),
        ...Object.keys(documentedExtras),
      ]);
      const unknown = Object.keys(rawEnvironment(name)).filter((key) => !known.has(key));
      expect(unknown).toEqual([]);
    });

    test("starts with settings its process accepts", () => {
      expect(() => readSettings(spec.schema, resolvedEnvironment(name))).not.toThrow();
    });

    test("runs its package.json script in the modelux image", () => {
      expect(commandOf(name)).toEqual(["bun", "run", spec.script]);
      expect(packageJson.scripts[spec.script]).toBeString();
      expect(service(name).build).toBeDefined();
    });

    if (spec.portSetting) {
      const portSetting = spec.portSetting;
      test("publishes and probes the port its settings make it listen on", () => {
        const settings = readSettings(spec.schema, resolvedEnvironment(name)) as Record<
          string,
          unknown
        >;
        const listening = settings[portSetting];
        expect(portsOf(name).map(([, container]) => container)).toEqual([listening as number]);
        expect(healthcheckText(name)).toContain(
          `http://127.0.0.1:${listening}${spec.readinessPath ?? "/"}`,
        );
      });
    }
  });

  test("keeps no secret in the file: the key must come from the shell", () => {
    for (const name of Object.keys(processes)) {
      const secret = rawEnvironment(name).MODELUX_SECRET_KEY;
      if (secret !== undefined) expect(secret).toMatch(/^\$\{MODELUX_SECRET_KEY:\?[^}]+\}$/);
    }
    expect(() => resolvedEnvironment("controlplane", {})).toThrow("MODELUX_SECRET_KEY");
  });

  test("points the planes at the postgres and nats services", () => {
    const postgres = rawEnvironment("postgres");
    const databaseUrls = ["migrate", "seed", "controlplane"].map(
      (name) => new URL(resolvedEnvironment(name).DATABASE_URL ?? ""),
    );
    for (const url of databaseUrls) {
      expect(url.hostname).toBe("postgres");
      expect(url.username).toBe(postgres.POSTGRES_USER ?? "");
      expect(url.password).toBe(postgres.POSTGRES_PASSWORD ?? "");
      expect(url.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    }
    for (const name of ["controlplane", ...dataPlanes]) {
      expect(new URL(resolvedEnvironment(name).NATS_URL ?? "").hostname).toBe("nats");
    }
  });

  test("gives each data plane its own node id and host port", () => {
    const nodeIds = dataPlanes.map((name) => resolvedEnvironment(name).MODELUX_NODE_ID);
    expect(nodeIds.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(nodeIds).size).toBe(dataPlanes.length);
    const hostPorts = Object.keys(compose.services).flatMap((name) =>
      portsOf(name).map(([host]) => host),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  test("keeps each plane's data dir on a named volume", () => {
    for (const name of ["controlplane", ...dataPlanes]) {
      const settings = readSettings(
        processes[name]?.schema ?? dataPlaneSchema,
        resolvedEnvironment(name),
      );
      const dataDir = posix.resolve(workdir, String(settings.MODELUX_DATA_DIR));
      const mount = mountsOf(name).find((entry) => entry.target === dataDir);
      expect(mount?.source).toBeDefined();
      expect(compose.volumes).toHaveProperty(mount?.source ?? "");
    }
    const sources = dataPlanes.flatMap((name) => mountsOf(name).map((entry) => entry.source));
    expect(new Set(sources).size).toBe(sources.length);
  });

  test("health-checks every long-running service; migrate runs once", () => {
    for (const name of Object.keys(compose.services).filter((name) => !oneShot.includes(name))) {
      expect({ name, check: healthcheckText(name).length > 0 }).toEqual({ name, check: true });
      expect(service(name).healthcheck?.disable).not.toBe(true);
    }
    for (const name of oneShot) {
      expect(service(name).restart).toBe("no");
      expect(healthcheckText(name)).toBe("");
    }
  });

  test("starts each service once what it needs is ready", () => {
    expect(dependencies("migrate")).toMatchObject({ postgres: "service_healthy" });
    expect(dependencies("seed")).toMatchObject({ migrate: "service_completed_successfully" });
    expect(new URL(resolvedEnvironment("seed").MODELUX_SEED_SIMULATOR_URL ?? "").hostname).toBe(
      "simulator",
    );
    expect(dependencies("controlplane")).toMatchObject({
      migrate: "service_completed_successfully",
      nats: "service_healthy",
    });
    for (const name of dataPlanes) {
      expect(dependencies(name)).toMatchObject({ controlplane: "service_healthy" });
    }
  });

  test("runs NATS with JetStream, its store on a named volume and probed for JetStream", () => {
    const command = commandOf("nats");
    expect(command.some((flag) => flag === "-js" || flag === "--jetstream")).toBe(true);
    const storeFlag = command.findIndex((flag) => flag === "-sd" || flag === "--store_dir");
    const storeDir = command[storeFlag + 1];
    expect(storeFlag).toBeGreaterThan(-1);
    const mount = mountsOf("nats").find((entry) => entry.target === storeDir);
    expect(compose.volumes).toHaveProperty(mount?.source ?? "");
    const monitorFlag = command.findIndex((flag) => flag === "-m" || flag === "--http_port");
    expect(healthcheckText("nats")).toContain(
      `:${command[monitorFlag + 1]}/healthz?js-enabled-only=true`,
    );
  });

  test("names only scripts that package.json has", () => {
    for (const name of Object.keys(compose.services)) {
      const command = commandOf(name);
      if (command[0] === "bun" && command[1] === "run") {
        expect({ name, script: packageJson.scripts[command[2] ?? ""] }).toEqual({
          name,
          script: expect.any(String),
        });
      }
    }
  });
});
