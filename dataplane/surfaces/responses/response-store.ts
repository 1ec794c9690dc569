// The Responses surface's view of the bus's state store: one org's stored responses (namespace
// `responses`) and their input items (`response-inputs`), each under the response's id. Every
// read is scoped to the caller's org: another org's id is simply not found.
import type { StateStore } from "#shared/bus/state-store.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { clipText, MAX_QUOTED_CHARS } from "#shared/validation/client-text.ts";
import { jsonMember } from "./json-member.ts";
import {
  readStoredInputs,
  readStoredResponse,
  type StoredInputs,
  type StoredResponse,
} from "./stored-response.ts";

export interface StoredEntry {
  id: string;
  record: StoredResponse;
  inputs: StoredInputs["items"];
}

/** How far back a `previous_response_id` chain is followed (each turn is one read). */
export const MAX_CHAIN = 1000;

export class ResponseStore {
  constructor(
    private readonly state: StateStore,
    private readonly orgId: string,
  ) {}

  /** The response and its input items, or null when this org has none under `id`. */
  async get(id: string): Promise<StoredEntry | null> {
    const [record, inputs] = await Promise.all([
      this.state.get({ orgId: this.orgId, namespace: "responses", id }),
      this.state.get({ orgId: this.orgId, namespace: "response-inputs", id }),
    ]);
    const response = readStoredResponse(record);
    if (!response) return null;
    return { id, record: response, inputs: readStoredInputs(inputs)?.items ?? [] };
  }

  /**
   * `get`, with the Response object's JSON as it was stored (a passthrough's as its upstream
   * sent it), for showing it as it is.
   */
  async getWithJson(id: string): Promise<(StoredEntry & { responseJson: string }) | null> {
    const [json, inputs] = await Promise.all([
      this.state.getJson({ orgId: this.orgId, namespace: "responses", id }),
      this.state.get({ orgId: this.orgId, namespace: "response-inputs", id }),
    ]);
    const record = json === null ? null : readStoredResponse(parseJson(json));
    const responseJson = record && json !== null ? jsonMember(json, "response") : null;
    if (!record || responseJson === null) return null;
    return { id, record, inputs: readStoredInputs(inputs)?.items ?? [], responseJson };
  }

  /** The stored response `id`, or OpenAI's 404 for an id this org does not have. */
  async require(id: string): Promise<StoredEntry> {
    const entry = await this.get(id);
    if (!entry) throw responseNotFound(id);
    return entry;
  }

  /**
   * The chain `previous_response_id` names, oldest first. A missing head is OpenAI's 400
   * `previous_response_not_found`; an ancestor gone (deleted, expired) ends the chain there.
   */
  async chain(headId: string): Promise<ResponseChain> {
    const found = await this.findChain(headId);
    if (!found) throw previousResponseNotFound(headId);
    return found;
  }

  /** The chain, or null when this org holds no response `headId` (made upstream, or unknown). */
  async findChain(headId: string): Promise<ResponseChain | null> {
    const head = await this.get(headId);
    if (!head) return null;
    const links = [head];
    const seen = new Set([headId]);
    let cutAt: string | null = null;
    for (let next = head.record.previous_response_id; next; ) {
      if (seen.has(next) || links.length >= MAX_CHAIN) break;
      seen.add(next);
      const link = await this.get(next);
      if (!link) {
        cutAt = next;
        break;
      }
      links.push(link);
      next = link.record.previous_response_id;
    }
    return { links: links.reverse(), cutAt };
  }

  /** Resolves once every data plane can read both. */
  async put(record: StoredResponse, inputs: StoredInputs): Promise<void> {
    const id = record.response.id;
    await Promise.all([
      this.state.put({ orgId: this.orgId, namespace: "responses", id }, record),
      this.state.put({ orgId: this.orgId, namespace: "response-inputs", id }, inputs),
    ]);
  }

  /**
   * `put` with the record already encoded (storedResponseJson: the response as its upstream sent
   * it, not serialized again).
   */
  async putEncoded(id: string, recordJson: string, inputs: StoredInputs): Promise<void> {
    await Promise.all([
      this.state.putJson({ orgId: this.orgId, namespace: "responses", id }, recordJson),
      this.state.put({ orgId: this.orgId, namespace: "response-inputs", id }, inputs),
    ]);
  }

  /** Replaces the record only (a background response's later state). */
  async putRecord(record: StoredResponse): Promise<void> {
    await this.state.put(
      { orgId: this.orgId, namespace: "responses", id: record.response.id },
      record,
    );
  }

  /** The record with its revision, for a compare-and-set replacement; null when gone. */
  async recordWithRevision(
    id: string,
  ): Promise<{ record: StoredResponse; revision: number } | null> {
    const found = await this.state.getWithRevision({
      orgId: this.orgId,
      namespace: "responses",
      id,
    });
    const record = found ? readStoredResponse(found.value) : null;
    return found && record ? { record, revision: found.revision } : null;
  }

  /** Replaces the record only if no one wrote it since `revision`: false when someone did. */
  putRecordIfRevision(record: StoredResponse, revision: number): Promise<boolean> {
    return this.state.putIfRevision(
      { orgId: this.orgId, namespace: "responses", id: record.response.id },
      record,
      revision,
    );
  }

  async delete(id: string): Promise<boolean> {
    const [deleted] = await Promise.all([
      this.state.delete({ orgId: this.orgId, namespace: "responses", id }),
      this.state.delete({ orgId: this.orgId, namespace: "response-inputs", id }),
    ]);
    return deleted;
  }
}

function parseJson(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return null;
  }
}

export interface ResponseChain {
  links: StoredEntry[];
  /** The ancestor the chain ends at because it is no longer stored; null when it is whole. */
  cutAt: string | null;
}

/** OpenAI's 400 for a `previous_response_id` it does not have. */
export function previousResponseNotFound(id: string): GatewayError {
  return new GatewayError(
    "invalid_request",
    `Previous response with id '${clipText(id, MAX_QUOTED_CHARS)}' not found.`,
    { param: "previous_response_id", surfaceCode: "previous_response_not_found" },
  );
}

/** OpenAI's answer for a response id it does not have. */
export function responseNotFound(id: string): GatewayError {
  return new GatewayError(
    "not_found",
    `Response with id '${clipText(id, MAX_QUOTED_CHARS)}' not found.`,
    {
      surfaceType: "invalid_request_error",
      surfaceCode: null,
    },
  );
}
