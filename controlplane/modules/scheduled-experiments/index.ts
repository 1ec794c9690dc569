// Operations on scheduled experiments (docs/experiments.md#scheduled-experiments): an
// experiment's definition replayed on a cron over the last `window_hours` of traffic, judged by
// its success criteria on every run, with the history of its runs.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import {
  createScheduleBody,
  listRunsQuery,
  listSchedulesQuery,
  runParams,
  runView,
  scheduleParams,
  scheduleView,
  updateScheduleBody,
} from "./model.ts";
import { PUBLISHED_PATH, SCHEDULE_FIELD_ALIASES } from "./published-body.ts";
import {
  createSchedule,
  deleteSchedule,
  getRun,
  getSchedule,
  listRuns,
  listSchedules,
  runScheduleNow,
  setScheduleStatus,
  updateSchedule,
} from "./service.ts";
import { viewSchedule } from "./views.ts";

const tag = "scheduled-experiments";
const COLLECTION = "/scheduled-experiments";
const ITEM = `${COLLECTION}/{scheduled_experiment_id}`;
/** modelux.ai's path for the same item (`/scheduled_experiments/{…}`). */
const published = (suffix = "") => ({
  paths: [`${PUBLISHED_PATH}/{scheduled_experiment_id}${suffix}`],
});

export const scheduledExperimentOperations = [
  defineOperation({
    id: "create_scheduled_experiment",
    method: "POST",
    path: COLLECTION,
    summary: "Replay the last window of traffic against a candidate on a cron, judged each run",
    description:
      "Each fire of cron_expression (UTC) queues an experiment over the window_hours before " +
      "it, with this definition, judged by success_criteria; experiment.completed follows every " +
      "run, experiment.regression_detected the first failing run of a regression. The candidate " +
      "and baseline are checked as create_experiment checks them.",
    aliases: { paths: [PUBLISHED_PATH], fields: SCHEDULE_FIELD_ALIASES },
    tag,
    role: "developer",
    status: 201,
    body: createScheduleBody,
    output: scheduleView,
    handler: ({ caller, write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const after = viewSchedule(await createSchedule(tenant, caller, body, Date.now()));
        await audit({
          action: "scheduled_experiment.created",
          resource_type: "scheduled_experiment",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
  defineListOperation({
    id: "list_scheduled_experiments",
    method: "GET",
    path: COLLECTION,
    summary: "List scheduled experiments, newest first",
    aliases: { paths: [PUBLISHED_PATH] },
    tag,
    role: "viewer",
    query: listSchedulesQuery,
    output: scheduleView,
    handler: ({ tenant }, { query }) => listSchedules(tenant, query),
  }),
  defineOperation({
    id: "get_scheduled_experiment",
    method: "GET",
    path: ITEM,
    summary: "Get a scheduled experiment: its definition, next fire, last verdict and regression",
    aliases: published(),
    tag,
    role: "viewer",
    params: scheduleParams,
    output: scheduleView,
    handler: async ({ tenant }, { params }) =>
      viewSchedule(await getSchedule(tenant, params.scheduled_experiment_id)),
  }),
  defineOperation({
    id: "update_scheduled_experiment",
    method: "PATCH",
    path: ITEM,
    summary: "Change a scheduled experiment's definition, cron or window",
    description:
      "Checked as at creation. A new cron_expression moves the next fire. Changing what is " +
      "asked (baseline, candidate, window, filters, mode, sample, criteria) closes an open " +
      "regression: the next failing run opens a new one.",
    aliases: { ...published(), fields: SCHEDULE_FIELD_ALIASES },
    tag,
    role: "developer",
    params: scheduleParams,
    body: updateScheduleBody,
    output: scheduleView,
    handler: ({ write }, { params, body }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getSchedule(tenant, params.scheduled_experiment_id);
        const after = viewSchedule(await updateSchedule(tenant, existing, body, Date.now()));
        await audit({
          action: "scheduled_experiment.updated",
          resource_type: "scheduled_experiment",
          resource_id: existing.id,
          before: viewSchedule(existing),
          after,
        });
        return after;
      }),
  }),
  ...(["pause", "resume"] as const).map((action) =>
    defineOperation({
      id: `${action}_scheduled_experiment`,
      method: "POST",
      path: `${ITEM}/${action}`,
      summary:
        action === "pause"
          ? "Pause a scheduled experiment: no run fires until it is resumed"
          : "Resume a paused scheduled experiment from its next fire after now",
      aliases: published(`/${action}`),
      tag,
      role: "developer",
      params: scheduleParams,
      output: scheduleView,
      handler: ({ write }, { params }) =>
        write(async ({ tenant, audit }) => {
          const existing = await getSchedule(tenant, params.scheduled_experiment_id);
          const status = action === "pause" ? "paused" : "active";
          const after = viewSchedule(await setScheduleStatus(tenant, existing, status, Date.now()));
          await audit({
            action: `scheduled_experiment.${action === "pause" ? "paused" : "resumed"}`,
            resource_type: "scheduled_experiment",
            resource_id: existing.id,
            before: viewSchedule(existing),
            after,
          });
          return after;
        }),
    }),
  ),
  defineOperation({
    id: "delete_scheduled_experiment",
    method: "DELETE",
    path: ITEM,
    summary: "Delete a scheduled experiment and its run history (a run in flight is cancelled)",
    description: "The experiments its past runs queued stay (list_experiments shows them).",
    aliases: published(),
    tag,
    role: "developer",
    params: scheduleParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getSchedule(tenant, params.scheduled_experiment_id);
        await deleteSchedule(tenant, existing);
        await audit({
          action: "scheduled_experiment.deleted",
          resource_type: "scheduled_experiment",
          resource_id: existing.id,
          before: viewSchedule(existing),
        });
        return deleted(existing.id);
      }),
  }),
  defineOperation({
    id: "run_scheduled_experiment",
    method: "POST",
    path: `${ITEM}/run`,
    summary: "Run a scheduled experiment now, over the window_hours before now",
    description:
      "Queues a run (202) as a fire would, paused or not, without moving the next fire; " +
      "refused (409) while the previous run is queued or running.",
    aliases: published("/run"),
    tag,
    role: "developer",
    status: 202,
    params: scheduleParams,
    output: runView,
    handler: ({ caller, write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getSchedule(tenant, params.scheduled_experiment_id);
        const run = await runScheduleNow(tenant, caller, existing, Date.now());
        await audit({
          action: "scheduled_experiment.run",
          resource_type: "scheduled_experiment",
          resource_id: existing.id,
          after: run,
        });
        return run;
      }),
  }),
  defineListOperation({
    id: "list_scheduled_experiment_runs",
    method: "GET",
    path: `${ITEM}/runs`,
    summary: "A scheduled experiment's runs, newest first: verdict, deltas, regression",
    aliases: published("/runs"),
    tag,
    role: "viewer",
    params: scheduleParams,
    query: listRunsQuery,
    output: runView,
    handler: async ({ tenant }, { params, query }) =>
      listRuns(tenant, await getSchedule(tenant, params.scheduled_experiment_id), query),
  }),
  defineOperation({
    id: "get_scheduled_experiment_run",
    method: "GET",
    path: `${ITEM}/runs/{run_id}`,
    summary: "One run of a scheduled experiment",
    aliases: published("/runs/{run_id}"),
    tag,
    role: "viewer",
    params: runParams,
    output: runView,
    handler: async ({ tenant }, { params }) =>
      getRun(tenant, await getSchedule(tenant, params.scheduled_experiment_id), params.run_id),
  }),
];
