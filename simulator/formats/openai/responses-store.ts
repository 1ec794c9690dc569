// Stored responses (`store: true`, OpenAI's default), per tenant: the credential that created
// them, so two API keys never see each other's responses or items. Background responses move
// queued → in_progress → completed as they are retrieved, `pollsPerState` retrievals per state,
// so tests observe every state without waiting. Bounded: the oldest responses go first.
import type { ResponseItem } from "./responses-input.ts";

export type ResponseBody = Record<string, unknown> & { id: string; output: ResponseItem[] };

export interface StoredResponse {
  id: string;
  tenant: string;
  /** The response as it ends (completed, incomplete, failed or cancelled). */
  final: ResponseBody;
  /** The response before it ends (status queued), for background reads. */
  running: ResponseBody;
  /** The request's own input items, with ids, as `input_items` lists them. */
  inputItems: ResponseItem[];
  /** What the model saw before answering (earlier turns and this input), instructions aside. */
  context: ResponseItem[];
  background: boolean;
  /** Event payloads of a background stream, for `GET …?stream=true`; undefined otherwise. */
  events: string[] | undefined;
  retrievals: number;
  cancelled: boolean;
}

export type BackgroundStatus = "queued" | "in_progress" | "done";

const DEFAULT_LIMIT = 10_000;

export class ResponseStore {
  private readonly byTenant = new Map<string, Map<string, StoredResponse>>();
  private readonly itemsByTenant = new Map<string, Map<string, ResponseItem>>();
  /** Insertion order over every tenant, for eviction. */
  private readonly order = new Map<string, string>();
  /** Retrievals a background response spends in each of queued and in_progress. */
  pollsPerState = 1;

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  put(record: StoredResponse): void {
    let responses = this.byTenant.get(record.tenant);
    if (!responses) {
      responses = new Map();
      this.byTenant.set(record.tenant, responses);
    }
    responses.set(record.id, record);
    this.order.set(record.id, record.tenant);
    this.indexItems(record, "add");
    while (this.order.size > this.limit) {
      const [oldest] = this.order;
      if (!oldest) break;
      this.delete(oldest[1], oldest[0]);
    }
  }

  get(tenant: string, id: string): StoredResponse | undefined {
    return this.byTenant.get(tenant)?.get(id);
  }

  delete(tenant: string, id: string): boolean {
    const record = this.get(tenant, id);
    if (!record) return false;
    this.byTenant.get(tenant)?.delete(id);
    this.order.delete(id);
    this.indexItems(record, "remove");
    return true;
  }

  /** An input or output item of any stored response of the tenant. */
  findItem(tenant: string, id: string): ResponseItem | undefined {
    return this.itemsByTenant.get(tenant)?.get(id);
  }

  clear(): void {
    this.byTenant.clear();
    this.itemsByTenant.clear();
    this.order.clear();
  }

  get size(): number {
    return this.order.size;
  }

  /** Where a background response stands after `retrievals` reads; streamed ones ran to the end. */
  backgroundStatus(record: StoredResponse): BackgroundStatus {
    if (!record.background || record.cancelled || record.events !== undefined) return "done";
    const step = this.pollsPerState === 0 ? 2 : Math.floor(record.retrievals / this.pollsPerState);
    if (step <= 0) return "queued";
    return step === 1 ? "in_progress" : "done";
  }

  private indexItems(record: StoredResponse, change: "add" | "remove"): void {
    let items = this.itemsByTenant.get(record.tenant);
    if (!items) {
      items = new Map();
      this.itemsByTenant.set(record.tenant, items);
    }
    for (const item of [...record.inputItems, ...record.final.output]) {
      if (typeof item.id !== "string") continue;
      if (change === "add") items.set(item.id, item);
      else items.delete(item.id);
    }
  }
}
