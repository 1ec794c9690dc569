// One embedded modelux (PGlite, in-process bus, simulator) with traffic in its request log, and
// one headless Debian chromium driven by playwright-core, shared by a browser test file.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { embeddedSchema, readSettings } from "#shared/env/settings.ts";
import { type RunningEmbedded, startEmbedded } from "../../../embedded/start.ts";
import type { Json } from "../../support/management.ts";
import { freePort } from "../../support/processes.ts";
import { waitUntil } from "../../support/wait.ts";
import { sendTraffic } from "./traffic.ts";

export const CHROMIUM = process.env.MODELUX_CHROMIUM ?? "/usr/bin/chromium";
/** Set to write each page's screenshot into docs/img (bun run docs:screenshots). */
const SCREENSHOTS = process.env.MODELUX_DASHBOARD_SCREENSHOTS === "1";

type Viewport = { width: number; height: number };

export interface Dashboard {
  base: string;
  embedded: RunningEmbedded;
  browser: Browser;
  requestIds: string[];
  /** A page at the given size whose console errors and page errors are collected. */
  open(viewport?: Viewport): Promise<{ page: Page; errors: string[] }>;
  /** A page (as `open`) signed in with the seeded owner's management key. */
  openSignedIn(viewport?: Viewport): Promise<{ page: Page; errors: string[] }>;
  /** A member made through the API with a dashboard password, and a page signed in as them. */
  openAsNewMember(
    member: { email: string; role: string; password: string },
    viewport?: Viewport,
  ): Promise<{ page: Page; errors: string[] }>;
  /** Goes to a page of the dashboard by its path and waits for its heading. */
  visit(page: Page, path: string, heading: string): Promise<void>;
  /** A Management API call with the seeded owner key. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  screenshot(page: Page, name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDashboard(): Promise<Dashboard> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), "modelux-dashboard-"));
  const settings = readSettings(embeddedSchema, {
    MODELUX_DATA_DIR: dataDir,
    MODELUX_HOST: "127.0.0.1",
    DATAPLANE_PORT: String(freePort()),
    CONTROLPLANE_PORT: String(freePort()),
    SIMULATOR_PORT: String(freePort()),
    // The tests drive one owner key through every page far faster than a person does: on a quiet
    // machine they passed the default 60 requests a minute per key and drew 429s.
    MODELUX_MANAGEMENT_RPM: "100000",
  });
  const embedded = await startEmbedded(settings, { quiet: true });
  const base = embedded.controlPlaneUrl;
  const ownerKey = embedded.seed.managementKey;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}/manage/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ownerKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  // Captured prompts and answers, so a request's page shows them.
  const project = embedded.seed.projectId;
  const servedVersion = async (): Promise<number> => {
    const ready = await fetch(`${embedded.dataPlaneUrl}/readyz`);
    return ((await ready.json()) as { snapshot_version: number }).snapshot_version;
  };
  const versionBefore = await servedVersion();
  await api("PATCH", `/projects/${project}`, { settings: { capture_content: true } });
  // The setting reaches the data plane with the next snapshot: traffic sent before it would not
  // be captured (a clean-clone CI run opened such a request's page and found no prompt).
  await waitUntil(async () => (await servedVersion()) > versionBefore, {
    timeoutMs: 30_000,
    intervalMs: 50,
    message: "the data plane did not serve the snapshot with capture_content on",
  });
  const requestIds = await sendTraffic(embedded.dataPlaneUrl, embedded.seed.proxyKey, 20);
  await waitUntil(
    async () => {
      const logs = await api("GET", `/logs?project_id=${project}&limit=100`);
      return logs.body?.data?.length >= requestIds.length;
    },
    { timeoutMs: 30_000, intervalMs: 200, message: "the traffic did not reach the request log" },
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const imageDir = join(import.meta.dir, "..", "..", "..", "docs", "img");
  const open = async (viewport: Viewport = { width: 1280, height: 800 }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    page.on("pageerror", (error) => errors.push(error.message));
    return { page, errors };
  };
  /** The sign-in page, its form filled by `fill`, sent; done when the dashboard offers sign-out. */
  const signIn = async (page: Page, fill: () => Promise<void>) => {
    await page.goto(`${base}/`);
    await fill();
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).waitFor();
  };
  return {
    base,
    embedded,
    browser,
    requestIds,
    api,
    open,
    async openSignedIn(viewport) {
      const opened = await open(viewport);
      const { page } = opened;
      await signIn(page, async () => {
        await page.getByRole("tab", { name: "Management key" }).click();
        await page.getByLabel("Management key").fill(ownerKey);
      });
      return opened;
    },
    async openAsNewMember(member, viewport) {
      const created = await api("POST", "/members", member);
      if (created.status !== 201) {
        throw new Error(`member ${member.email} not made: ${JSON.stringify(created.body)}`);
      }
      const opened = await open(viewport);
      const { page } = opened;
      await signIn(page, async () => {
        await page.getByLabel("Email").fill(member.email);
        await page.getByLabel("Password").fill(member.password);
      });
      return opened;
    },
    async visit(page, path, heading) {
      await page.goto(`${base}/#${path}`);
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
    },
    async screenshot(page, name) {
      if (!SCREENSHOTS) return;
      mkdirSync(imageDir, { recursive: true });
      await page.screenshot({ path: join(imageDir, `dashboard-${name}.png`), fullPage: true });
    },
    async stop() {
      await browser.close().catch(() => {});
      await embedded.stop({ graceMs: 100 });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
