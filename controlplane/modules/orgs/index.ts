// Operations on the caller's org.
import { defineOperation } from "../../api/operation.ts";
import { orgView, updateOrgBody } from "./model.ts";
import { getOrg, renameOrg, viewOrg } from "./service.ts";

export const orgOperations = [
  defineOperation({
    id: "get_org",
    method: "GET",
    path: "/org",
    summary: "Get the caller's org",
    tag: "orgs",
    role: "viewer",
    output: orgView,
    handler: async ({ tenant }) => viewOrg(await getOrg(tenant)),
  }),
  defineOperation({
    id: "update_org",
    method: "PATCH",
    path: "/org",
    summary: "Rename the caller's org",
    tag: "orgs",
    role: "owner",
    body: updateOrgBody,
    output: orgView,
    handler: ({ caller, write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const before = viewOrg(await getOrg(tenant));
        const after = body.name ? viewOrg(await renameOrg(tenant, body.name)) : before;
        await audit({
          action: "org.updated",
          resource_type: "org",
          resource_id: caller.org_id,
          before,
          after,
        });
        return after;
      }),
  }),
];
