// A request citing a file by `file_id` (OpenAI `{type: "file", file: {file_id}}` parts, Anthropic
// `document` / `image` sources `{type: "file", file_id}`, on generation and token counting alike)
// goes to the provider credential that holds the file, when the caller's org made it through the
// gateway (its record in the state
// store, dataplane/surfaces/files-batches/records.ts): the plan keeps only the attempts on that
// provider, their other candidates marked skipped; a plan with none is a 400 naming the file and
// its provider, never a call to a credential that cannot read it. An id the org's records do not
// hold (uploaded at the vendor directly, or another org's) is left to the route and the upstream.
// A request on the caller's own provider key citing a file the org holds is a 400: the file is
// at the org's stored credential, which such a request never uses.
// Requests without a file reference pay one scan of their content blocks and no lookup.

import type { StateStore } from "#shared/bus/state-store.ts";
import type { MediaSource } from "#shared/canonical/content.ts";
import type { CanonicalRequest } from "#shared/canonical/request.ts";
import { GatewayError } from "#shared/errors/gateway-error.ts";
import { quoteClientValue } from "#shared/validation/client-text.ts";
import { type Attempt, leafAttempts, type PlanStep, type RoutePlan } from "../routing/plan.ts";
import type { RuntimeConfig, RuntimeProvider } from "../snapshot/runtime-config.ts";
import { readFileRecord } from "../surfaces/files-batches/records.ts";
import { PROVIDER_KEY_HEADER } from "./provider-keys.ts";

/** A file the request cites and the org's provider holding it. */
export interface FileOwner {
  fileId: string;
  provider: RuntimeProvider;
}

/** The distinct file ids the request's messages cite (tool results included). */
export function citedFileIds(request: CanonicalRequest): string[] {
  const ids: string[] = [];
  for (const message of request.messages) {
    for (const block of message.content) {
      if (block.type === "image" || block.type === "document") cite(ids, block.source);
      else if (block.type === "tool-result")
        for (const part of block.content) if (part.type === "image") cite(ids, part.source);
    }
  }
  return ids;
}

/** Adds a file source's id once (a module function: no closure per request, issue 20). */
function cite(ids: string[], source: MediaSource): void {
  if (source.kind === "file" && !ids.includes(source.fileId)) ids.push(source.fileId);
}

/**
 * The owners of the cited files the org made through the gateway; null, at once, when the
 * request cites none (no state-store read, no promise). Ids under no record of the org are left
 * out.
 */
export function fileOwners(
  state: StateStore,
  config: RuntimeConfig,
  orgId: string,
  request: CanonicalRequest,
): Promise<FileOwner[] | null> | null {
  const ids = citedFileIds(request);
  return ids.length === 0 ? null : ownersOfFiles(state, config, orgId, ids);
}

/** fileOwners for ids read off a body the pipeline does not parse (token counting). */
export async function ownersOfFiles(
  state: StateStore,
  config: RuntimeConfig,
  orgId: string,
  ids: string[],
): Promise<FileOwner[] | null> {
  if (ids.length === 0) return null;
  const records = await Promise.all(ids.map((id) => readFileRecord(state, orgId, id)));
  const owners: FileOwner[] = [];
  ids.forEach((fileId, index) => {
    const providerId = records[index]?.provider_id;
    if (providerId === undefined) return;
    const provider = config.providersById.get(providerId);
    if (provider === undefined || provider.orgId !== orgId)
      throw new GatewayError(
        "invalid_request",
        `file ${quoteClientValue(fileId)}: the provider that holds it no longer exists`,
      );
    owners.push({ fileId, provider });
  });
  return owners.length === 0 ? null : owners;
}

/**
 * A request on the caller's own provider key (X-Modelux-Provider-Key) citing a file the org made
 * through the gateway: a 400 naming both. The file lives at the org's stored credential (files
 * are never made on a caller's key: the file routes refuse the header), and the request would
 * run on the caller's key, which cannot read it.
 */
export function refuseOwnKeyForOwnedFiles(owners: FileOwner[] | null | undefined): void {
  const [first] = owners ?? [];
  if (first === undefined) return;
  throw new GatewayError(
    "invalid_request",
    `file ${quoteClientValue(first.fileId)} is held by provider "${first.provider.name}" on the org's stored credential, and a request with ${PROVIDER_KEY_HEADER} runs on the caller's own key, which cannot read it: send the request without ${PROVIDER_KEY_HEADER}`,
    { param: PROVIDER_KEY_HEADER },
  );
}

/** The plan restricted to attempts on the files' provider; a 400 when none of its attempts is. */
export function pinToFileOwners(plan: RoutePlan, owners: FileOwner[]): RoutePlan {
  const [first, ...rest] = owners;
  if (first === undefined) return plan;
  const other = rest.find((owner) => owner.provider.id !== first.provider.id);
  if (other)
    throw new GatewayError(
      "invalid_request",
      `files ${quoteClientValue(first.fileId)} and ${quoteClientValue(other.fileId)} are held by different providers ("${first.provider.name}", "${other.provider.name}"): one request can cite files of one provider`,
    );
  const providerId = first.provider.id;
  const keep = (attempt: Attempt): boolean => {
    if (attempt.provider.id === providerId) return true;
    const candidate = plan.candidates[attempt.candidate];
    if (candidate && candidate.status === "planned") {
      candidate.status = "skipped";
      candidate.reason = `${candidate.reason}; skipped: file ${first.fileId} is held by provider "${first.provider.name}"`;
    }
    return false;
  };
  const keepAll = (attempts: Attempt[]) => attempts.filter(keep);
  const steps = plan.steps.flatMap((step): PlanStep[] => {
    if (step.kind === "attempt") return keep(step) ? [step] : [];
    if (step.kind === "cascade")
      return [
        {
          ...step,
          steps: step.steps.map((item) => ({
            ...item,
            attempts: keepAll(item.attempts),
            judge: item.judge === null ? null : keepAll(item.judge),
          })),
        },
      ];
    return [
      {
        ...step,
        members: step.members.map((member) => ({ ...member, attempts: keepAll(member.attempts) })),
        judge: step.judge === null ? null : keepAll(step.judge),
      },
    ];
  });
  const pinned: RoutePlan = { ...plan, steps };
  if (leafAttempts(plan).length > 0 && leafAttempts(pinned).length === 0)
    throw new GatewayError(
      "invalid_request",
      `file ${quoteClientValue(first.fileId)} is held by provider "${first.provider.name}", which the requested model or config does not route to: name a model there (e.g. "${first.provider.name}/<model>") or add a target on it`,
      { param: "model" },
    );
  return pinned;
}
