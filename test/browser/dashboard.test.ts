// The dashboard in a real browser (headless Debian chromium through playwright-core) against the
// embedded default with traffic in its log: what a person signing in sees and can do, by keyboard
// too, at 1280×800 and on a narrow screen, with no console errors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Json } from "../support/management.ts";
import { type Dashboard, startDashboard } from "./support/dashboard.ts";

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

  test("find a request in the logs, open its trace, replay it against another config", async () => {
    const { page, errors } = await dashboard.open();
    await dashboard.signInWithKey(page, dashboard.embedded.seed.managementKey);
    await page.getByRole("link", { name: "Logs" }).click();
    await page.getByRole("heading", { name: "Logs" }).waitFor();
    const rows = page.getByRole("table", { name: "Requests" }).locator("tbody tr");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(dashboard.requestIds.length);
    // Filtered on the server: the failed requests only.
    await page.getByLabel("Status").selectOption("4xx");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForFunction(
      'document.querySelectorAll("table[aria-label=Requests] tbody tr").length === 4',
    );
    await page.getByLabel("Status").selectOption("");
    await page.getByLabel("Model").fill("gpt-4.1-nano");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForFunction(
      'document.querySelectorAll("table[aria-label=Requests] tbody tr").length === 4',
    );
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
    const { page, errors } = await dashboard.open();
    await dashboard.signInWithKey(page, dashboard.embedded.seed.managementKey);
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

  test("create an experiment, follow it, promote the candidate with confirmation", async () => {
    const { page, errors } = await dashboard.open();
    await dashboard.signInWithKey(page, dashboard.embedded.seed.managementKey);
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

  test("create a proxy key, shown once, then revoke it", async () => {
    const { page, errors } = await dashboard.open();
    await dashboard.signInWithKey(page, dashboard.embedded.seed.managementKey);
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
    const created = await dashboard.api("POST", "/members", {
      email: "viewer@example.com",
      role: "viewer",
      password: "a long viewer password",
    });
    expect(created.status).toBe(201);
    const { page, errors } = await dashboard.open({ width: 390, height: 800 });
    await dashboard.signInAsMember(page, "viewer@example.com", "a long viewer password");
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
