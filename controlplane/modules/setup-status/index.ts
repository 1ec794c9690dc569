// The setup status: the MCP server's starting point, also on REST.
import { defineOperation } from "../../api/operation.ts";
import { setupStatusView } from "./model.ts";
import { setupStatus } from "./service.ts";

export const setupStatusOperations = [
  defineOperation({
    id: "get_setup_status",
    method: "GET",
    path: "/setup-status",
    summary: "What is configured, and what is missing to serve a first request",
    description:
      "Checks for a project, a provider whose credential passed its check, a live proxy key and " +
      "a routing config (optional while bare model names resolve), and names the tool for each " +
      "missing step. When ready, gives a first request to try.",
    tag: "setup",
    role: "viewer",
    output: setupStatusView,
    handler: ({ tenant }) => setupStatus(tenant),
  }),
];
