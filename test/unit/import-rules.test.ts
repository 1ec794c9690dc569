// The seam between the planes (docs/architecture.md), checked over every import of product code:
// static, re-exports, type-only, dynamic `import()`, `import("…").T` types and `require`. Biome
// (biome.json, `noRestrictedImports`) checks the same rules where it can see them; it does not
// see `require` or `import("…")` in a type, and a dynamic import whose module is computed cannot
// be checked at all, so this test refuses those too.
import { describe, expect, test } from "bun:test";
import { join, posix, relative } from "node:path";
import ts from "typescript";

const ROOT = join(import.meta.dir, "../..");
const PRODUCT = ["shared", "dataplane", "controlplane", "embedded", "simulator", "scripts", "cli"];
/** The data plane's library face: all the control plane may import of it. */
const LIBRARY_FACE = "dataplane/in-process.ts";
/** What embedded/ may import of the data plane: a node, and the library face. */
const DATA_PLANE_ENTRY_POINTS = ["dataplane/node.ts", LIBRARY_FACE];
/**
 * What embedded/ may import of the control plane: its composition root, and what opens,
 * migrates and seeds the embedded database.
 */
const CONTROL_PLANE_ENTRY_POINTS = [
  "controlplane/node.ts",
  "controlplane/db/client.ts",
  "controlplane/seed/dev-seed.ts",
];

interface ImportSite {
  line: number;
  kind: string;
  /** Null when the module is computed at run time. */
  specifier: string | null;
}

/** Every module a source file names, with how and where. */
function importSites(fileName: string, source: string): ImportSite[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node, kind: string, module: ts.Node | undefined) => {
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    const literal = module && ts.isStringLiteralLike(module) ? module.text : null;
    sites.push({ line: line + 1, kind, specifier: literal });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) add(node, "import", node.moduleSpecifier);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier)
      add(node, "export from", node.moduleSpecifier);
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    )
      add(node, "import =", node.moduleReference.expression);
    else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      add(node, "import() type", ts.isLiteralTypeNode(argument) ? argument.literal : undefined);
    } else if (ts.isCallExpression(node)) {
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword)
        add(node, "dynamic import()", node.arguments[0]);
      else if (ts.isIdentifier(node.expression) && node.expression.text === "require")
        add(node, "require()", node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return sites;
}

/** The repository path a specifier names, or null for a package (`elysia`, `node:fs`). */
function resolveSpecifier(from: string, specifier: string): string | null {
  if (specifier.startsWith("#shared/")) return `shared/${specifier.slice("#shared/".length)}`;
  if (specifier.startsWith(".")) return posix.join(posix.dirname(from), specifier);
  if (specifier.startsWith("/")) return relative(ROOT, specifier).split("\\").join("/");
  return null;
}

/** Which rule importing `to` from `from` breaks (both repository paths), or null. */
function brokenRule(from: string, to: string): string | null {
  const source = from.split("/")[0];
  const target = to.split("/")[0];
  if (target === "bench" || target === "test") return "product code never imports bench/ or test/";
  if (source === "shared" && (target === "dataplane" || target === "controlplane"))
    return "shared/ imports neither plane";
  if (source === "cli" && target !== "cli" && target !== "shared")
    return "cli/ talks to the control plane over HTTP and imports only shared/";
  if (source === "simulator" && (target === "dataplane" || target === "controlplane"))
    return "simulator/ imports neither plane (it stands in for the vendors)";
  if (
    from.startsWith("dataplane/wire/") &&
    target === "dataplane" &&
    !to.startsWith("dataplane/wire/")
  )
    return "dataplane/wire/ (the wire formats both surfaces and providers read) imports only shared/";
  if (
    from.startsWith("dataplane/surfaces/") &&
    to.startsWith("dataplane/providers/") &&
    to !== "dataplane/providers/adapter.ts"
  )
    return "a surface sees only the adapter interface (dataplane/providers/adapter.ts), never a vendor";
  if (source === "dataplane" && target === "controlplane")
    return "dataplane/ never imports controlplane/";
  if (source === "controlplane" && target === "dataplane" && to !== LIBRARY_FACE)
    return `controlplane/ imports the data plane only through ${LIBRARY_FACE}`;
  if (source === "embedded" && target === "dataplane" && !DATA_PLANE_ENTRY_POINTS.includes(to))
    return `embedded/ imports the data plane only through ${DATA_PLANE_ENTRY_POINTS.join(" or ")}`;
  if (
    source === "embedded" &&
    target === "controlplane" &&
    !CONTROL_PLANE_ENTRY_POINTS.includes(to)
  )
    return `embedded/ imports the control plane only through ${CONTROL_PLANE_ENTRY_POINTS.join(", ")}`;
  return null;
}

/** Each broken rule in one file (a repository path), as `file:line kind "specifier": rule`. */
function violations(file: string, sites: readonly ImportSite[]): string[] {
  const found: string[] = [];
  for (const site of sites) {
    const where = `${file}:${site.line} ${site.kind}`;
    if (site.specifier === null) {
      found.push(`${where}: names its module by a computed value, which no rule can check`);
      continue;
    }
    const target = resolveSpecifier(file, site.specifier);
    const rule = target === null ? null : brokenRule(file, target);
    if (rule) found.push(`${where} "${site.specifier}": ${rule}`);
  }
  return found;
}

async function productFiles(): Promise<string[]> {
  const files: string[] = [];
  const glob = new Bun.Glob("**/*.{ts,tsx,mts,cts,js,mjs,cjs}");
  for (const folder of PRODUCT)
    for await (const path of glob.scan({ cwd: join(ROOT, folder) }))
      files.push(`${folder}/${path.split("\\").join("/")}`);
  return files.sort();
}

describe("import rules", () => {
  test("product code keeps them: shared/ imports neither plane, dataplane/ never controlplane/, controlplane/ only the library face, cli/ only shared/, none bench/ or test/", async () => {
    const files = await productFiles();
    const found: string[] = [];
    let crossPlane = 0;
    for (const file of files) {
      const source = await Bun.file(join(ROOT, file)).text();
      const sites = importSites(file, source);
      found.push(...violations(file, sites));
      for (const site of sites) {
        const target = site.specifier && resolveSpecifier(file, site.specifier);
        if (file.startsWith("controlplane/") && target?.startsWith("dataplane/")) crossPlane++;
      }
    }
    expect(found).toEqual([]);
    // The scan reads what it should: the control plane's replay does use the data plane.
    expect(files).toContain(LIBRARY_FACE);
    expect(crossPlane).toBeGreaterThan(0);
  });

  test("each kind of import that breaks a rule is found, and what the rules allow is not", () => {
    const broken: Array<[string, string]> = [
      ["shared/http/x.ts", 'import { a } from "../../dataplane/in-process.ts";'],
      ["shared/x.ts", 'import type { A } from "../controlplane/db/client.ts";'],
      ["dataplane/routing/x.ts", 'export { a } from "../../controlplane/main.ts";'],
      ["dataplane/wire/openai/x.ts", 'import { a } from "../../providers/openai/errors.ts";'],
      ["dataplane/surfaces/openai/x.ts", 'import { a } from "../../providers/openai/index.ts";'],
      ["dataplane/x.ts", 'const a = await import("../bench/overhead/main.ts");'],
      ["simulator/x.ts", 'import { a } from "../dataplane/providers/registry.ts";'],
      ["controlplane/experiments/x.ts", 'import { a } from "../../dataplane/routing/plan.ts";'],
      ["controlplane/x.ts", 'type A = import("../dataplane/server.ts").A;'],
      ["controlplane/x.ts", 'const a = require("../dataplane/context.ts");'],
      ["controlplane/x.ts", 'import "../test/support/services.ts";'],
      ["controlplane/x.ts", "const a = await import(modulePath);"],
      ["embedded/x.ts", 'import { a } from "../dataplane/server.ts";'],
      ["embedded/x.ts", 'import { a } from "../controlplane/server.ts";'],
      ["embedded/x.ts", 'import { a } from "../controlplane/publisher/snapshot-publisher.ts";'],
      ["embedded/x.ts", 'import type { A } from "../controlplane/management.ts";'],
      ["embedded/x.ts", 'import { a } from "../bench/overhead/main.ts";'],
      ["scripts/x.ts", 'import { a } from "../test/support/services.ts";'],
      ["cli/x.ts", 'import { a } from "../controlplane/api/registry.ts";'],
      ["cli/commands/x.ts", 'import type { A } from "../../dataplane/in-process.ts";'],
      ["cli/x.ts", 'import { a } from "../scripts/generate-price-catalog.ts";'],
    ];
    for (const [file, source] of broken)
      expect([file, violations(file, importSites(file, source))]).toEqual([
        file,
        [expect.any(String)],
      ]);

    const allowed: Array<[string, string]> = [
      ["controlplane/experiments/x.ts", 'import { a } from "../../dataplane/in-process.ts";'],
      ["controlplane/x.ts", 'const a = await import("../dataplane/in-process.ts");'],
      ["controlplane/x.ts", 'import { a } from "#shared/errors/gateway-error.ts";'],
      ["dataplane/x.ts", 'import { a } from "#shared/log.ts"; import { b } from "elysia";'],
      ["dataplane/wire/openai/x.ts", 'import { a } from "../validation-error.ts";'],
      ["dataplane/surfaces/openai/x.ts", 'import type { A } from "../../providers/adapter.ts";'],
      ["embedded/x.ts", 'import { a } from "../dataplane/node.ts";'],
      ["embedded/x.ts", 'import { a } from "../controlplane/node.ts";'],
      ["embedded/x.ts", 'import { a } from "../controlplane/db/client.ts";'],
      ["embedded/x.ts", 'import { a } from "../controlplane/seed/dev-seed.ts";'],
      ["embedded/x.ts", 'import { a } from "../simulator/server.ts";'],
      ["simulator/x.ts", 'import { a } from "#shared/env/settings.ts";'],
      ["scripts/x.ts", 'import { a } from "../dataplane/providers/capability-matrix.ts";'],
      ["cli/commands/x.ts", 'import { a } from "#shared/crypto/secret-box.ts";'],
      ["cli/commands/x.ts", 'import { a } from "../client.ts"; import { b } from "yaml";'],
    ];
    for (const [file, source] of allowed)
      expect([file, violations(file, importSites(file, source))]).toEqual([file, []]);
  });
});
