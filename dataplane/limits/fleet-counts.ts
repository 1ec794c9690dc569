// What one data plane knows of each limited key's use, per one-minute window: its own counts, and
// the counts each peer last published (docs/limits.md). Peers publish cumulative totals per
// (key, window), so a message replaces what was heard before: a lost message is healed by the
// next one, a repeated one changes nothing. Keys idle for two windows are forgotten.
import type { LimitUsage } from "#shared/bus/envelopes.ts";
import { WINDOW_MS } from "./sliding-window.ts";

export interface WindowSlot {
  start: number;
  requests: number;
  tokens: number;
}

/** Slots kept per node: the previous and current windows, and one ahead for a peer's clock skew. */
const SLOTS = 3;

/** One node's counts for one key. */
export class NodeCounts {
  readonly slots: WindowSlot[] = [];

  slot(start: number): WindowSlot | undefined {
    for (const slot of this.slots) if (slot.start === start) return slot;
    return undefined;
  }

  /** The window's slot, made (in place of the oldest) when there is none. */
  open(start: number): WindowSlot {
    const found = this.slot(start);
    if (found) return found;
    const made = { start, requests: 0, tokens: 0 };
    if (this.slots.length < SLOTS) this.slots.push(made);
    else {
      let oldest = 0;
      for (let index = 1; index < this.slots.length; index++)
        if ((this.slots[index] as WindowSlot).start < (this.slots[oldest] as WindowSlot).start)
          oldest = index;
      this.slots[oldest] = made;
    }
    return made;
  }

  /** True when nothing is counted in `start`'s window or later. */
  idleSince(start: number): boolean {
    for (const slot of this.slots) if (slot.start >= start) return false;
    return true;
  }
}

/** A key's counts: this node's own, and each peer's (by node id and process instance). */
export class KeyUsage {
  readonly local = new NodeCounts();
  readonly peers = new Map<string, NodeCounts>();
  /**
   * Requests this node may still admit near the limit before it hears from its peers again (its
   * share of what is left, key-limiter.ts); NaN: to be worked out at the next request.
   */
  share = Number.NaN;
  /** When the share was worked out (node clock). */
  shareAt = 0;
  constructor(readonly keyId: string) {}

  /** Peers that counted requests of this key in the window starting at `start` or the one before. */
  activePeers(start: number): number {
    let active = 0;
    for (const peer of this.peers.values())
      if (
        (peer.slot(start)?.requests ?? 0) > 0 ||
        (peer.slot(start - WINDOW_MS)?.requests ?? 0) > 0
      )
        active += 1;
    return active;
  }

  /** Requests or tokens counted in the window starting at `start`, over this node and its peers. */
  total(start: number, field: "requests" | "tokens"): number {
    let sum = this.local.slot(start)?.[field] ?? 0;
    for (const peer of this.peers.values()) sum += peer.slot(start)?.[field] ?? 0;
    return sum;
  }
}

export class FleetCounts {
  readonly keys = new Map<string, KeyUsage>();
  /** Keys whose own counts changed since the last publication. */
  readonly changed = new Set<KeyUsage>();
  private readonly lastSeq = new Map<string, { seq: number; heardAt: number }>();

  constructor(
    private readonly nodeId: string,
    private readonly instance: string,
  ) {}

  usage(keyId: string): KeyUsage {
    let usage = this.keys.get(keyId);
    if (usage === undefined) {
      usage = new KeyUsage(keyId);
      this.keys.set(keyId, usage);
    }
    return usage;
  }

  /** A peer's published totals (this process's own messages, echoed back, are skipped). */
  applyPeer(message: LimitUsage, nowMs: number): void {
    if (message.node_id === this.nodeId && message.instance === this.instance) return;
    const peerId = `${message.node_id}/${message.instance}`;
    const last = this.lastSeq.get(peerId);
    if (last !== undefined && message.seq <= last.seq) return;
    this.lastSeq.set(peerId, { seq: message.seq, heardAt: nowMs });
    const oldest = nowMs - (nowMs % WINDOW_MS) - WINDOW_MS;
    for (const entry of message.usage) {
      if (entry.window_start < oldest) continue;
      const usage = this.usage(entry.key_id);
      let counts = usage.peers.get(peerId);
      if (counts === undefined) {
        counts = new NodeCounts();
        usage.peers.set(peerId, counts);
      }
      const slot = counts.open(entry.window_start);
      slot.requests = entry.requests;
      slot.tokens = entry.tokens;
      // Something new from a peer: this node's share of what is left is worked out again.
      usage.share = Number.NaN;
    }
  }

  /**
   * This node's totals to publish: those of the keys changed since the last call, or of every key
   * it counted in the current or previous window (`everything`: a periodic refresh, so a peer that
   * joined or lost a message catches up). Clears the changed set.
   */
  ownTotals(nowMs: number, everything: boolean): LimitUsage["usage"] {
    const oldest = nowMs - (nowMs % WINDOW_MS) - WINDOW_MS;
    const entries: LimitUsage["usage"] = [];
    for (const usage of everything ? this.keys.values() : this.changed) {
      for (const slot of usage.local.slots) {
        if (slot.start < oldest) continue;
        entries.push({
          key_id: usage.keyId,
          window_start: slot.start,
          requests: slot.requests,
          tokens: slot.tokens,
        });
      }
    }
    this.changed.clear();
    return entries;
  }

  /** Forgets keys and peers with nothing counted in the current or previous window. */
  sweep(nowMs: number): void {
    const oldest = nowMs - (nowMs % WINDOW_MS) - WINDOW_MS;
    for (const [keyId, usage] of this.keys) {
      for (const [peerId, counts] of usage.peers)
        if (counts.idleSince(oldest)) usage.peers.delete(peerId);
      if (usage.peers.size === 0 && usage.local.idleSince(oldest) && !this.changed.has(usage))
        this.keys.delete(keyId);
    }
    for (const [peerId, last] of this.lastSeq)
      if (nowMs - last.heardAt > 2 * WINDOW_MS) this.lastSeq.delete(peerId);
  }
}
