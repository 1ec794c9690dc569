// The fetch every upstream attempt goes through: plain fetch, or fetch under the process's egress
// policy. One policy per process, set by its entry point from the settings: the attempt loop is
// reached from many request paths (and from the control plane's replay plane), none of which
// should have to carry it.
import { EgressPolicy } from "#shared/egress/policy.ts";

let policy = EgressPolicy.off;

/** Called once at start-up by `bun run dataplane`, `bun run controlplane` and tests. */
export function useUpstreamEgressPolicy(next: EgressPolicy): void {
  policy = next;
}

export function upstreamEgressPolicy(): EgressPolicy {
  return policy;
}

/**
 * Throws EgressRefusedError for a destination the policy refuses; with the policy off, or a host
 * whose verdict is cached, it costs no DNS lookup.
 */
export function upstreamFetch(url: string, init: RequestInit): Promise<Response> {
  return policy.enforced ? policy.fetch(url, init) : fetch(url, init);
}
