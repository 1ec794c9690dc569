// One Responses request as the pipeline drives it (the binding `forRequest` makes): the checked
// body, the stored conversation it names, its translation for vendors without the Responses API,
// and what is stored of its answer. Passthrough to vendors that serve the API (`buildResponses`):
// the client's body with only `model` replaced, unless it names what that upstream does not hold.
import type { CanonicalUsage } from "#shared/canonical/response.ts";
import type { ConversionWarning } from "#shared/canonical/warnings.ts";
import type { GatewayError } from "#shared/errors/gateway-error.ts";
import type { Redact } from "#shared/errors/redact.ts";
import type { AdapterTarget, ProviderAdapter } from "../../providers/adapter.ts";
import type { Attempt } from "../../routing/plan.ts";
import type { RuntimeProvider } from "../../snapshot/runtime-config.ts";
import { openAiErrorBody } from "../../wire/openai/error-body.ts";
import type { FastPathBuilder, PassthroughBody, SurfaceBinding } from "../binding.ts";
import type { ChunkTransform } from "../sse-events.ts";
import type { ClientSurface } from "../surface.ts";
import { isFinished } from "./background-billing.ts";
import type { ConversationItem } from "./conversation.ts";
import { dryRunEvents } from "./dry-run.ts";
import { listedItem } from "./listed-items.ts";
import type { HiddenSignatures } from "./output-items.ts";
import type { CheckedRequest } from "./parse-request.ts";
import { invalid } from "./parse-request.ts";
import { upstreamItems } from "./passthrough-input.ts";
import { createResponsesPassthrough } from "./passthrough-stream.ts";
import { readResponseAnswer } from "./read-answer.ts";
import { renderResponse } from "./render-response.ts";
import { renderResponsesStream } from "./render-stream.ts";
import type { ResponseShell } from "./response-object.ts";
import {
  previousResponseNotFound,
  type ResponseStore,
  type StoredEntry,
} from "./response-store.ts";
import { errorFields, sseEvent } from "./sse.ts";
import {
  type StoredResponse,
  storedInputs,
  storedResponse,
  storedResponseJson,
} from "./stored-response.ts";
import type { Translation } from "./translate-request.ts";

export interface ExchangeParts {
  checked: CheckedRequest;
  /** The `previous_response_id` chain, oldest first (empty without one). */
  chain: StoredEntry[];
  /** The chain's turns as items, oldest first. */
  context: ConversationItem[];
  /** The request's own input, with the gateway's items it names read back from the store. */
  current: ConversationItem[];
  /** Whether the input had to be read back from the store (so cannot go up as it is). */
  inputChanged: boolean;
  translation: Translation;
  store: ResponseStore;
  dropHostedTools: boolean;
  /** The gateway's id for this response (used when the gateway renders it). */
  responseId: string;
  /**
   * A `previous_response_id` this org's store does not hold: sent as it is to a passthrough
   * upstream (which may hold it), OpenAI's 400 `previous_response_not_found` when translated.
   */
  unknownPrevious: string | null;
}

/** The Responses stream events' fields that carry generated text (one list: see SentOutput). */
const RESPONSES_TEXT_FIELDS: readonly string[] = ["delta"];

export class ResponsesExchange implements SurfaceBinding {
  readonly name = "responses";
  readonly streamTextFields = RESPONSES_TEXT_FIELDS;
  readonly surface: ClientSurface;
  private served: Attempt | null = null;
  private spendKeys: readonly string[] = [];
  private fastPathServed = false;
  private hidden: HiddenSignatures = {};
  /** Events of the stream so far: the sequence number of an error event the gateway appends. */
  private events: () => number = () => 0;
  private readonly createdAt = Math.floor(Date.now() / 1000);
  /**
   * Set when the served upstream was sent the chain as items: its answer says
   * `previous_response_id: null`, and the client is told the id it sent.
   */
  private echoPrevious: string | null = null;

  constructor(private readonly parts: ExchangeParts) {
    this.surface = {
      shape: "openai",
      parseRequest: () => ({ value: parts.translation.canonical, warnings: [] }),
      renderResponse: (response, options) =>
        renderResponse(response, this.shell(options.servedModel), this.hidden),
      renderStream: (events, options) => {
        return renderResponsesStream(events, this.shell(options.servedModel), {
          onComplete: (response, hidden) => void this.save(response, hidden),
        });
      },
      renderError: openAiErrorBody,
    };
  }

  fastPath(adapter: ProviderAdapter): FastPathBuilder | undefined {
    return adapter.buildResponses?.bind(adapter);
  }

  clientWantsUsage(): boolean {
    return true;
  }

  passthroughBody(
    body: Record<string, unknown>,
    model: string,
    _stream: boolean,
    provider?: RuntimeProvider,
  ): PassthroughBody {
    const { chain, context, current, inputChanged } = this.parts;
    const head = chain[chain.length - 1];
    const keepsChain =
      head === undefined ||
      (head.record.upstream_stored && head.record.provider.id === provider?.id);
    const gatewayItems = current.some((item) => item.maker !== "client");
    this.echoPrevious = keepsChain
      ? null
      : (this.parts.checked.request.previous_response_id ?? null);
    if (keepsChain && !gatewayItems && !inputChanged)
      return { body: JSON.stringify({ ...body, model }), clientWantsUsage: true };
    const items = keepsChain ? current : [...context, ...current];
    const sent = upstreamItems(items, provider?.id ?? "");
    const { previous_response_id: _previous, ...rest } = body;
    const forwarded = keepsChain ? { ...body, input: sent.items } : { ...rest, input: sent.items };
    return {
      body: JSON.stringify({ ...forwarded, model }),
      clientWantsUsage: true,
      ...(sent.warnings.length > 0 && { warnings: sent.warnings }),
    };
  }

  passthroughTransform(options: {
    onUsage(usage: CanonicalUsage): void;
    redact: Redact;
  }): ChunkTransform {
    const transform = createResponsesPassthrough({
      onUsage: options.onUsage,
      redact: options.redact,
      previousResponseId: this.echoPrevious,
      onFinished: (response, json) => void this.save(response, {}, json),
    });
    this.events = () => transform.events;
    return transform;
  }

  isAnswer(json: unknown): boolean {
    if (typeof json !== "object" || json === null || Array.isArray(json)) return false;
    const answer = json as { object?: unknown; output?: unknown };
    return answer.object === "response" && Array.isArray(answer.output);
  }

  readAnswer = readResponseAnswer;

  rewriteAnswer(answer: Record<string, unknown>): Record<string, unknown> | null {
    if (this.echoPrevious === null || answer.previous_response_id != null) return null;
    return { ...answer, previous_response_id: this.echoPrevious };
  }

  beforeTranslation(target: AdapterTarget): ConversionWarning[] {
    const { translation, dropHostedTools, unknownPrevious } = this.parts;
    if (unknownPrevious !== null) throw previousResponseNotFound(unknownPrevious);
    const [blocker] = translation.blockers;
    if (blocker) throw blocker;
    const warnings = [...translation.warnings];
    for (const tool of translation.hostedTools) {
      if (!dropHostedTools) throw hostedToolRefused(tool, target);
      warnings.push({
        type: "dropped-tool",
        subject: `${tool.param}.${tool.type}`,
        message: `${tool.param}: ${tool.type} is an OpenAI built-in tool that ${target.provider.name}/${target.model} cannot run; dropped as X-Modelux-Unsupported-Tools asked`,
      });
    }
    return warnings;
  }

  onServed(served: Attempt, fastPath: boolean, spendKeys: readonly string[]): void {
    this.served = served;
    this.fastPathServed = fastPath;
    this.spendKeys = spendKeys;
  }

  async settleAnswer(answer: Record<string, unknown>): Promise<ConversionWarning[]> {
    return this.save(answer, this.hidden);
  }

  streamErrorEvent(error: GatewayError): Uint8Array {
    return new TextEncoder().encode(sseEvent("error", this.events(), errorFields(error)));
  }

  dryRunStream(_requestId: string, model: string, dryRun: unknown): string {
    return dryRunEvents(this.shell(model), dryRun);
  }

  capturedPrompt(body: Record<string, unknown>): unknown {
    return { instructions: body.instructions, input: body.input };
  }

  /**
   * Keeps the response and its input items (not with `store: false`), before the client has
   * it. A store that cannot take it now costs the client the stored copy, not the answer.
   * `json`: the response's JSON as the upstream sent it, stored as it is (not serialized again).
   */
  private async save(
    response: Record<string, unknown>,
    hidden: HiddenSignatures,
    json: string | null = null,
  ): Promise<ConversionWarning[]> {
    const { checked, store, current, responseId } = this.parts;
    const served = this.served;
    if (checked.request.store === false || !served || typeof response.id !== "string") return [];
    const provider = served.provider;
    const fields = {
      provider: { id: provider.id, name: provider.name, vendor: provider.vendor },
      upstream_stored: this.fastPathServed,
      background: response.background === true,
      previous_response_id: checked.request.previous_response_id ?? null,
      hidden,
      // Run in the background: its usage comes when it ends, read by a later retrieve.
      ...(response.background === true &&
        !isFinished(response) && {
          billing: { spend_keys: [...this.spendKeys], model: served.model, charged: false },
        }),
    };
    const items = current.map(({ item }, index) => listedItem(item, responseId, index));
    try {
      if (json !== null)
        await store.putEncoded(response.id, storedResponseJson(fields, json), storedInputs(items));
      else
        await store.put(
          storedResponse({ ...fields, response: response as StoredResponse["response"] }),
          storedInputs(items),
        );
      return [];
    } catch (error) {
      console.error(`responses: could not store ${response.id}:`, error);
      return [
        {
          type: "not-stored",
          subject: "store",
          message: `the response could not be stored now (${(error as Error).name}); previous_response_id cannot name it`,
        },
      ];
    }
  }

  private shell(model: string): ResponseShell {
    const tools = this.parts.checked.request.tools ?? [];
    return {
      id: this.parts.responseId,
      createdAt: this.createdAt,
      model,
      request: this.parts.checked.request,
      tools,
    };
  }
}

function hostedToolRefused(tool: { param: string; type: string }, target: AdapterTarget) {
  return invalid(
    tool.param,
    `${tool.type} is an OpenAI built-in tool; ${target.provider.name}/${target.model} cannot run it (send X-Modelux-Unsupported-Tools: drop to leave it out with a warning)`,
  );
}
