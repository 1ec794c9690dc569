// The budgets, providers, webhooks, members, audit log and settings pages in a real browser
// (headless Debian chromium through playwright-core) against one embedded modelux: each page
// opens with data, one action per page goes through, a viewer is not offered writes, and no page
// logs a console error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import type { Json } from "../support/management.ts";
import { waitUntil } from "../support/wait.ts";
import { type Dashboard, startDashboard } from "./support/dashboard.ts";
import { sendTraffic } from "./support/traffic.ts";

describe("dashboard admin pages in a browser", () => {
  let dashboard: Dashboard;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    dashboard = await startDashboard();
    const budget = await dashboard.api("POST", "/budgets", {
      name: "org monthly",
      scope: { type: "org" },
      period: "monthly",
      cap_usd: 50,
      soft_thresholds: [0.5, 0.8],
      action: "block",
    });
    expect(budget.status).toBe(201);
    ({ page, errors } = await dashboard.openSignedIn());
  }, 90_000);
  afterAll(async () => {
    await dashboard?.stop();
  });

  const visit = (path: string, heading: string) => dashboard.visit(page, path, heading);

  test("budgets: the standing as a bar with thresholds; a budget made from the form", async () => {
    await visit("/budgets", "Budgets");
    const bar = page.getByRole("progressbar", { name: /org monthly: .* of the cap used/ });
    await bar.waitFor();
    expect(await page.locator(".budgets .threshold").count()).toBe(2);
    // The forecast (no spend yet: nothing projected, no date the cap is reached).
    expect(
      await page
        .locator(".budgets > li", { hasText: "org monthly" })
        .locator(".meta")
        .nth(1)
        .textContent(),
    ).toBe("At $0.00 a day: $0.00 (0 %) by the reset");
    const form = page.getByRole("form", { name: "Create a budget" });
    await form.getByLabel("Name").fill("support daily");
    await form.getByLabel("Period").selectOption("daily");
    await form.getByLabel("Cap (USD)").fill("5");
    await form.getByLabel("Soft thresholds (%)").fill("50, 90");
    await form.getByLabel("At the cap").selectOption("warn_only");
    await form.getByRole("button", { name: "Create budget" }).click();
    await page.getByRole("progressbar", { name: /support daily/ }).waitFor();
    const listed = await dashboard.api("GET", "/budgets");
    const made = listed.body.data.find((item: { name: string }) => item.name === "support daily");
    expect(made).toMatchObject({ period: "daily", cap_usd: 5, soft_thresholds: [0.5, 0.9] });
    expect(made.action).toBe("warn_only");
    await page.getByRole("button", { name: "Pause support daily" }).click();
    await page.getByRole("button", { name: "Resume support daily" }).waitFor();
    await page.getByText("Events of org monthly").click();
    await page.getByText("No events yet.").waitFor();
    await dashboard.screenshot(page, "budgets");
    expect(errors).toEqual([]);
  }, 30_000);

  test("budgets: the period's spend reset by hand, after a confirmation, with its event", async () => {
    const { embedded } = dashboard;
    const orgMonthly = async () =>
      (await dashboard.api("GET", "/budgets")).body.data.find(
        (item: Json) => item.name === "org monthly",
      );
    // Spend on the org budget, counted by the fleet.
    await sendTraffic(embedded.dataPlaneUrl, embedded.seed.proxyKey, 5);
    const spent = await waitUntil(
      async () => {
        const budget = await orgMonthly();
        return budget.current_period.spend_usd > 0 ? budget.current_period.spend_usd : null;
      },
      { timeoutMs: 15_000, intervalMs: 100, message: "the traffic's spend was not counted" },
    );
    await visit("/budgets", "Budgets");
    await page.getByRole("button", { name: "Reset org monthly" }).click();
    const dialog = page.getByRole("dialog", { name: "Reset org monthly for this period?" });
    expect(await dialog.textContent()).toContain("goes back to $0.00");
    // Cancelled: nothing changes.
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await orgMonthly()).current_period.reset_at).toBeNull();
    await page.getByRole("button", { name: "Reset org monthly" }).click();
    await dialog.getByRole("button", { name: "Reset", exact: true }).click();
    await page
      .locator(".budgets > li", { hasText: "org monthly" })
      .getByText(/reset by hand/)
      .waitFor();
    const after = await orgMonthly();
    expect(after.current_period.spend_usd).toBe(0);
    expect(after.current_period.reset_at).not.toBeNull();
    await page.getByText("Events of org monthly").click();
    const events = page
      .locator(".budgets > li", { hasText: "org monthly" })
      .locator("details table");
    await events.locator(".badge-reset").waitFor();
    const listed = await dashboard.api("GET", `/budgets/${after.id}/events`);
    expect(listed.body.data[0]).toMatchObject({ type: "reset", threshold: 0 });
    expect(listed.body.data[0].spend_usd).toBeGreaterThanOrEqual(spent);
    const audit = await dashboard.api("GET", "/audit-log?action=budget.reset");
    expect(audit.body.data).toHaveLength(1);
    await dashboard.screenshot(page, "budget-reset");
    expect(errors).toEqual([]);
  }, 45_000);

  test("providers: the seeded ones listed; one added without a check", async () => {
    await visit("/providers", "Providers");
    await page.getByRole("cell", { name: "anthropic", exact: true }).first().waitFor();
    const form = page.getByRole("form", { name: "Add a provider" });
    await form.getByLabel("Vendor").fill("openai");
    await form.getByLabel("Name (slug)").fill("openai-second");
    await form.getByLabel("Credential", { exact: true }).fill("sk-test-second-credential");
    await form.getByLabel("Check the credential now").uncheck();
    await form.getByRole("button", { name: "Add provider" }).click();
    const row = page.getByRole("row", { name: /openai-second/ });
    await row.waitFor();
    expect(await row.textContent()).toContain("…tial");
    expect(await row.locator(".badge").first().textContent()).toBe("skipped");
    await row.getByRole("button", { name: "Health of openai-second" }).click();
    await row.locator(".badge", { hasText: "unknown" }).waitFor();
    await dashboard.screenshot(page, "providers");
    expect(errors).toEqual([]);
  }, 30_000);

  test("providers: health from traffic shows a circuit the data plane opened", async () => {
    const { embedded } = dashboard;
    // An endpoint for provider health: the open circuit is sent as provider.health_changed.
    const hook = await dashboard.api("POST", "/webhooks", {
      url: "https://hooks.example.com/provider-health",
      event_types: ["provider.health_changed"],
    });
    expect(hook.status).toBe(201);
    // The upstream fails every call of one model: five failures in a row open its breaker.
    await fetch(`${embedded.simulatorUrl}/_sim/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4.1-mini", status: 503, count: null }),
    });
    try {
      for (let index = 0; index < 6; index++) {
        const response = await fetch(`${embedded.dataPlaneUrl}/openai/v1/chat/completions`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${embedded.seed.proxyKey}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({
            model: "gpt-4.1-mini",
            messages: [{ role: "user", content: `failing call ${index}` }],
          }),
        });
        expect(response.status).toBeGreaterThanOrEqual(500);
        await response.arrayBuffer();
      }
    } finally {
      await fetch(`${embedded.simulatorUrl}/_sim/faults`, { method: "DELETE" });
    }
    // The data plane tells the control plane at once; the requests reach the log in seconds.
    const reported = await waitUntil(
      async () => {
        const health = await dashboard.api("GET", "/provider-health");
        const row = health.body.data.data.find((item: Json) => item.model === "gpt-4.1-mini");
        return row && row.circuit_state !== "closed" ? row : null;
      },
      { timeoutMs: 30_000, intervalMs: 200, message: "the open circuit was not reported" },
    );
    expect(reported.circuit_nodes.reporting).toBe(1);
    expect(reported.status).toBe("failing");
    await visit("/providers", "Providers");
    // The page may be open since before the failures: its health is read again on demand.
    await page.getByRole("button", { name: "Refresh health" }).click();
    const row = page
      .getByRole("table", { name: "Health from traffic" })
      .getByRole("row", { name: /gpt-4\.1-mini/ });
    await row.waitFor();
    // Open, or half-open once its cool-down has passed: either way not closed, on 1 of 1.
    expect(await row.locator(".badge").last().textContent()).toMatch(/^(open|half-open)$/);
    expect(await row.textContent()).toContain("of 1 data planes");
    // The provider's own health: the last credential check and its open circuits, fleet-wide.
    await page.getByRole("button", { name: "Health of openai", exact: true }).click();
    const circuits = page
      .getByRole("table", { name: "Providers" })
      .getByRole("list", { name: "Open circuits" });
    await circuits.waitFor();
    expect(await circuits.textContent()).toMatch(/gpt-4\.1-mini: (open|half-open) on 1 of 1/);
    // Sent once to the endpoint (which cannot be reached from here: its delivery is listed).
    const sent = await waitUntil(
      async () => {
        const deliveries = await dashboard.api("GET", `/webhooks/${hook.body.data.id}/deliveries`);
        return deliveries.body.data.find(
          (delivery: Json) => delivery.event_type === "provider.health_changed",
        );
      },
      { timeoutMs: 30_000, intervalMs: 200, message: "provider.health_changed was not sent" },
    );
    const detail = await dashboard.api(
      "GET",
      `/webhooks/${hook.body.data.id}/deliveries/${sent.id}`,
    );
    expect(detail.body.data.payload.data).toMatchObject({
      provider: { name: "openai" },
      source: "circuit_breakers",
      previous: "healthy",
      current: "failing",
    });
    // The webhooks page's test below starts from no endpoint.
    expect((await dashboard.api("DELETE", `/webhooks/${hook.body.data.id}`)).status).toBe(200);
    await dashboard.screenshot(page, "provider-health");
    expect(errors).toEqual([]);
  }, 60_000);

  test("webhooks: an endpoint created (secret shown once), tested, and deleted", async () => {
    await visit("/webhooks", "Webhooks");
    const form = page.getByRole("form", { name: "Add an endpoint" });
    await form.getByLabel("URL").fill("https://hooks.example.com/modelux");
    await form.getByLabel("budget.exceeded").check();
    await form.getByRole("button", { name: "Add endpoint" }).click();
    expect(await page.getByTestId("signing-secret").textContent()).toMatch(/^whsec_/);
    const row = page.getByRole("row", { name: /hooks\.example\.com/ });
    await row.waitFor();
    await row.getByRole("button", { name: /Send a test event/ }).click();
    await page.getByRole("table", { name: "Deliveries" }).getByRole("row").nth(1).waitFor();
    await dashboard.screenshot(page, "webhooks");
    await row.getByRole("button", { name: /^Delete / }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.getByText("No endpoints yet.").waitFor();
    const left = await dashboard.api("GET", "/webhooks");
    expect(left.body.data).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  test("members: one added with a password, its role changed", async () => {
    await visit("/members", "Members and roles");
    const form = page.getByRole("form", { name: "Add a member" });
    await form.getByLabel("Email").fill("dev@example.com");
    await form.getByLabel("Role").selectOption("developer");
    await form.getByLabel(/Dashboard password/).fill("a long developer password");
    await form.getByRole("button", { name: "Add member" }).click();
    const role = page.getByLabel("Role of dev@example.com");
    await role.waitFor();
    expect(await page.getByRole("row", { name: /dev@example\.com/ }).textContent()).toContain(
      "set",
    );
    await role.selectOption("viewer");
    await waitUntil(
      async () => {
        const members = await dashboard.api("GET", "/members");
        const dev = members.body.data.find((m: { email: string }) => m.email === "dev@example.com");
        return dev?.role === "viewer";
      },
      { timeoutMs: 5000, intervalMs: 100, message: "the role change did not reach the API" },
    );
    await dashboard.screenshot(page, "members");
    expect(errors).toEqual([]);
  }, 30_000);

  test("audit log: the writes above, filtered by action", async () => {
    await visit("/audit", "Audit log");
    await page.getByRole("table", { name: "Audit entries" }).waitFor();
    await page.getByLabel("Action").fill("member.created");
    await page.getByRole("button", { name: "Filter" }).click();
    const rows = page.getByRole("table", { name: "Audit entries" }).locator("tbody tr");
    await waitUntil(
      async () =>
        (await rows.count()) === 1 &&
        (await rows.first().textContent())?.includes("member.created"),
      {
        timeoutMs: 5000,
        intervalMs: 100,
        message: "the audit log was not filtered to member.created",
      },
    );
    await rows.first().getByText("Before and after").click();
    expect(await rows.first().locator("pre").textContent()).toContain("dev@example.com");
    await dashboard.screenshot(page, "audit");
    expect(errors).toEqual([]);
  }, 30_000);

  test("settings: a limit saved; the MCP snippet names this control plane", async () => {
    await visit("/settings", "Settings");
    const rpm = page.getByLabel("Requests per minute per key (empty: no limit)");
    await rpm.fill("600");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const project = await dashboard.api("GET", `/projects/${dashboard.embedded.seed.projectId}`);
    expect(project.body.data.settings.rpm_limit).toBe(600);
    expect(project.body.data.settings.capture_content).toBe(true);
    expect(await page.locator("figure.snippet code").first().textContent()).toBe(
      `claude mcp add --transport http modelux ${dashboard.base}/mcp --header "Authorization: Bearer mlx_mk_…"`,
    );
    await dashboard.screenshot(page, "settings");
    expect(errors).toEqual([]);
  }, 30_000);

  test("a viewer sees the pages without their writes", async () => {
    const viewer = await dashboard.openAsNewMember(
      { email: "reader@example.com", role: "viewer", password: "a long reader password" },
      { width: 390, height: 800 },
    );
    const go = (path: string, heading: string) => dashboard.visit(viewer.page, path, heading);
    await go("/budgets", "Budgets");
    await viewer.page.getByRole("progressbar", { name: /org monthly/ }).waitFor();
    expect(
      await viewer.page.getByRole("button", { name: /Create budget|Pause|Reset|Delete/ }).count(),
    ).toBe(0);
    await go("/webhooks", "Webhooks");
    await viewer.page.getByRole("heading", { name: "Deliveries" }).waitFor();
    expect(await viewer.page.getByRole("form", { name: "Add an endpoint" }).count()).toBe(0);
    await go("/members", "Members and roles");
    await viewer.page.getByRole("cell", { name: "reader@example.com" }).waitFor();
    expect(await viewer.page.getByRole("button", { name: /Remove|Add member/ }).count()).toBe(0);
    await go("/audit", "Audit log");
    await viewer.page.getByText("needs the admin role").waitFor();
    await go("/settings", "Settings");
    expect(await viewer.page.getByRole("button", { name: "Save settings" }).count()).toBe(0);
    expect(
      await viewer.page.getByLabel("Requests per minute per key (empty: no limit)").isDisabled(),
    ).toBe(true);
    expect(viewer.errors).toEqual([]);
  }, 30_000);
});
