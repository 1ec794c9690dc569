// The dashboard's page and assets, bundled by Bun's HTML bundler from controlplane/dashboard/app
// (Preact, wouter-preact, uPlot from node_modules): built in memory once per process, at the
// control plane's start (controlplane/node.ts, before it listens), or on the first request after
// a failed build; nothing is fetched from the internet and nothing is written to disk.
import { join } from "node:path";

export const ASSET_PREFIX = "/assets/";

export interface DashboardBundle {
  html: string;
  /** By file name under /assets/. */
  assets: Map<string, { body: Uint8Array; type: string }>;
}

const ENTRY = join(import.meta.dir, "app", "index.html");
let building: Promise<DashboardBundle> | null = null;

/** The bundle, built on the first call; a failed build is retried by the next call. */
export function dashboardBundle(): Promise<DashboardBundle> {
  building ??= build().catch((error) => {
    building = null;
    throw error;
  });
  return building;
}

async function build(): Promise<DashboardBundle> {
  const result = await Bun.build({
    entrypoints: [ENTRY],
    minify: true,
    publicPath: ASSET_PREFIX,
    target: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  if (!result.success) {
    throw new Error(`the dashboard did not build: ${result.logs.map(String).join("; ")}`);
  }
  let html: string | null = null;
  const assets = new Map<string, { body: Uint8Array; type: string }>();
  for (const output of result.outputs) {
    const name = output.path.replace(/^\.\//, "");
    if (name.endsWith(".html")) html = await output.text();
    else assets.set(name, { body: new Uint8Array(await output.arrayBuffer()), type: output.type });
  }
  if (html === null) throw new Error("the dashboard build made no page");
  return { html, assets };
}
