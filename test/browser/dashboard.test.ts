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
