// Operations on experiments (replay of a window of traffic against a candidate routing config)
// and the replay of one logged request.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import { replayRequest } from "../../experiments/replay-request.ts";
import { resolveResponseComparison } from "../../experiments/response-comparison.ts";
import { getLog, warehouseOf } from "../logs/service.ts";
import {
  createExperimentBody,
  experimentParams,
  experimentView,
  listExperimentsQuery,
  promoteExperimentBody,
  promotionView,
  replayLogBody,
  replayLogParams,
  replayView,
} from "./model.ts";
import { EXPERIMENT_FIELD_ALIASES } from "./published-body.ts";
import {
  cancelExperiment,
  createExperiment,
  deleteExperiment,
  getExperiment,
  listExperiments,
  promoteExperiment,
  viewExperiment,
} from "./service.ts";
import { latestValidation } from "./validations.ts";

const tag = "experiments";

export const experimentOperations = [
  defineOperation({
    id: "create_experiment",
    method: "POST",
    path: "/experiments",
    summary: "Replay a window of a project's traffic against a candidate routing config",
    description:
      "Queues the experiment (202) and runs it in the control plane: routing_only re-decides " +
      "each request with the candidate and predicts cost, latency and errors from the window " +
      "(no provider calls); with_responses re-sends a sample of requests with captured content " +
      "through a private replay data plane under spend_cap_usd and compares the answers " +
      "(embedding similarity, optional judge). Poll get_experiment for progress, summaries and the verdict; " +
      "experiment.completed (and experiment.regression_detected on a fail) follow.",
    aliases: { fields: EXPERIMENT_FIELD_ALIASES },
    tag,
    role: "developer",
    status: 202,
    body: createExperimentBody,
    output: experimentView,
    handler: ({ caller, write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const after = viewExperiment(await createExperiment(tenant, caller, body));
        await audit({
          action: "experiment.created",
          resource_type: "experiment",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
  defineListOperation({
    id: "list_experiments",
    method: "GET",
    path: "/experiments",
    summary: "List experiments, newest first",
    tag,
    role: "viewer",
    query: listExperimentsQuery,
    output: experimentView,
    handler: ({ tenant }, { query }) => listExperiments(tenant, query),
  }),
  defineOperation({
    id: "get_experiment",
    method: "GET",
    path: "/experiments/{experiment_id}",
    summary: "Get an experiment: status, progress, both summaries, the diff and the verdict",
    description:
      "Once promoted, `validation` holds the replay's prediction (cost per request, p50/p95 " +
      "latency, error rate) and, after the promoted version has served a comparable window, what " +
      "it actually did and the relative error of each figure.",
    tag,
    role: "viewer",
    params: experimentParams,
    output: experimentView,
    handler: async ({ tenant }, { params }) =>
      viewExperiment(
        await getExperiment(tenant, params.experiment_id),
        await latestValidation(tenant, params.experiment_id),
      ),
  }),
  defineOperation({
    id: "cancel_experiment",
    method: "POST",
    path: "/experiments/{experiment_id}/cancel",
    summary: "Cancel a queued or running experiment",
    tag,
    role: "developer",
    params: experimentParams,
    output: experimentView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getExperiment(tenant, params.experiment_id);
        const after = viewExperiment(await cancelExperiment(tenant, existing));
        await audit({
          action: "experiment.cancelled",
          resource_type: "experiment",
          resource_id: existing.id,
          before: viewExperiment(existing),
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "delete_experiment",
    method: "DELETE",
    path: "/experiments/{experiment_id}",
    summary: "Delete an experiment (a running one stops)",
    tag,
    role: "developer",
    params: experimentParams,
    output: deletedView,
    handler: ({ write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getExperiment(tenant, params.experiment_id);
        await deleteExperiment(tenant, existing);
        await audit({
          action: "experiment.deleted",
          resource_type: "experiment",
          resource_id: existing.id,
          before: viewExperiment(existing),
        });
        return deleted(existing.id);
      }),
  }),
  defineOperation({
    id: "promote_experiment",
    method: "POST",
    path: "/experiments/{experiment_id}/promote",
    summary:
      "Promote a completed experiment: its candidate becomes the baseline config's next version",
    description:
      "Saves the candidate as a new version of the baseline config, as save_routing_config " +
      "would (checked again, audited, routing_config.updated); data planes serve it within a " +
      "second. Refused for an experiment that is not completed, and without force for a fail. " +
      "The replay's prediction is kept and checked against what the version serves " +
      "(experiment.validated).",
    tag,
    role: "developer",
    params: experimentParams,
    body: promoteExperimentBody,
    output: promotionView,
    handler: ({ caller, write }, { params, body }) =>
      write(async (context) =>
        promoteExperiment(
          context,
          caller,
          await getExperiment(context.tenant, params.experiment_id),
          body,
        ),
      ),
  }),
  defineOperation({
    id: "replay_log",
    method: "POST",
    path: "/logs/{request_id}/replay",
    summary:
      "Re-decide one logged request with another routing config, both decisions side by side",
    description:
      "The recorded decision trace beside what routing decides with routing_config (an object, " +
      '"slug@version" or a slug) from the request\'s recorded features. With send: true the ' +
      "request (its captured prompt) is also re-sent through a private replay data plane with " +
      "routing_config deciding, and the answer comes back beside the recorded one with their " +
      "embedding similarity (and a judge's verdict when asked); otherwise nothing is sent upstream.",
    tag,
    role: "developer",
    params: replayLogParams,
    body: replayLogBody,
    output: replayView,
    handler: async ({ tenant, caller, services }, { params, body }) => {
      const row = await getLog(
        warehouseOf(services),
        caller.org_id,
        params.request_id,
        body.created_at,
      );
      return replayRequest(
        tenant.db,
        tenant.orgId,
        row,
        body.routing_config,
        body.send
          ? {
              secretBox: services.secretBox,
              spendCapUsd: body.spend_cap_usd ?? null,
              comparison: resolveResponseComparison(body.response_comparison),
            }
          : null,
      );
    },
  }),
];
