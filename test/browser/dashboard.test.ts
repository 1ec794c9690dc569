// The dashboard in a real browser (headless Debian chromium through playwright-core) against the
// embedded default with traffic in its log: what a person signing in sees and can do, by keyboard
// too, at 1280×800 and on a narrow screen, with no console errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Locator } from "playwright-core";
import type { Json } from "../support/management.ts";
import { waitUntil } from "../support/wait.ts";
import { type Dashboard, startDashboard } from "./support/dashboard.ts";

/**
 * Waits until the list holds `count` rows, each containing `text` when given. Polled from here
 * rather than with page.waitForFunction: the page's CSP refuses the eval a string predicate
 * needs once it has to poll.
 */
async function listShows(rows: Locator, count: number, text?: string) {
  await waitUntil(
    async () => {
      const texts = await rows.allTextContents();
      return texts.length === count && (!text || texts.every((row) => row.includes(text)));
    },
    { timeoutMs: 15_000, message: `the list did not show ${count} requests ${text ?? ""}` },
  );
}

describe("dashboard in a browser", () => {
  let dashboard: Dashboard;

  beforeAll(async () => {
    dashboard = await startDashboard();
  }, 90_000);
  afterAll(async () => {
    await dashboard?.stop();
  });

  test("a key signs in by keyboard and the overview draws the traffic", async () => {
    const { page, errors } = await dashboard.open();
    await page.goto(`${dashboard.base}/`);
    await page.getByRole("tab", { name: "Management key" }).click();
    const field = page.getByLabel("Management key");
    await field.focus();
    await page.keyboard.type(dashboard.embedded.seed.managementKey);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    const requests = page.locator(".tiles div", { hasText: "Requests" }).locator("dd");
    await expect(requests.textContent()).resolves.toBe(String(dashboard.requestIds.length));
    // Five charts, each a drawn canvas with a text summary for screen readers.
    const charts = page.locator("figure.chart");
    await charts.nth(4).locator("canvas").first().waitFor();
    expect(await charts.count()).toBe(5);
    expect(await charts.first().locator("[role=img]").getAttribute("aria-label")).toBe(
      `Requests: ${dashboard.requestIds.length} requests in total`,
    );
    const errorRate = await page.locator(".tiles div", { hasText: "Error rate" }).locator("dd");
    expect(await errorRate.textContent()).not.toBe("0.0 %");
    // Split by model: one line per model in the legend.
    await page.getByLabel("Split by").selectOption("model");
    await page.locator(".u-legend", { hasText: "gpt-4o-mini" }).first().waitFor();
    await dashboard.screenshot(page, "overview");
    // The skip link and the navigation are reachable by keyboard.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
    expect(errors).toEqual([]);
  }, 60_000);

  test("the overview splits the traffic by route; the logs filter by route and trace id", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    await page.getByLabel("Split by").selectOption("route");
    // One series per routing config, and one for the requests that named a model directly.
    for (const name of ["@default", "@fallback", "@cheap", "(no config)"]) {
      await page.locator(".u-legend", { hasText: name }).first().waitFor();
    }
    const split = await dashboard.api(
      "GET",
      `/analytics/report?${new URLSearchParams({
        start: new Date(Date.now() - 86_400_000).toISOString(),
        end: new Date(Date.now() + 3_600_000).toISOString(),
        group_by: "route",
      })}`,
    );
    const perRoute: Record<string, number> = {};
    for (const point of split.body.data.series as Json[]) {
      const name = point.group ?? "none";
      perRoute[name] = (perRoute[name] ?? 0) + point.requests;
    }
    // Five models in turn over 20 requests: four each, two of them named directly.
    expect(perRoute).toEqual({ default: 4, fallback: 4, cheap: 4, none: 8 });
    await dashboard.screenshot(page, "overview-route");

    await page.getByRole("link", { name: "Logs" }).click();
    const rows = page.getByRole("table", { name: "Requests" }).locator("tbody tr");
    await rows.first().waitFor();
    await page.getByLabel("Route").fill("@cheap");
    await page.getByRole("button", { name: "Search" }).click();
    await listShows(rows, 4, "@cheap v1");
    await page.getByLabel("Route").fill("");
    await page.getByLabel("Trace id").fill("trace-2");
    await page.getByRole("button", { name: "Search" }).click();
    await listShows(rows, 5);
    const traced = await dashboard.api("GET", "/logs?trace_id=trace-2&limit=100");
    // Each row links to its request's page: #/logs/<request id>.
    const ids = (
      await rows
        .locator("a")
        .evaluateAll((links) => links.map((link) => link.getAttribute("href") ?? ""))
    ).map((href) => decodeURIComponent(href.split("/").pop() ?? ""));
    expect(ids.sort()).toEqual(traced.body.data.map((row: Json) => row.request_id).sort());
    expect(errors).toEqual([]);
  }, 60_000);

  test("find a request in the logs, open its trace, replay it against another config", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("link", { name: "Logs" }).click();
    await page.getByRole("heading", { name: "Logs" }).waitFor();
    const rows = page.getByRole("table", { name: "Requests" }).locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(dashboard.requestIds.length);
    // Filtered on the server: the failed requests only.
    await page.getByLabel("Status").selectOption("4xx");
    await page.getByRole("button", { name: "Search" }).click();
    await listShows(rows, 4, "4xx");
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Model").fill("gpt-4.1-nano");
    await page.getByRole("button", { name: "Search" }).click();
    await listShows(rows, 4, "gpt-4.1-nano");
    await dashboard.screenshot(page, "logs");
    await rows.first().getByRole("link").click();
    await page.getByRole("heading", { name: "Candidates" }).waitFor();
    const candidates = page.getByRole("heading", { name: "Candidates" }).locator("xpath=..");
    await expect(candidates.locator(".badge-chosen").first().textContent()).resolves.toBe("chosen");
    expect(await page.getByRole("table", { name: "Attempts" }).locator("tbody tr").count()).toBe(1);
    expect(await page.locator("svg.timeline rect").count()).toBe(1);
    await expect(page.locator("pre").first().textContent()).resolves.toContain("Question number");
    await page.getByLabel("Routing config").selectOption("default");
    await page.getByRole("button", { name: "Replay (routing only)" }).click();
    const replayed = page.getByRole("status");
    await replayed.waitFor();
    expect(await replayed.textContent()).toContain("Different decision");
    expect(await replayed.textContent()).toContain("gpt-4o-mini");
    await dashboard.screenshot(page, "trace");
    expect(errors).toEqual([]);
  }, 60_000);

  test("edit a config: a validation error at its field, then save, then roll back", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("link", { name: "Routing configs" }).click();
    await page.getByRole("link", { name: "@fallback" }).click();
    const editor = page.getByLabel("Config (JSON)");
    await editor.waitFor();
    const original = await editor.inputValue();
    await editor.fill(original.replace('"timeout_ms": 10000', '"timeout_ms": -5'));
    await page.getByRole("button", { name: "Save a new version" }).click();
    const problems = page.getByRole("list", { name: "Problems by field" });
    await problems.waitFor();
    const problem = await problems.textContent();
    expect(problem).toContain("attempts.0.timeout_ms");
    const line = original.split("\n").findIndex((text) => text.includes("timeout_ms")) + 1;
    expect(problem).toContain(`line ${line}`);
    expect(await editor.getAttribute("aria-invalid")).toBe("true");
    await dashboard.screenshot(page, "config-error");
    await editor.fill(original.replace('"timeout_ms": 10000', '"timeout_ms": 5000'));
    await page.getByLabel("Change message").fill("shorter first attempt");
    await page.getByRole("button", { name: "Save a new version" }).click();
    await page.getByText("Version 2", { exact: true }).waitFor();
    // Side by side: version 1 against version 2.
    const diff = page.getByRole("region", { name: "Differences between v1 and v2" });
    await expect(diff.locator(".removed").first().textContent()).resolves.toContain("10000");
    await expect(diff.locator(".added").first().textContent()).resolves.toContain("5000");
    await dashboard.screenshot(page, "config");
    await page.getByRole("button", { name: "Roll back to version 1" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
    await page.getByText("Version 3", { exact: true }).waitFor();
    await expect(editor.inputValue()).resolves.toContain('"timeout_ms": 10000');
    // The one failed request is the refused save; the browser logs it, nothing else.
    expect(errors).toEqual([
      "Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]);
  }, 60_000);

  test("a config's dry run shows the plan a request would get, unsaved JSON and saved versions", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("link", { name: "Routing configs" }).click();
    await page.getByRole("link", { name: "@fallback" }).click();
    const editor = page.getByLabel("Config (JSON)");
    await editor.waitFor();
    const dryRun = page.getByRole("button", { name: "Dry run", exact: true });
    const result = page.getByRole("status", { name: "Dry run result" });
    await dryRun.click();
    await result.waitFor();
    expect(await result.textContent()).toContain(
      "Would serve openai / gpt-4o (fallback of @fallback",
    );
    const plan = result.getByRole("list", { name: "Plan" });
    expect(await plan.locator("li").allTextContents()).toEqual([
      "openai / gpt-4o (timeout 10000 ms)",
      "openai / gpt-4o-mini",
    ]);
    // The candidates and why, from the decision trace.
    await result.getByRole("heading", { name: "Candidates" }).waitFor();
    // The editor's JSON, not saved: the plan follows it.
    const original = await editor.inputValue();
    await editor.fill(original.replace('"model": "gpt-4o",', '"model": "gpt-4.1-nano",'));
    const resultShows = (text: string) =>
      waitUntil(async () => (await result.textContent())?.includes(text), {
        timeoutMs: 10_000,
        message: `the dry run did not show ${text}`,
      });
    await dryRun.click();
    await resultShows("Would serve openai / gpt-4.1-nano (fallback of @fallback, inline");
    await dashboard.screenshot(page, "config-dry-run");
    // A saved version instead; the config itself did not change.
    await page.getByRole("form", { name: "Dry run" }).getByLabel("Config").selectOption("1");
    await dryRun.click();
    await resultShows("Would serve openai / gpt-4o (fallback of @fallback, fallback@1");
    const config = await dashboard.api("GET", "/routing-configs?slug=fallback");
    expect(JSON.stringify(config.body.data[0].config)).not.toContain("gpt-4.1-nano");
    expect(errors).toEqual([]);
  }, 60_000);

  test("create an experiment, follow it, promote the candidate with confirmation", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("link", { name: "Experiments" }).click();
    await page.getByRole("link", { name: "New experiment" }).click();
    await page.getByLabel("Name").fill("nano for everything");
    await page.getByLabel("Baseline (the config in production)").selectOption("default");
    await page.getByLabel("Candidate config").selectOption("cheap@1");
    await page.getByRole("button", { name: "Start the experiment" }).click();
    await page.getByRole("heading", { name: "nano for everything" }).waitFor();
    await page.locator(".badge-completed").waitFor({ timeout: 45_000 });
    const compare = page.getByRole("table", { name: "Measures, baseline against candidate" });
    expect(await compare.locator("tbody tr").count()).toBe(4);
    expect(await page.getByRole("table", { name: "Transitions" }).textContent()).toContain(
      "gpt-4.1-nano",
    );
    await dashboard.screenshot(page, "experiment");
    await page.getByRole("button", { name: "Promote the candidate" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.textContent()).toContain("@default");
    await dialog.getByRole("button", { name: "Promote" }).click();
    const status = page.getByRole("status");
    await status.waitFor();
    expect(await status.textContent()).toContain("@default is now version 2");
    const config = await dashboard.api("GET", "/routing-configs?slug=default");
    expect(config.body.data[0].config).toEqual({ strategy: "single", model: "gpt-4.1-nano" });
    await page.getByRole("link", { name: "← Experiments" }).click();
    await page.getByRole("table", { name: "Experiments" }).waitFor();
    await dashboard.screenshot(page, "experiments");
    expect(errors).toEqual([]);
  }, 90_000);

  test("schedule an experiment, run it now and read the run, pause it, delete it", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("link", { name: "Experiments" }).click();
    await page.getByRole("link", { name: "Scheduled experiments" }).click();
    await page.getByText("No scheduled experiments yet.").waitFor();
    const form = page.getByRole("form", { name: "Schedule an experiment" });
    await form.getByLabel("Name").fill("nightly cheap check");
    await form.getByLabel("Baseline (the config in production)").selectOption("default");
    const cheap = await dashboard.api("GET", "/routing-configs?slug=cheap");
    await form
      .getByLabel("Candidate config")
      .selectOption(`cheap@${cheap.body.data[0].current_version}`);
    await form.getByLabel("Schedule (cron, UTC)").fill("0 3 * * *");
    await form.getByLabel("Hours of traffic each run replays").fill("24");
    await form.getByLabel("Metric").selectOption("cost_delta_pct");
    await form.getByLabel("Comparison").selectOption("lte");
    await form.getByLabel("Value").fill("0");
    await form.getByRole("button", { name: "Schedule" }).click();
    const row = page.getByRole("row", { name: /nightly cheap check/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("0 3 * * *");
    expect(await row.locator(".badge").first().textContent()).toBe("active");
    const [schedule] = (await dashboard.api("GET", "/scheduled-experiments")).body.data;
    expect(schedule).toMatchObject({
      name: "nightly cheap check",
      cron_expression: "0 3 * * *",
      window_hours: 24,
      baseline_config: "default",
      success_criteria: { predicates: [{ metric: "cost_delta_pct", op: "lte", value: 0 }] },
    });
    expect(schedule.next_run_at).toMatch(/T03:00:00/);

    // Run now: the run is queued, the experiment runner replays it; its row fills in.
    await row.getByRole("button", { name: "Run nightly cheap check now" }).click();
    await row.getByRole("link", { name: "nightly cheap check" }).click();
    await page.getByRole("heading", { name: "nightly cheap check" }).waitFor();
    const runs = page.getByRole("table", { name: "Runs" });
    await waitUntil(
      async () => {
        await page.getByRole("button", { name: "Refresh runs" }).click();
        return (await runs.textContent())?.includes("completed") ?? false;
      },
      { timeoutMs: 45_000, intervalMs: 500, message: "the run did not complete" },
    );
    const run = runs.getByRole("row").nth(1);
    expect(await run.textContent()).toContain("manual");
    expect(await run.locator(".badge").nth(1).textContent()).toMatch(/^(pass|fail|inconclusive)$/);
    await run.getByRole("link", { name: "the experiment" }).click();
    await page.locator(".badge-completed").waitFor();
    await dashboard.screenshot(page, "scheduled-experiment-run");

    // Paused: no next run; then deleted, after a confirmation.
    await page.getByRole("link", { name: "← Experiments" }).click();
    await page.getByRole("link", { name: "Scheduled experiments" }).click();
    const listed = page.getByRole("row", { name: /nightly cheap check/ });
    await listed.getByRole("button", { name: "Pause nightly cheap check" }).click();
    await listed.locator(".badge", { hasText: "paused" }).waitFor();
    expect(
      (await dashboard.api("GET", `/scheduled-experiments/${schedule.id}`)).body.data.next_run_at,
    ).toBeNull();
    await dashboard.screenshot(page, "scheduled-experiments");
    await listed.getByRole("button", { name: "Delete nightly cheap check" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.getByText("No scheduled experiments yet.").waitFor();
    expect(errors).toEqual([]);
  }, 90_000);

  test("create a proxy key, shown once, then revoke it", async () => {
    const { page, errors } = await dashboard.openSignedIn();
    await page.getByRole("link", { name: "API keys" }).click();
    // The seeded proxy key is listed once the project is known.
    await page.getByRole("table", { name: "Proxy keys (this project)" }).waitFor();
    const form = page.getByRole("form", { name: "Create a proxy key" });
    await form.getByLabel("Name").fill("browser-made key");
    await form.getByRole("button", { name: "Create a proxy key" }).click();
    const secret = page.getByTestId("new-key");
    await secret.waitFor();
    const key = (await secret.textContent()) ?? "";
    expect(key).toMatch(/^mlx_sk_/);
    const listed = await dashboard.api("GET", "/api-keys");
    const made = listed.body.data.find((item: Json) => item.name === "browser-made key");
    expect(key.startsWith(made.prefix)).toBe(true);
    await dashboard.screenshot(page, "keys");
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByTestId("new-key").count()).toBe(0);
    await page.getByRole("button", { name: "Revoke browser-made key" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await page
      .getByRole("button", { name: "Revoke browser-made key" })
      .waitFor({ state: "detached" });
    const after = await dashboard.api("GET", `/api-keys/${made.id}`);
    expect(after.body.data.status).toBe("revoked");
    expect(errors).toEqual([]);
  }, 60_000);

  test("a member signs in with email and password; a viewer is denied a write", async () => {
    const { page, errors } = await dashboard.openAsNewMember(
      { email: "viewer@example.com", role: "viewer", password: "a long viewer password" },
      { width: 390, height: 800 },
    );
    await expect(page.locator(".who").textContent()).resolves.toContain("viewer");
    // The page's own fetch with the session cookie and CSRF token: the API refuses a viewer.
    const denied = await page.evaluate(async () => {
      const session: Json = await (await fetch("/auth/session")).json();
      const response = await fetch("/manage/v1/projects", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.data.csrf_token },
        body: JSON.stringify({ name: "nope", slug: "nope" }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("needs the admin role");
    // On a narrow screen the navigation sits behind the menu button.
    const menu = page.getByRole("button", { name: "Menu" });
    expect(await menu.isVisible()).toBe(true);
    expect(await page.getByRole("navigation", { name: "Pages" }).isVisible()).toBe(false);
    await menu.click();
    expect(await page.getByRole("navigation", { name: "Pages" }).isVisible()).toBe(true);
    await dashboard.screenshot(page, "narrow");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to modelux" }).waitFor();
    expect(errors.filter((error) => !error.includes("403"))).toEqual([]);
  }, 60_000);
});
