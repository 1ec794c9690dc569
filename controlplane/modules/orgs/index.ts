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
    handler: async ({ db, caller }) => viewOrg(await getOrg(db, caller.org_id)),
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
      write(async ({ db, audit }) => {
        const before = viewOrg(await getOrg(db, caller.org_id));
        const after = body.name ? viewOrg(await renameOrg(db, caller.org_id, body.name)) : before;
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
