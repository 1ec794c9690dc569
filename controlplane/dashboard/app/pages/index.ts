// The dashboard's pages: one line each (path, navigation label, component). A page without a
// label is reached from another (a request's trace, a config's editor).
import type { ComponentType } from "preact";
import { ADMIN_PAGES } from "./admin-pages.ts";
import { Overview } from "./overview.tsx";

export interface PageEntry {
  path: string;
  label: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: wouter hands route params to each page
  component: ComponentType<any>;
}

export const PAGES: PageEntry[] = [
  { path: "/", label: "Overview", component: Overview },
  ...ADMIN_PAGES,
];
