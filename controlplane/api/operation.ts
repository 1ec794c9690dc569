// One Management API operation, declared once: the REST route, the OpenAPI entry and the MCP tool
// are all generated from this (DESIGN §10). Handlers see a narrow context, never Elysia's.
import type * as v from "valibot";
import type { ControlEvent } from "#shared/bus/envelopes.ts";
import type { StateStore } from "#shared/bus/state-store.ts";
import type { SecretBox } from "#shared/crypto/secret-box.ts";
import type { EgressPolicy } from "#shared/egress/policy.ts";
import type { ManagementSettings } from "#shared/env/settings.ts";
import type { Logger } from "#shared/log.ts";
import type { Database } from "../db/client.ts";
import type { MemberRole } from "../db/schema/index.ts";
import type { Tenant } from "../db/tenant.ts";
import type { FleetCircuits } from "../modules/provider-health/fleet-circuits.ts";
import type { ProviderCheck } from "../modules/providers/verify.ts";
import type { WarehouseQuery } from "../warehouse/query.ts";
import type { WebhookEventType } from "../webhooks/event-types.ts";
import { type FileResult, inlinedFileView } from "./file-result.ts";

export type Role = MemberRole;
export const ROLES: readonly Role[] = ["viewer", "developer", "admin", "owner"];
export const roleRank = (role: Role) => ROLES.indexOf(role);
export const roleAtLeast = (role: Role, minimum: Role) => roleRank(role) >= roleRank(minimum);

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** Who is calling: a management key acting inside one org. */
export interface Caller {
  org_id: string;
  role: Role;
  key_id: string;
}

export interface ManagementServices {
  secretBox: SecretBox;
  settings: ManagementSettings;
  /** Fast path to the fleet (key revocation); the snapshot carries the same change a little later. */
  publishControl(event: ControlEvent): Promise<void>;
  /** The bus's shared state store (cache purges), or null while the bus is not there. */
  cacheState?: () => StateStore | null;
  /** Where the control plane's own calls may go (credential checks, webhooks). */
  egress: EgressPolicy;
  /** Checks a provider credential against its upstream; injectable for tests. */
  verifyProvider: ProviderCheck;
  /** Attempts one webhook delivery now (the `test` operation) instead of waiting for the worker. */
  deliverWebhookNow(deliveryId: string): Promise<void>;
  /** Reads the request logs (logs, analytics, exports); null where no warehouse is configured. */
  warehouse: WarehouseQuery | null;
  /** The data planes' circuit breakers as last heard over the bus (provider health). */
  fleetCircuits?: FleetCircuits;
  log: Logger;
}

export interface AuditEntry {
  action: string;
  resource_type: string;
  resource_id: string | null;
  before?: unknown;
  after?: unknown;
}

/** Inside `write`: one transaction for the change, its audit row and its webhook events. */
export interface WriteContext {
  db: Database;
  /** The caller's org over the transaction: the way a module reaches its rows. */
  tenant: Tenant;
  audit(entry: AuditEntry): Promise<void>;
  emit(type: WebhookEventType, data: Record<string, unknown>): Promise<void>;
  /** Runs once the transaction has committed (bus messages must not announce a rolled-back change). */
  afterCommit(effect: () => Promise<void>): void;
}

export interface OperationContext {
  db: Database;
  /** The caller's org over the pool: the way a module reaches its rows. */
  tenant: Tenant;
  caller: Caller;
  services: ManagementServices;
  requestId: string;
  write<T>(change: (context: WriteContext) => Promise<T>): Promise<T>;
}

type ObjectSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;
type StrictSchema = v.StrictObjectSchema<
  v.ObjectEntries,
  v.ErrorMessage<v.StrictObjectIssue> | undefined
>;
export type InputObjectSchema = ObjectSchema | StrictSchema;
type Infer<S> = S extends v.GenericSchema ? v.InferOutput<S> : Record<string, never>;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/**
 * modelux.ai's published names for an operation where ours differ (docs/compatibility.md): more
 * paths it answers at (with the same parameter names), more MCP tool names, and query or body
 * fields accepted under their name (theirs → ours; sending both is a 400).
 */
export interface OperationAliases {
  paths?: readonly string[];
  tools?: readonly string[];
  fields?: Readonly<Record<string, string>>;
}

interface OperationBase<P, Q, B> {
  /** snake_case; also the MCP tool name and the OpenAPI operationId. */
  id: string;
  method: HttpMethod;
  /** Relative to /manage/v1, OpenAPI style: `/projects/{project_id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  role: Role;
  params?: P;
  query?: Q;
  body?: B;
  status?: 200 | 201 | 202;
  /** Set on operations that answer with a file (exports): the content types REST may send. */
  produces?: readonly string[];
  aliases?: OperationAliases;
}

export interface OperationSpec<P, Q, B, O extends v.GenericSchema, E extends v.GenericSchema = O>
  extends OperationBase<P, Q, B> {
  output: O;
  /**
   * For an answer too large to check and write again as objects: `output` with its large parts
   * as `EncodedJson` (`encodedJson`, encoded-json.ts). The answer is checked against this instead
   * and written once, those parts as they are; `output` stays what the API documents.
   */
  encodedOutput?: E;
  /** The answer, checked against `encodedOutput` if given, else `output`, on its way out. */
  handler(
    context: OperationContext,
    input: { params: Infer<P>; query: Infer<Q>; body: Infer<B> },
  ): Promise<v.InferInput<E>>;
}

export interface ListOperationSpec<P, Q, B, O extends v.GenericSchema>
  extends OperationBase<P, Q, B> {
  /** The schema of one item. */
  output: O;
  handler(
    context: OperationContext,
    input: { params: Infer<P>; query: Infer<Q>; body: Infer<B> },
  ): Promise<Page<v.InferInput<O>>>;
}

/** An operation answering with a file: REST streams it, MCP inlines it (file-result.ts). */
export interface FileOperationSpec<P, Q, B> extends OperationBase<P, Q, B> {
  produces: readonly string[];
  handler(
    context: OperationContext,
    input: { params: Infer<P>; query: Infer<Q>; body: Infer<B> },
  ): Promise<FileResult>;
}

/** The registry's type-erased view of an operation. */
export interface Operation
  extends OperationBase<InputObjectSchema, InputObjectSchema, InputObjectSchema> {
  list: boolean;
  output: v.GenericSchema;
  encodedOutput?: v.GenericSchema;
  handler(
    context: OperationContext,
    input: { params: unknown; query: unknown; body: unknown },
  ): Promise<unknown>;
}

export function defineOperation<
  O extends v.GenericSchema,
  P extends InputObjectSchema | undefined = undefined,
  Q extends InputObjectSchema | undefined = undefined,
  B extends InputObjectSchema | undefined = undefined,
  E extends v.GenericSchema = O,
>(spec: OperationSpec<P, Q, B, O, E>): Operation {
  return { ...(spec as unknown as Omit<Operation, "list">), list: false };
}

export function defineListOperation<
  O extends v.GenericSchema,
  P extends InputObjectSchema | undefined = undefined,
  Q extends InputObjectSchema | undefined = undefined,
  B extends InputObjectSchema | undefined = undefined,
>(spec: ListOperationSpec<P, Q, B, O>): Operation {
  return { ...(spec as unknown as Omit<Operation, "list">), list: true };
}

export function defineFileOperation<
  P extends InputObjectSchema | undefined = undefined,
  Q extends InputObjectSchema | undefined = undefined,
  B extends InputObjectSchema | undefined = undefined,
>(spec: FileOperationSpec<P, Q, B>): Operation {
  return {
    ...(spec as unknown as Omit<Operation, "list" | "output">),
    output: inlinedFileView,
    list: false,
  };
}
