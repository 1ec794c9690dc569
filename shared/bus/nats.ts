// The bus for a fleet: core NATS for spend deltas, budget state, limit counts, circuit states and
// control events; JetStream KV for config snapshots and shared state, and a JetStream stream for
// traces (DESIGN §8).
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type * as v from "valibot";
import type { Bus, Subscription } from "./bus.ts";
import { BusUnavailableError } from "./bus.ts";
import {
  budgetStateSchema,
  circuitStatesSchema,
  controlEventSchema,
  limitUsageSchema,
  spendDeltaSchema,
} from "./envelopes.ts";
import { decodeLenient, deliverSafely, encodeStrict, parseJsonLenient } from "./message-codec.ts";
import { openNatsConfigStore } from "./nats-config-store.ts";
import { type NatsStateOptions, NatsStateStore } from "./nats-state-store.ts";
import {
  consumeTraceRecords,
  ensureTraceStream,
  publishTraceLines,
  publishTraceRecords,
} from "./nats-trace-stream.ts";
import {
  BUDGET_STATE_SUBJECT,
  CIRCUIT_STATE_PREFIX,
  CONTROL_SUBJECT_PREFIX,
  circuitStateSubject,
  controlSubject,
  LIMIT_USAGE_PREFIX,
  limitUsageSubject,
  REQUEST_QUEUE,
  SPEND_DELTA_PREFIX,
  spendDeltaSubject,
} from "./subjects.ts";

export interface NatsBusOptions {
  /** One URL or a comma-separated list, as NATS_URL is written. */
  servers: string;
  /** Shown by the server's monitoring, so operators can tell nodes apart. */
  name?: string;
  /** How long a delivered trace batch may stay unsettled before it is delivered again. */
  traceAckWaitMs?: number;
  /** Keep reconnecting forever after a connection is lost (default true). */
  reconnect?: boolean;
  /** How long the first connection may take before connectNatsBus gives up. */
  connectTimeoutMs?: number;
  /** Where losing and regaining the connection is reported, one line each. */
  log?: (message: string) => void;
  /** The state store's retention per namespace, bucket names and call timeout. */
  state?: NatsStateOptions;
}

const DEFAULT_ACK_WAIT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
// Notices a silently dead server within about 30 s instead of the client's default 4 minutes.
const PING_INTERVAL_MS = 15_000;
const CLOSE_FLUSH_TIMEOUT_MS = 2000;
// How long a control event waits for the server to confirm it before the caller is told no.
const CONFIRM_TIMEOUT_MS = 2000;
const RESTORE_RETRY_MS = 1000;
// NATS's default max_payload, for the moment before the server has said its own.
const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

export async function connectNatsBus(options: NatsBusOptions): Promise<Bus> {
  const connection = await openConnection(options);
  const log = options.log ?? (() => {});
  // The socket is up; restored: what the bus keeps on the server was checked after it came back.
  let linked = true;
  let restored = true;
  let closing = false;
  // Counts reconnects, so a restore overtaken by another drop and reconnect gives way to the newer.
  let epoch = 0;
  const recoveredListeners = new Set<() => void>();
  const usable = () => linked && restored && !connection.isClosed();
  // Taken before the bucket and stream are prepared so no status change is missed.
  const statuses = connection.status();

  const { js, jsm, config } = await prepareJetStream(connection, options.servers);
  // The server states its limit when the connection opens (and again on a reconnect).
  const maxPayload = () => connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const state = new NatsStateStore(
    { js, jsm, servers: options.servers, usable, maxPayload, log },
    options.state,
  );

  /**
   * After a reconnect the server may have lost its store: recreate the config bucket, the state
   * buckets in use and the trace stream (opened as they are when nothing was lost), reopen the
   * watches, then tell the listeners. Retried while connected, since JetStream can lag the
   * server's start.
   */
  async function restore(mine: number): Promise<void> {
    const current = () => mine === epoch && linked && !closing;
    for (let attempt = 1; current(); attempt++) {
      try {
        await config.restore();
        await state.restore();
        await ensureTraceStream(jsm);
        if (!current()) return;
        restored = true;
        log(`regained the bus: reconnected to NATS at ${options.servers}`);
        for (const listener of recoveredListeners)
          deliverSafely(listener, undefined, "bus recovery");
        return;
      } catch (error) {
        if (attempt === 1)
          log(
            `reconnected to NATS at ${options.servers} but cannot restore JetStream yet ` +
              `(${(error as Error).message}); retrying every ${RESTORE_RETRY_MS} ms`,
          );
        await Bun.sleep(RESTORE_RETRY_MS);
      }
    }
  }

  void (async () => {
    for await (const status of statuses) {
      if (status.type === "disconnect" || status.type === "close") {
        if (linked && !closing) log(`lost the bus: NATS at ${options.servers} disconnected`);
        linked = false;
        restored = false;
      } else if (status.type === "reconnect" && !linked) {
        linked = true;
        void restore(++epoch);
      }
    }
  })().catch(() => {
    linked = false;
  });

  const ackWaitMs = options.traceAckWaitMs ?? DEFAULT_ACK_WAIT_MS;
  const consumers = new Set<Subscription>();

  function publishCore<T>(
    subject: string,
    schema: v.GenericSchema<unknown, T>,
    message: T,
    what: string,
  ) {
    connection.publish(subject, encodeStrict(schema, message, what));
  }

  async function subscribeCore<T>(
    subject: string,
    schema: v.GenericSchema<unknown, T>,
    what: string,
    handler: (message: T) => void,
  ): Promise<Subscription> {
    const subscription = connection.subscribe(subject, {
      callback: (error, message) => {
        if (error) {
          console.warn(`bus: ${what} subscription error: ${error.message}`);
          return;
        }
        const decoded = decodeLenient(schema, message.string(), what);
        if (decoded !== null) deliverSafely(handler, decoded, what);
      },
    });
    // Once the server has answered the flush it knows about the subscription, so anything
    // published after this resolves is delivered.
    await connection.flush();
    return {
      unsubscribe: async () => {
        if (!subscription.isClosed()) subscription.unsubscribe();
      },
    };
  }

  return {
    kind: "nats",
    config,
    state,
    async publishSpendDelta(delta) {
      publishCore(spendDeltaSubject(delta.node_id), spendDeltaSchema, delta, "spend delta");
    },
    subscribeSpendDeltas: (onDelta) =>
      subscribeCore(`${SPEND_DELTA_PREFIX}.*`, spendDeltaSchema, "spend delta", onDelta),
    async publishBudgetState(state) {
      publishCore(BUDGET_STATE_SUBJECT, budgetStateSchema, state, "budget state");
    },
    subscribeBudgetState: (onState) =>
      subscribeCore(BUDGET_STATE_SUBJECT, budgetStateSchema, "budget state", onState),
    async publishLimitUsage(usage) {
      publishCore(limitUsageSubject(usage.node_id), limitUsageSchema, usage, "limit usage");
    },
    subscribeLimitUsage: (onUsage) =>
      subscribeCore(`${LIMIT_USAGE_PREFIX}.*`, limitUsageSchema, "limit usage", onUsage),
    async publishCircuitStates(states) {
      publishCore(
        circuitStateSubject(states.node_id),
        circuitStatesSchema,
        states,
        "circuit states",
      );
    },
    subscribeCircuitStates: (onStates) =>
      subscribeCore(`${CIRCUIT_STATE_PREFIX}.*`, circuitStatesSchema, "circuit states", onStates),
    async request(subject, body, timeoutMs) {
      let reply: Awaited<ReturnType<NatsConnection["request"]>>;
      try {
        reply = await connection.request(subject, JSON.stringify(body), { timeout: timeoutMs });
      } catch (error) {
        throw new BusUnavailableError(`no reply on ${subject}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return parseJsonLenient(reply.string(), `reply on ${subject}`);
    },
    async serveRequests(subject, handler) {
      const subscription = connection.subscribe(subject, {
        queue: REQUEST_QUEUE,
        callback: (error, message) => {
          if (error) return;
          const body = parseJsonLenient(message.string(), `request on ${subject}`);
          handler(body).then(
            (reply) => message.respond(JSON.stringify(reply)),
            (failure: Error) => console.error(`bus: ${subject} handler failed: ${failure.message}`),
          );
        },
      });
      await connection.flush();
      return {
        unsubscribe: async () => {
          if (!subscription.isClosed()) subscription.unsubscribe();
        },
      };
    },
    publishTraces: (records) => publishTraceRecords(js, records, maxPayload()),
    publishTraceLines: (lines) => publishTraceLines(js, lines, maxPayload()),
    maxTraceBytes: maxPayload,
    async consumeTraces(onBatch, consumerOptions) {
      const subscription = await consumeTraceRecords(
        connection,
        js,
        jsm,
        ackWaitMs,
        onBatch,
        consumerOptions,
      );
      consumers.add(subscription);
      return {
        unsubscribe: async () => {
          consumers.delete(subscription);
          await subscription.unsubscribe();
        },
      };
    },
    async publishControl(event) {
      // Not buffered for a reconnect: the caller must know the fleet was not reached.
      if (!usable()) throw new BusUnavailableError(`NATS at ${options.servers} is not connected`);
      publishCore(controlSubject(event.type), controlEventSchema, event, "control event");
      // Once the server answers the flush it has passed the event to every subscriber.
      const confirmed = await Promise.race([
        connection.flush().then(() => true),
        Bun.sleep(CONFIRM_TIMEOUT_MS).then(() => false),
      ]);
      if (!confirmed)
        throw new BusUnavailableError(`NATS at ${options.servers} did not confirm in time`);
    },
    subscribeControl: (onEvent) =>
      subscribeCore(`${CONTROL_SUBJECT_PREFIX}.>`, controlEventSchema, "control event", onEvent),
    isConnected: usable,
    onRecovered(listener) {
      recoveredListeners.add(listener);
      return () => recoveredListeners.delete(listener);
    },
    async close() {
      if (connection.isClosed()) return;
      closing = true;
      recoveredListeners.clear();
      const stopping = [...consumers].map((subscription) => subscription.unsubscribe());
      consumers.clear();
      config.close();
      await Promise.all(stopping);
      // Send what is still buffered, but do not hang on a server that is gone.
      if (linked) {
        await Promise.race([connection.flush(), Bun.sleep(CLOSE_FLUSH_TIMEOUT_MS)]).catch(() => {});
      }
      await connection.close();
    },
  };
}

async function openConnection(options: NatsBusOptions): Promise<NatsConnection> {
  const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const attempt = connect({
    servers: options.servers.split(",").map((server) => server.trim()),
    name: options.name,
    timeout: timeoutMs,
    reconnect: options.reconnect ?? true,
    maxReconnectAttempts: -1,
    pingInterval: PING_INTERVAL_MS,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The client's own timeout covers the handshake; this one also covers a silent network.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs + 500);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } catch (error) {
    // A connection that arrives after we gave up must not linger.
    attempt.then((late) => late.close()).catch(() => {});
    throw new Error(`cannot connect to NATS at ${options.servers}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the config bucket and the trace stream; closes the connection when either fails. */
async function prepareJetStream(connection: NatsConnection, servers: string) {
  try {
    const js = jetstream(connection);
    const jsm = await jetstreamManager(connection);
    const config = await openNatsConfigStore(js);
    await ensureTraceStream(jsm);
    return { js, jsm, config };
  } catch (error) {
    await connection.close();
    throw new Error(`cannot prepare the bus on NATS at ${servers}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
