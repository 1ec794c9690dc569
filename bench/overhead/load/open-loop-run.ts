// The open-loop generator: requests leave on a fixed schedule, `rate` per
// second, whether or not earlier ones have been answered, so a slow target meets a growing queue
// instead of a politely slowed client. wrk (Debian's, no -R) and autocannon (bursts at the start
// of every second, whole-millisecond histograms) cannot do this, and neither reports time to first
// byte or the gateway's own overhead header, so this generator does, on raw keep-alive sockets.
import { HttpConnection, type ResponseTiming } from "./http-connection.ts";
import {
  type Histogram,
  type LatencySummary,
  newHistogram,
  recordMs,
  summarize,
} from "./latency.ts";
import { encodeHttpRequest, type LoadRequest } from "./load-request.ts";

export interface OpenLoopSpec {
  /**
   * Sent in turn (the soak mixes plain and streamed requests; the paired comparison interleaves
   * two APIs); with more than one, the result also holds each one's figures (`per_request`).
   */
  requests: LoadRequest[];
  rate: number;
  seconds: number;
  /** Sent at the same rate before measuring, not recorded. */
  warmupSeconds: number;
  /** Opened before the clock starts; more are opened when all are busy, up to maxConnections. */
  initialConnections: number;
  maxConnections: number;
  timeoutMs: number;
  intervalSeconds?: number;
}

export interface OpenLoopResult {
  sent: number;
  completed: number;
  seconds: number;
  throughput: number;
  statuses: Record<string, number>;
  errors: { connect: number; disconnect: number; timeout: number; non_2xx: number };
  /**
   * Of `errors.disconnect`, the connections lost after part of the answer had arrived (a stream
   * cut short), against those lost before a byte of it (closed as the request was sent).
   */
  disconnected_mid_answer: number;
  /** Written to answered, 2xx only. */
  latency: LatencySummary | null;
  /** Written to first body byte, 2xx only: the time to first token of a stream. */
  ttft: LatencySummary | null;
  /** `x-modelux-overhead-ms` as the gateway reported it. */
  self_reported_overhead: LatencySummary | null;
  /** How late the generator's timer dispatched requests, and how long they waited for a socket. */
  dispatch_lag: LatencySummary | null;
  socket_wait: LatencySummary | null;
  connections_open: number;
  /** Each request of the spec's own figures, in its order; only when it has more than one. */
  per_request?: RequestFigures[];
}

/** One request of a spec that sends several in turn: what its share of the run measured. */
export interface RequestFigures {
  sent: number;
  completed: number;
  /** Answered with a status outside 2xx, cut off, or timed out (connect failures are the run's). */
  errors: { disconnect: number; timeout: number; non_2xx: number };
  latency: LatencySummary | null;
  ttft: LatencySummary | null;
}

interface InFlight {
  sentAt: number;
  recorded: boolean;
  /** Which of the spec's requests. */
  index: number;
}

interface PerRequest {
  sent: number;
  completed: number;
  disconnect: number;
  timeout: number;
  non2xx: number;
  latency: Histogram;
  ttft: Histogram;
}

export interface IntervalReport {
  at_s: number;
  completed: number;
  errors: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

export async function runOpenLoop(
  spec: OpenLoopSpec,
  onInterval: (report: IntervalReport) => void = () => {},
): Promise<OpenLoopResult> {
  const target = new URL(spec.requests[0]?.url ?? "");
  const encoded = spec.requests.map(encodeHttpRequest);

  // Answers are tallied per request of the spec; the run's totals are their sums (below).
  const histograms = {
    overhead: newHistogram(),
    lag: newHistogram(),
    wait: newHistogram(),
    interval: newHistogram(),
  };
  const counts = {
    connect: 0,
    opened: 0,
    intervalCompleted: 0,
    intervalErrors: 0,
    midAnswer: 0,
  };
  const perRequest: PerRequest[] = encoded.map(() => ({
    sent: 0,
    completed: 0,
    disconnect: 0,
    timeout: 0,
    non2xx: 0,
    latency: newHistogram(),
    ttft: newHistogram(),
  }));
  const statuses: Record<string, number> = {};
  const idle: HttpConnection[] = [];
  const waiting: Array<{ index: number; dueAt: number; recorded: boolean }> = [];
  const inFlight = new Map<HttpConnection, InFlight>();
  let recording = false;

  const events = {
    onResponse(connection: HttpConnection, timing: ResponseTiming) {
      const flight = inFlight.get(connection);
      inFlight.delete(connection);
      if (flight?.recorded) record(flight, timing);
      release(connection);
    },
    onFailure(connection: HttpConnection, reason: "connect" | "disconnect") {
      const flight = inFlight.get(connection);
      inFlight.delete(connection);
      const index = idle.indexOf(connection);
      if (index !== -1) idle.splice(index, 1);
      counts.opened -= 1;
      if (reason === "connect") counts.connect += 1;
      else if (flight?.recorded) {
        ofRequest(flight).disconnect += 1;
        if (connection.answering) counts.midAnswer += 1;
      }
      if (flight?.recorded || reason === "connect") counts.intervalErrors += 1;
    },
  };

  const ofRequest = (flight: InFlight) => perRequest[flight.index] as PerRequest;

  function record(flight: InFlight, timing: ResponseTiming): void {
    const own = ofRequest(flight);
    counts.intervalCompleted += 1;
    own.completed += 1;
    statuses[timing.status] = (statuses[timing.status] ?? 0) + 1;
    if (timing.status < 200 || timing.status > 299) {
      counts.intervalErrors += 1;
      own.non2xx += 1;
      return;
    }
    const latencyMs = timing.endedAt - flight.sentAt;
    recordMs(histograms.interval, latencyMs);
    recordMs(own.latency, latencyMs);
    if (timing.firstByteAt !== null) recordMs(own.ttft, timing.firstByteAt - flight.sentAt);
    if (timing.selfReportedOverheadMs !== null)
      recordMs(histograms.overhead, timing.selfReportedOverheadMs);
  }

  function openConnection(): void {
    counts.opened += 1;
    const connection = new HttpConnection(events);
    void connection.open(target.hostname, Number(target.port)).then(() => {
      if (!connection.closed) release(connection);
    });
  }

  function release(connection: HttpConnection): void {
    if (connection.closed) return;
    const next = waiting.shift();
    if (next) start(connection, next.index, next.dueAt, next.recorded);
    else idle.push(connection);
  }

  function start(connection: HttpConnection, index: number, dueAt: number, recorded: boolean) {
    const sentAt = performance.now();
    if (recorded) recordMs(histograms.wait, sentAt - dueAt);
    inFlight.set(connection, { sentAt, recorded, index });
    connection.send(encoded[index] as Uint8Array);
  }

  function dispatch(sequence: number, tickAt: number): void {
    const index = sequence % encoded.length;
    if (recording) (perRequest[index] as PerRequest).sent += 1;
    const connection = idle.pop();
    if (connection) {
      start(connection, index, tickAt, recording);
      return;
    }
    waiting.push({ index, dueAt: tickAt, recorded: recording });
    if (counts.opened < spec.maxConnections) openConnection();
  }

  function expireSlowRequests(now: number): void {
    for (const [connection, flight] of inFlight) {
      if (now - flight.sentAt < spec.timeoutMs) continue;
      inFlight.delete(connection);
      counts.opened -= 1;
      if (flight.recorded) {
        counts.intervalErrors += 1;
        ofRequest(flight).timeout += 1;
      }
      connection.close();
      openConnection();
    }
  }

  async function run(): Promise<OpenLoopResult> {
    for (let i = 0; i < Math.min(spec.initialConnections, spec.maxConnections); i++)
      openConnection();
    while (
      idle.length < Math.min(spec.initialConnections, spec.maxConnections) &&
      counts.connect === 0
    )
      await Bun.sleep(5);
    const startedAt = performance.now();
    const warmupEnd = startedAt + spec.warmupSeconds * 1000;
    const end = warmupEnd + spec.seconds * 1000;
    const total = Math.round((spec.warmupSeconds + spec.seconds) * spec.rate);
    let next = 0;
    let lastInterval = warmupEnd;
    let lastExpiry = startedAt;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        recording = now >= warmupEnd && now < end;
        const due = Math.min(total, Math.floor(((now - startedAt) * spec.rate) / 1000));
        while (next < due) {
          const idealAt = startedAt + (next * 1000) / spec.rate;
          if (recording) recordMs(histograms.lag, now - idealAt);
          dispatch(next++, now);
        }
        if (now - lastExpiry > 250) {
          expireSlowRequests(now);
          lastExpiry = now;
        }
        if (
          spec.intervalSeconds &&
          now >= lastInterval + spec.intervalSeconds * 1000 &&
          recording
        ) {
          printInterval((now - warmupEnd) / 1000);
          lastInterval = now;
        }
        if (next >= total && (inFlight.size === 0 || now > end + spec.timeoutMs)) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    if (spec.intervalSeconds) printInterval(spec.seconds);
    const summed = (field: "sent" | "completed" | "disconnect" | "timeout" | "non2xx") =>
      perRequest.reduce((sum, own) => sum + own[field], 0);
    const merged = (field: "latency" | "ttft") => {
      const histogram = newHistogram();
      for (const own of perRequest) histogram.add(own[field]);
      return histogram;
    };
    const completed = summed("completed");
    return {
      sent: summed("sent"),
      completed,
      seconds: spec.seconds,
      throughput: completed / spec.seconds,
      statuses,
      errors: {
        connect: counts.connect,
        disconnect: summed("disconnect"),
        timeout: summed("timeout"),
        non_2xx: summed("non2xx"),
      },
      latency: summarize(merged("latency")),
      ttft: summarize(merged("ttft")),
      self_reported_overhead: summarize(histograms.overhead),
      dispatch_lag: summarize(histograms.lag),
      socket_wait: summarize(histograms.wait),
      connections_open: counts.opened,
      disconnected_mid_answer: counts.midAnswer,
      ...(perRequest.length > 1
        ? {
            per_request: perRequest.map((own) => ({
              sent: own.sent,
              completed: own.completed,
              errors: { disconnect: own.disconnect, timeout: own.timeout, non_2xx: own.non2xx },
              latency: summarize(own.latency),
              ttft: summarize(own.ttft),
            })),
          }
        : {}),
    };
  }

  function printInterval(atSeconds: number): void {
    const summary = summarize(histograms.interval as Histogram);
    onInterval({
      at_s: Math.round(atSeconds),
      completed: counts.intervalCompleted,
      errors: counts.intervalErrors,
      p50_ms: summary?.p50 ?? null,
      p99_ms: summary?.p99 ?? null,
    });
    histograms.interval.reset();
    counts.intervalCompleted = 0;
    counts.intervalErrors = 0;
  }

  const result = await run();
  for (const connection of idle) connection.close();
  return result;
}
