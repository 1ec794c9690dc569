// The budgets, providers, webhooks, members, audit log and settings pages, in the navigation
// after the others (index.ts spreads this list into PAGES).
import { AuditLog } from "./audit.tsx";
import { Budgets } from "./budgets.tsx";
import type { PageEntry } from "./index.ts";
import { Members } from "./members.tsx";
import { Providers } from "./providers.tsx";
import { Settings } from "./settings.tsx";
import { Webhooks } from "./webhooks.tsx";

export const ADMIN_PAGES: PageEntry[] = [
  { path: "/budgets", label: "Budgets", component: Budgets },
  { path: "/providers", label: "Providers", component: Providers },
  { path: "/webhooks", label: "Webhooks", component: Webhooks },
  { path: "/members", label: "Members", component: Members },
  { path: "/audit", label: "Audit log", component: AuditLog },
  { path: "/settings", label: "Settings", component: Settings },
];
