// The dashboard's pages: one line each (path, navigation label, component). A page without a
// label is reached from another (a request's trace, a config's editor).
import type { ComponentType } from "preact";
import { ADMIN_PAGES } from "./admin-pages.ts";
import { ConfigDetail, Configs, NewConfig } from "./configs.tsx";
import { ExperimentDetail, Experiments, NewExperiment } from "./experiments.tsx";
import { Keys } from "./keys.tsx";
import { Logs } from "./logs.tsx";
import { Overview } from "./overview.tsx";
import { ScheduledExperimentDetail, ScheduledExperiments } from "./scheduled-experiments.tsx";
import { RequestTrace } from "./trace.tsx";

export interface PageEntry {
  path: string;
  label: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: wouter hands route params to each page
  component: ComponentType<any>;
}

export const PAGES: PageEntry[] = [
  { path: "/", label: "Overview", component: Overview },
  { path: "/logs", label: "Logs", component: Logs },
  { path: "/logs/:id", label: null, component: RequestTrace },
  { path: "/configs", label: "Routing configs", component: Configs },
  { path: "/configs/new", label: null, component: NewConfig },
  { path: "/configs/:id", label: null, component: ConfigDetail },
  { path: "/experiments", label: "Experiments", component: Experiments },
  { path: "/experiments/new", label: null, component: NewExperiment },
  { path: "/experiments/scheduled", label: null, component: ScheduledExperiments },
  { path: "/experiments/scheduled/:id", label: null, component: ScheduledExperimentDetail },
  { path: "/experiments/:id", label: null, component: ExperimentDetail },
  { path: "/keys", label: "API keys", component: Keys },
  ...ADMIN_PAGES,
];
