// The Dockerfile, parsed (dockerfile-ast; no Docker engine here): a pinned base image, a
// HEALTHCHECK that tells a live process from a dead one, and DuckDB's extensions installed at
// build time into the directory the warehouse then loads them from, without any download.
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { DockerfileParser } from "dockerfile-ast";
import { controlPlaneSchema } from "#shared/env/settings.ts";
import {
  loadExtensions,
  WAREHOUSE_EXTENSIONS,
} from "../../controlplane/warehouse/duckdb-extensions.ts";

const root = join(import.meta.dir, "../..");
const dockerfile = DockerfileParser.parse(await Bun.file(join(root, "Dockerfile")).text());
const instructions = dockerfile.getInstructions();
const argumentsOf = (instruction: (typeof instructions)[number]) =>
  instruction.getArguments().map((argument) => argument.getValue());

/** `${NAME}` in a FROM, resolved from the ARG defaults before it. */
function resolvedImages(): string[] {
  const defaults = new Map<string, string>();
  const images: string[] = [];
  for (const instruction of instructions) {
    const [first = ""] = argumentsOf(instruction);
    if (instruction.getKeyword() === "ARG") {
      const [name, value = ""] = first.split("=");
      defaults.set(name ?? "", value);
    } else if (instruction.getKeyword() === "FROM") {
      images.push(
        first.replace(/\$\{(\w+)\}/g, (_match, name: string) => defaults.get(name) ?? ""),
      );
    }
  }
  return images;
}

function environment(): Map<string, string> {
  const found = new Map<string, string>();
  for (const instruction of instructions.filter((item) => item.getKeyword() === "ENV"))
    for (const pair of argumentsOf(instruction)) {
      const [name, value = ""] = pair.split("=");
      found.set(name ?? "", value);
    }
  return found;
}

describe("Dockerfile", () => {
  test("every stage starts from an exact Bun release, not a moving tag", () => {
    const images = resolvedImages();
    expect(images.length).toBeGreaterThan(0);
    for (const image of images)
      expect(image).toMatch(/^oven\/bun:\d+\.\d+\.\d+(-\w+)?(@sha256:[0-9a-f]{64})?$/);
  });

  test("installs the warehouse's DuckDB extensions at build time where the warehouse loads them", () => {
    const directory = environment().get("MODELUX_DUCKDB_EXTENSION_DIR");
    expect(directory).toStartWith("/");
    expect(Object.keys(controlPlaneSchema.entries)).toContain("MODELUX_DUCKDB_EXTENSION_DIR");
    const keywords = instructions.map((instruction) => instruction.getKeyword());
    const install = instructions.findIndex(
      (instruction) =>
        instruction.getKeyword() === "RUN" &&
        argumentsOf(instruction).join(" ") ===
          `bun scripts/install-duckdb-extensions.ts ${directory}`,
    );
    expect(install).toBeGreaterThan(-1);
    // After the sources are copied in, before the image drops root (the directory stays root's).
    expect(install).toBeGreaterThan(keywords.lastIndexOf("COPY"));
    expect(install).toBeLessThan(keywords.indexOf("USER"));
  });

  test("with MODELUX_DUCKDB_EXTENSION_DIR the warehouse loads from there and downloads nothing", async () => {
    const directory = mkdtempSync(join(tmpdir(), "modelux-extensions-"));
    const instance = await DuckDBInstance.create(":memory:");
    const duckdb = await instance.connect();
    // An empty directory: the load fails naming it, and nothing was fetched into it.
    await expect(loadExtensions(duckdb, WAREHOUSE_EXTENSIONS, directory)).rejects.toThrow(
      `${directory}/`,
    );
    expect(readdirSync(directory)).toEqual([]);
    duckdb.closeSync();
    instance.closeSync();
  });

  test("the HEALTHCHECK passes while a plane answers and fails when none does", async () => {
    const check = instructions.find((instruction) => instruction.getKeyword() === "HEALTHCHECK");
    const command = check ? argumentsOf(check).join(" ") : "";
    expect(command).toContain('CMD ["bun", "scripts/healthcheck.ts"]');
    const closed = Bun.serve({ port: 0, fetch: () => new Response("") });
    const closedPort = String(closed.port);
    await closed.stop(true);
    const run = async (env: Record<string, string>) =>
      Bun.spawn(["bun", "scripts/healthcheck.ts"], {
        cwd: root,
        env: { ...process.env, ...env },
      }).exited;
    const controlPlane = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: (request) =>
        new URL(request.url).pathname === "/healthz"
          ? Response.json({ ok: true })
          : new Response("", { status: 404 }),
    });
    const ports = { DATAPLANE_PORT: closedPort, SIMULATOR_PORT: closedPort };
    expect(await run({ ...ports, CONTROLPLANE_PORT: String(controlPlane.port) })).toBe(0);
    await controlPlane.stop(true);
    expect(await run({ ...ports, CONTROLPLANE_PORT: closedPort })).toBe(1);
  });
});
