// Renders deploy/kubernetes without kubectl: the base and its components use only what this
// renders exactly as Kustomize does (`resources` concatenated; a ConfigMap patched by merging its
// `data`), and anything else in a kustomization.yaml is refused, so the test cannot pass on a
// manifest set Kustomize would render differently. `kubectl kustomize` on an overlay naming the
// base and both components gives the same objects (docs/operations.md).
import { statSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // Navigated freely by the tests, as parsed YAML is.
  // biome-ignore lint/suspicious/noExplicitAny: parsed YAML, checked against the schemas
  [field: string]: any;
};

const HANDLED = new Set(["apiVersion", "kind", "resources", "components", "patches"]);

async function documents(path: string): Promise<Manifest[]> {
  const text = await Bun.file(path).text();
  return parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]?.message}`);
    return document.toJS() as Manifest;
  });
}

function applyPatch(manifests: Manifest[], patch: Manifest, source: string) {
  if (
    patch.kind !== "ConfigMap" ||
    Object.keys(patch).some((key) => !["apiVersion", "kind", "metadata", "data"].includes(key))
  )
    throw new Error(`${source}: only ConfigMap data patches are rendered here`);
  const target = manifests.find(
    (manifest) => manifest.kind === "ConfigMap" && manifest.metadata.name === patch.metadata.name,
  );
  if (!target) throw new Error(`${source}: no ConfigMap ${patch.metadata.name} to patch`);
  target.data = { ...target.data, ...patch.data };
}

/** The objects `kubectl kustomize <directory>` prints, with `components` added on top. */
export async function renderKustomization(
  directory: string,
  components: string[] = [],
): Promise<Manifest[]> {
  const manifests = await renderDirectory(directory);
  for (const component of components) {
    const file = parse(await Bun.file(join(component, "kustomization.yaml")).text());
    if (file.kind !== "Component") throw new Error(`${component} is not a Component`);
    await addFrom(component, file, manifests);
  }
  return manifests;
}

async function renderDirectory(directory: string): Promise<Manifest[]> {
  const file = parse(await Bun.file(join(directory, "kustomization.yaml")).text());
  const manifests: Manifest[] = [];
  await addFrom(directory, file, manifests);
  for (const component of file.components ?? [])
    await addFrom(
      join(directory, component),
      parse(await Bun.file(join(directory, component, "kustomization.yaml")).text()),
      manifests,
    );
  return manifests;
}

async function addFrom(
  directory: string,
  file: Record<string, unknown> & { resources?: string[]; patches?: Array<{ path?: string }> },
  manifests: Manifest[],
) {
  const unknown = Object.keys(file).filter((key) => !HANDLED.has(key));
  if (unknown.length > 0)
    throw new Error(`${directory}/kustomization.yaml: ${unknown.join(", ")} is not rendered here`);
  for (const resource of file.resources ?? []) {
    const path = join(directory, resource);
    if (statSync(path).isDirectory()) manifests.push(...(await renderDirectory(path)));
    else manifests.push(...(await documents(path)));
  }
  for (const patch of file.patches ?? []) {
    if (!patch.path || Object.keys(patch).length !== 1)
      throw new Error(`${directory}: only patches given by path are rendered here`);
    for (const document of await documents(join(directory, patch.path)))
      applyPatch(manifests, document, patch.path);
  }
}
