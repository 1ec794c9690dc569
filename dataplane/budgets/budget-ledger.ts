// One data plane's view of budget spend (DESIGN §7): the fleet totals last broadcast by the
// control plane, plus what this node spent that those totals do not include yet (sent or not),
// plus what its peers sent that the totals do not include yet, plus its open reservations.
// Spend is sent as deltas every ≤250 ms with a sequence number that increases across restarts,
// so the control plane counts each once; a message stays in this node's view until a broadcast
// says it was applied, and is sent again if that takes too long. Each message names the one
// before it (`prev_seq`) so the control plane never applies a message past one it has not.
import type { Bus } from "#shared/bus/bus.ts";
import type { BudgetState, SpendDelta } from "#shared/bus/envelopes.ts";

/** `budgetId + "\u0000" + periodStart` (ISO). */
export type SpendKey = string;

export const spendKey = (budgetId: string, periodStart: string): SpendKey =>
  `${budgetId}\u0000${periodStart}`;

export interface Reservation {
  readonly entries: ReadonlyArray<{ key: SpendKey; usd: number }>;
  settled: boolean;
}

interface OutgoingMessage {
  seq: number;
  amounts: Map<SpendKey, number>;
  /** When it was last handed to the bus (0: never). */
  sentAt: number;
}

export interface LedgerOptions {
  nodeId: string;
  now?: () => number;
  /** How often spend is sent. DESIGN §7: at most 250 ms. */
  flushIntervalMs?: number;
  /** A sent message not yet applied after this long is sent again (same seq). */
  resendAfterMs?: number;
  log?: (message: string) => void;
}

export class BudgetLedger {
  readonly nodeId: string;
  private readonly now: () => number;
  private readonly totals = new Map<SpendKey, number>();
  private readonly reserved = new Map<SpendKey, number>();
  /** Spent here, not in any message yet. */
  private readonly unflushed = new Map<SpendKey, number>();
  /** Messages made, in seq order, until a broadcast says the control plane applied them. */
  private readonly outbox: OutgoingMessage[] = [];
  /**
   * Peers' deltas heard on the bus, until a broadcast includes them: a node sees another's spend
   * one bus hop after it is sent, not after the control plane's next broadcast.
   */
  private readonly peers = new Map<string, { lastSeq: number; messages: OutgoingMessage[] }>();
  private soon: ReturnType<typeof setTimeout> | null = null;
  private busSource: () => Bus | null = () => null;
  private lastSeq = 0;
  private stateVersion = -1;
  /** When the last budget state arrived (node clock), or null before the first. */
  private stateReceivedAt: number | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private flushing = false;
  /** holdSpend()s not released yet: no new message is made while there is one. */
  private holds = 0;
  /** A flush found a hold: one is made as the last hold is released. */
  private heldBack = false;
  /** Set while sends fail, so an outage is logged once, not every interval. */
  private failingSince: number | null = null;
  private readonly flushIntervalMs: number;
  private readonly resendAfterMs: number;
  private readonly log: (message: string) => void;

  constructor(options: LedgerOptions) {
    this.nodeId = options.nodeId;
    this.now = options.now ?? Date.now;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.resendAfterMs = options.resendAfterMs ?? 3_000;
    this.log = options.log ?? (() => {});
  }

  /** The fleet's spend on a budget period as this node sees it. */
  view(key: SpendKey): number {
    let usd = (this.totals.get(key) ?? 0) + (this.reserved.get(key) ?? 0);
    usd += this.unflushed.get(key) ?? 0;
    for (const message of this.outbox) usd += message.amounts.get(key) ?? 0;
    // No iterator made on a node that has heard no peer (per request, issue 20).
    if (this.peers.size > 0)
      for (const peer of this.peers.values())
        for (const message of peer.messages) usd += message.amounts.get(key) ?? 0;
    return usd;
  }

  /** Milliseconds since the last budget state, Infinity before the first. */
  stateAgeMs(): number {
    return this.stateReceivedAt === null
      ? Number.POSITIVE_INFINITY
      : this.now() - this.stateReceivedAt;
  }

  reserve(keys: readonly SpendKey[], usd: number): Reservation {
    const entries: Array<{ key: SpendKey; usd: number }> = [];
    for (const key of keys) {
      entries.push({ key, usd });
      add(this.reserved, key, usd);
    }
    return { entries, settled: false };
  }

  /**
   * Replaces the reservation with what the request actually cost (0 when it failed unpaid).
   * `urgent` (a budget near its cap) sends the spend at once instead of at the next interval.
   */
  settle(reservation: Reservation, actualUsd: number, urgent = false): void {
    if (reservation.settled) return;
    reservation.settled = true;
    for (const entry of reservation.entries) {
      add(this.reserved, entry.key, -entry.usd);
      if (actualUsd > 0) add(this.unflushed, entry.key, actualUsd);
    }
    if (urgent && actualUsd > 0 && this.soon === null) {
      this.soon = setTimeout(() => {
        this.soon = null;
        void this.flush(this.busSource());
      }, 0);
    }
  }

  /**
   * Spend known outside a request's reservation, sent like any other: a batch's cost corrected
   * once its results are read (negative gives back what its admission charged).
   */
  record(keys: readonly SpendKey[], usd: number, urgent = false): void {
    if (!Number.isFinite(usd) || usd === 0) return;
    for (const key of keys) add(this.unflushed, key, usd);
    if (urgent && this.soon === null) {
      this.soon = setTimeout(() => {
        this.soon = null;
        void this.flush(this.busSource());
      }, 0);
    }
  }

  /**
   * Holds spend already settled back from the bus until the returned release is called: no
   * message is made of it meanwhile (messages made before are still sent). The gateway's batch
   * plane holds a request's spend while its request-log row waits for the answer to be written
   * ahead with it, so a crash in between loses both, never leaves spend counted for a line whose
   * row is gone (which would then be sent and counted again).
   */
  holdSpend(): () => void {
    this.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds -= 1;
      if (this.holds === 0 && this.heldBack && this.soon === null) {
        this.heldBack = false;
        this.soon = setTimeout(() => {
          this.soon = null;
          void this.flush(this.busSource());
        }, 0);
      }
    };
  }

  /** Another node's delta, heard on the bus (this node's own are ignored). */
  applyPeerDelta(delta: SpendDelta): void {
    if (delta.node_id === this.nodeId) return;
    let peer = this.peers.get(delta.node_id);
    if (peer === undefined) {
      peer = { lastSeq: 0, messages: [] };
      this.peers.set(delta.node_id, peer);
    }
    // A resend of a message already heard (or one the totals already hold) changes nothing.
    if (delta.seq <= peer.lastSeq) return;
    peer.lastSeq = delta.seq;
    const amounts = new Map<SpendKey, number>();
    for (const item of delta.deltas)
      add(amounts, spendKey(item.budget_id, item.period_start), item.usd);
    peer.messages.push({ seq: delta.seq, amounts, sentAt: this.now() });
  }

  /** A broadcast from the control plane: fleet totals, and the seqs it has applied per node. */
  applyState(state: BudgetState): void {
    if (state.version < this.stateVersion) return;
    this.stateVersion = state.version;
    this.stateReceivedAt = this.now();
    this.totals.clear();
    for (const total of state.totals)
      this.totals.set(spendKey(total.budget_id, total.period_start), total.usd);
    if (state.applied === undefined) {
      // A control plane that does not say what it applied: a message sent well before this
      // state is taken as counted in it.
      const before = this.now() - LEGACY_APPLY_MS;
      while (this.outbox.length > 0 && isSentBefore(this.outbox[0] as OutgoingMessage, before))
        this.outbox.shift();
      for (const peer of this.peers.values())
        while (
          peer.messages.length > 0 &&
          isSentBefore(peer.messages[0] as OutgoingMessage, before)
        )
          peer.messages.shift();
      return;
    }
    for (const [nodeId, peer] of this.peers) {
      const appliedSeq = state.applied[nodeId];
      if (appliedSeq === undefined) continue;
      peer.lastSeq = Math.max(peer.lastSeq, appliedSeq);
      while (peer.messages.length > 0 && (peer.messages[0] as OutgoingMessage).seq <= appliedSeq)
        peer.messages.shift();
    }
    const applied = state.applied[this.nodeId];
    if (applied === undefined) return;
    while (this.outbox.length > 0 && (this.outbox[0] as OutgoingMessage).seq <= applied)
      this.outbox.shift();
  }

  /**
   * Moves unflushed spend into a message and sends what is due, in seq order: from the oldest
   * message due (never sent, or sent `resendAfterMs` ago and not reported applied) to the newest.
   * A message that never reached the control plane (it was down, or died with the message
   * queued) leaves a gap its successors cannot pass (`prev_seq`): they are refused until it is
   * sent again, and then they follow it. `everything`: the whole outbox, due or not (on stop).
   */
  async flush(bus: Bus | null, everything = false): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      if (this.holds > 0 && this.unflushed.size > 0) this.heldBack = true;
      else if (this.unflushed.size > 0) {
        // Increases across restarts too: the control plane drops a seq it has seen.
        this.lastSeq = Math.max(this.lastSeq + 1, this.now());
        this.outbox.push({ seq: this.lastSeq, amounts: new Map(this.unflushed), sentAt: 0 });
        this.unflushed.clear();
      }
      if (bus === null || !bus.isConnected()) return;
      const now = this.now();
      const from = everything
        ? 0
        : this.outbox.findIndex(
            (message) => message.sentAt === 0 || now - message.sentAt >= this.resendAfterMs,
          );
      // From the oldest due on, every message (a newer one alone would be refused after a gap),
      // each naming its predecessor; a copy, as a broadcast may shorten the outbox meanwhile.
      const messages = this.outbox.slice();
      if (from >= 0) {
        for (let index = from; index < messages.length; index++) {
          const message = messages[index] as OutgoingMessage;
          await bus.publishSpendDelta(toDelta(this.nodeId, message, messages[index - 1]?.seq));
          message.sentAt = now;
        }
      }
      if (this.failingSince !== null) {
        this.log(`spend deltas flowing again after ${now - this.failingSince} ms`);
        this.failingSince = null;
      }
    } catch (error) {
      if (this.failingSince === null) {
        this.failingSince = this.now();
        this.log(`spend deltas not sent, kept until the bus is back: ${(error as Error).message}`);
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Sends every flush interval until stopped; `bus` is read each time (it may come later). */
  start(bus: () => Bus | null): void {
    this.busSource = bus;
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(bus()), this.flushIntervalMs);
  }

  async stop(bus: Bus | null): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    // A last chance for messages lost on the way and not due again yet.
    await this.flush(bus, true);
  }

  /** Spend this node recorded that no broadcast has confirmed yet (for tests and metrics). */
  pendingUsd(): number {
    let usd = 0;
    for (const value of this.unflushed.values()) usd += value;
    for (const message of this.outbox) for (const value of message.amounts.values()) usd += value;
    return usd;
  }
}

const LEGACY_APPLY_MS = 1_000;

const isSentBefore = (message: OutgoingMessage, time: number) =>
  message.sentAt !== 0 && message.sentAt < time;

function add(map: Map<SpendKey, number>, key: SpendKey, usd: number): void {
  const next = (map.get(key) ?? 0) + usd;
  if (Math.abs(next) < 1e-15) map.delete(key);
  else map.set(key, next);
}

function toDelta(nodeId: string, message: OutgoingMessage, prevSeq?: number): SpendDelta {
  const deltas: SpendDelta["deltas"] = [];
  for (const [key, usd] of message.amounts) {
    const separator = key.indexOf("\u0000");
    deltas.push({
      budget_id: key.slice(0, separator),
      period_start: key.slice(separator + 1),
      usd,
    });
  }
  return prevSeq === undefined
    ? { node_id: nodeId, seq: message.seq, deltas }
    : { node_id: nodeId, seq: message.seq, prev_seq: prevSeq, deltas };
}
