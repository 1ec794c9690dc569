// Operations on the org's members.
import { defineListOperation, defineOperation } from "../../api/operation.ts";
import { deleted, deletedView } from "../../api/schemas.ts";
import {
  createMemberBody,
  listMembersQuery,
  memberParams,
  memberView,
  updateMemberBody,
} from "./model.ts";
import {
  createMember,
  deleteMember,
  getMember,
  listMembers,
  updateMember,
  viewMember,
} from "./service.ts";

const tag = "members";

export const memberOperations = [
  defineListOperation({
    id: "list_members",
    method: "GET",
    path: "/members",
    summary: "List the org's members",
    tag,
    role: "viewer",
    query: listMembersQuery,
    output: memberView,
    handler: ({ tenant }, { query }) => listMembers(tenant, query),
  }),
  defineOperation({
    id: "get_member",
    method: "GET",
    path: "/members/{member_id}",
    summary: "Get a member",
    tag,
    role: "viewer",
    params: memberParams,
    output: memberView,
    handler: async ({ tenant }, { params }) =>
      viewMember(await getMember(tenant, params.member_id)),
  }),
  defineOperation({
    id: "create_member",
    method: "POST",
    path: "/members",
    summary: "Add a member with a role",
    description:
      "Adds a person to the org. Only an owner may add another owner or set a `password` (the " +
      "member's dashboard sign-in, stored as an argon2id hash).",
    tag,
    role: "admin",
    status: 201,
    body: createMemberBody,
    output: memberView,
    handler: ({ caller, write }, { body }) =>
      write(async ({ tenant, audit }) => {
        const after = viewMember(await createMember(tenant, caller, body));
        await audit({
          action: "member.created",
          resource_type: "member",
          resource_id: after.id,
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "update_member",
    method: "PATCH",
    path: "/members/{member_id}",
    summary: "Change a member's name, role or dashboard password",
    description:
      "Keys linked to the member act with the lower of their own role and the member's, so a " +
      "demotion takes effect on the next request. The last owner cannot be demoted. Only an " +
      "owner sets or removes (`null`) the `password`; either ends the member's dashboard sessions.",
    tag,
    role: "admin",
    params: memberParams,
    body: updateMemberBody,
    output: memberView,
    handler: ({ caller, write }, { params, body }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getMember(tenant, params.member_id);
        const after = viewMember(await updateMember(tenant, caller, existing, body));
        await audit({
          action: "member.updated",
          resource_type: "member",
          resource_id: after.id,
          before: viewMember(existing),
          after,
        });
        return after;
      }),
  }),
  defineOperation({
    id: "delete_member",
    method: "DELETE",
    path: "/members/{member_id}",
    summary: "Remove a member",
    description: "Also revokes the management keys linked to the member.",
    tag,
    role: "admin",
    params: memberParams,
    output: deletedView,
    handler: ({ caller, write }, { params }) =>
      write(async ({ tenant, audit }) => {
        const existing = await getMember(tenant, params.member_id);
        await deleteMember(tenant, caller, existing);
        await audit({
          action: "member.deleted",
          resource_type: "member",
          resource_id: existing.id,
          before: viewMember(existing),
        });
        return deleted(existing.id);
      }),
  }),
];
