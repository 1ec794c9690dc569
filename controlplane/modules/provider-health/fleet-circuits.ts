// What the data planes last said about their circuit breakers (docs/provider-health.md): per
// node, its latest message, which lists every circuit of that node that is not closed. A node
// silent for three of its heartbeats (stopped, or cut off from the bus) is forgotten. Fed by the
// bus (every control plane hears every node); read by list_provider_health and, per provider,
// get_provider_health.
import type { CircuitStates } from "#shared/bus/envelopes.ts";

/** Heartbeats a node may miss before what it said is forgotten. */
export const EXPIRY_HEARTBEATS = 3;

export type CircuitState = "closed" | "half_open" | "open";

/** One provider and model across the fleet. */
export interface FleetCircuit {
  /** `open` on any node, else `half_open` on any, else `closed`. */
  state: CircuitState;
  /** Nodes where it is open, half-open, and every node heard from lately. */
  nodes: { open: number; half_open: number; reporting: number };
}

/** A circuit of one provider that is not closed on some node (`ofProvider`). */
export interface ProviderCircuit extends FleetCircuit {
  model: string;
  state: Exclude<CircuitState, "closed">;
}

type NodeCircuit = CircuitStates["circuits"][number];

interface NodeStates {
  instance: string;
  seq: number;
  expiresAt: number;
  heartbeatMs: number;
  circuits: CircuitStates["circuits"];
  truncated: boolean;
}

export const circuitKey = (provider: string, model: string) => `${provider}\u0000${model}`;

export const providerKey = (orgId: string, providerId: string) => `${orgId}\u0000${providerId}`;

export class FleetCircuits {
  readonly #nodes = new Map<string, NodeStates>();
  /** When the first node of the current run of reports was heard (null while none reports). */
  #listeningSince: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** A node's message: it replaces the node's last one unless it is older. */
  apply(states: CircuitStates): void {
    const known = this.#nodes.get(states.node_id);
    if (known && known.instance === states.instance && states.seq <= known.seq) return;
    if (this.reportingNodes() === 0) this.#listeningSince = this.now();
    this.#nodes.set(states.node_id, {
      instance: states.instance,
      seq: states.seq,
      expiresAt: this.now() + EXPIRY_HEARTBEATS * states.heartbeat_ms,
      heartbeatMs: states.heartbeat_ms,
      circuits: states.circuits,
      truncated: states.truncated === true,
    });
  }

  /** Nodes heard from lately; forgets the others. */
  reportingNodes(): number {
    const now = this.now();
    for (const [nodeId, node] of this.#nodes) if (node.expiresAt <= now) this.#nodes.delete(nodeId);
    return this.#nodes.size;
  }

  /**
   * One org's circuits across the fleet, by `circuitKey(provider name, model)`, with `reporting`
   * nodes; a pair absent from `pairs` is closed on every reporting node. Null when no node was
   * heard from lately (nothing is known).
   */
  forOrg(orgId: string): { reporting: number; pairs: Map<string, FleetCircuit> } | null {
    const reporting = this.reportingNodes();
    if (reporting === 0) return null;
    const pairs = this.#merged(
      reporting,
      (circuit) => circuit.org_id === orgId,
      (circuit) => circuitKey(circuit.provider, circuit.model),
    );
    return { reporting, pairs };
  }

  /**
   * One provider's circuits that are not closed on some reporting node, by model (sorted), each
   * with its state across the fleet as `forOrg` gives it, and how many nodes reported: the
   * `dataplane` of get_provider_health and of provider.health_changed; null when no node was
   * heard from lately. Matched by the provider's id (its name may be reused).
   */
  ofProvider(
    orgId: string,
    providerId: string,
  ): { reporting_nodes: number; circuits: ProviderCircuit[] } | null {
    const reporting = this.reportingNodes();
    if (reporting === 0) return null;
    const byModel = this.#merged(
      reporting,
      (circuit) => circuit.org_id === orgId && circuit.provider_id === providerId,
      (circuit) => circuit.model,
    );
    const circuits = [...byModel.values()].sort((a, b) => (a.model < b.model ? -1 : 1));
    return { reporting_nodes: reporting, circuits };
  }

  /**
   * The providers with a circuit open or half-open on some reporting node, by
   * `providerKey(org, provider id)`. `complete`: a provider left out is closed on every node, as
   * far as can be known: false when a node listed only its first circuits (one left out may be
   * failing there), and for the first heartbeat after this control plane began hearing nodes
   * (started, or back from hearing none), before every node has had its turn to report (the
   * first heard may say closed while another, not heard yet, has it open). Null when no node was
   * heard from lately (nothing is known).
   */
  failingProviders(): {
    failing: Map<string, { org_id: string; provider_id: string }>;
    complete: boolean;
  } | null {
    if (this.reportingNodes() === 0) return null;
    const failing = new Map<string, { org_id: string; provider_id: string }>();
    let longestHeartbeat = 0;
    let complete = true;
    for (const node of this.#nodes.values()) {
      if (node.truncated) complete = false;
      longestHeartbeat = Math.max(longestHeartbeat, node.heartbeatMs);
      for (const { org_id, provider_id } of node.circuits)
        failing.set(providerKey(org_id, provider_id), { org_id, provider_id });
    }
    const heardFor = this.now() - (this.#listeningSince ?? this.now());
    if (heardFor < longestHeartbeat) complete = false;
    return { failing, complete };
  }

  /**
   * The reporting nodes' circuits that `include` keeps, merged by `keyOf`: open when open on any
   * node, else half-open, with on how many nodes each.
   */
  #merged(
    reporting: number,
    include: (circuit: NodeCircuit) => boolean,
    keyOf: (circuit: NodeCircuit) => string,
  ): Map<string, ProviderCircuit> {
    const merged = new Map<string, ProviderCircuit>();
    for (const node of this.#nodes.values()) {
      for (const circuit of node.circuits) {
        if (!include(circuit)) continue;
        const key = keyOf(circuit);
        let entry = merged.get(key);
        if (!entry) {
          entry = {
            model: circuit.model,
            state: circuit.state,
            nodes: { open: 0, half_open: 0, reporting },
          };
          merged.set(key, entry);
        }
        entry.nodes[circuit.state] += 1;
        entry.state = entry.nodes.open > 0 ? "open" : "half_open";
      }
    }
    return merged;
  }

  /** The circuit of one provider and model, from `forOrg`'s answer. */
  static of(
    fleet: { reporting: number; pairs: Map<string, FleetCircuit> } | null,
    provider: string,
    model: string,
  ): FleetCircuit | null {
    if (!fleet) return null;
    return (
      fleet.pairs.get(circuitKey(provider, model)) ?? {
        state: "closed",
        nodes: { open: 0, half_open: 0, reporting: fleet.reporting },
      }
    );
  }
}
