// What of an upstream's file or batch answer reaches the client: the fields of the vendor's
// documented object (OpenAI's File, Batch and list; Anthropic's file metadata, Message Batch and
// list), nothing else, and only when the answer is of that shape (an internal page or another
// API's JSON is a 502).
import { GatewayError } from "#shared/errors/gateway-error.ts";

export type Json = Record<string, unknown>;

export interface Shape {
  name: string;
  fields: readonly string[];
  /** What marks the object (e.g. `object: "file"`). */
  is(json: Json): boolean;
}

const OPENAI_FILE: Shape = {
  name: "a file",
  fields: [
    "id",
    "object",
    "bytes",
    "created_at",
    "expires_at",
    "filename",
    "purpose",
    "status",
    "status_details",
  ],
  is: (json) => json.object === "file" && typeof json.id === "string",
};
const OPENAI_BATCH: Shape = {
  name: "a batch",
  fields: [
    "id",
    "object",
    "endpoint",
    "model",
    "errors",
    "input_file_id",
    "completion_window",
    "status",
    "output_file_id",
    "error_file_id",
    "created_at",
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
    "request_counts",
    "metadata",
    "usage",
  ],
  is: (json) => json.object === "batch" && typeof json.id === "string",
};
const OPENAI_DELETED: Shape = {
  name: "a deletion",
  fields: ["id", "object", "deleted"],
  is: (json) => typeof json.id === "string" && typeof json.deleted === "boolean",
};
const ANTHROPIC_FILE: Shape = {
  name: "a file",
  fields: [
    "id",
    "type",
    "filename",
    "mime_type",
    "size_bytes",
    "created_at",
    "downloadable",
    "scope",
  ],
  is: (json) => json.type === "file" && typeof json.id === "string",
};
const ANTHROPIC_BATCH: Shape = {
  name: "a message batch",
  fields: [
    "id",
    "type",
    "processing_status",
    "request_counts",
    "ended_at",
    "created_at",
    "expires_at",
    "archived_at",
    "cancel_initiated_at",
    "results_url",
  ],
  is: (json) => json.type === "message_batch" && typeof json.id === "string",
};
const ANTHROPIC_DELETED: Shape = {
  name: "a deletion",
  fields: ["id", "type"],
  is: (json) =>
    typeof json.id === "string" && typeof json.type === "string" && json.type.endsWith("_deleted"),
};

export const SHAPES = {
  openai: { file: OPENAI_FILE, batch: OPENAI_BATCH, deleted: OPENAI_DELETED },
  anthropic: { file: ANTHROPIC_FILE, batch: ANTHROPIC_BATCH, deleted: ANTHROPIC_DELETED },
} as const;

export type ShapeName = keyof (typeof SHAPES)["openai"];

/** The upstream's JSON read as one object of the shape. */
export async function readObject(response: Response, shape: Shape, where: string): Promise<Json> {
  const json = await readJson(response, where);
  const picked = json === null ? null : pick(json, shape);
  if (picked === null)
    throw new GatewayError(
      "upstream_error",
      `${where} answered with a body that is not ${shape.name}`,
    );
  return picked;
}

/** A list page: OpenAI's (`object: "list"`, cursor ids) or Anthropic's (`has_more`, ids). */
export async function readList(response: Response, shape: Shape, where: string): Promise<Json> {
  const json = await readJson(response, where);
  if (json === null || !Array.isArray(json.data))
    throw new GatewayError("upstream_error", `${where} answered with a body that is not a list`);
  const data: Json[] = [];
  for (const item of json.data) {
    const picked = typeof item === "object" && item !== null ? pick(item as Json, shape) : null;
    if (picked === null)
      throw new GatewayError("upstream_error", `${where} listed an item that is not ${shape.name}`);
    data.push(picked);
  }
  const list: Json = { data };
  for (const field of ["object", "first_id", "last_id", "has_more"])
    if (field in json) list[field] = json[field];
  return list;
}

function pick(json: Json, shape: Shape): Json | null {
  if (!shape.is(json)) return null;
  const kept: Json = {};
  for (const field of shape.fields) if (field in json) kept[field] = json[field];
  return kept;
}

async function readJson(response: Response, where: string): Promise<Json | null> {
  let parsed: unknown;
  try {
    parsed = await response.json();
  } catch {
    throw new GatewayError("upstream_error", `${where} answered with a body that is not JSON`);
  }
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Json)
    : null;
}
