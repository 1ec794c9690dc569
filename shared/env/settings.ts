// Every environment variable modelux reads, validated once at start-up.
// A wrong or missing value stops the process with a message naming the variable.
import * as v from "valibot";
import type { StateRetention } from "#shared/bus/state-store.ts";
import { parseEgressAllow } from "#shared/egress/allow-list.ts";

const port = (fallback: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.integer("must be an integer port"),
    v.minValue(1, "must be a port between 1 and 65535"),
    v.maxValue(65535, "must be a port between 1 and 65535"),
  );

const positiveInt = (fallback: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.transform(Number),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
  );

const url = (protocols: string[]) =>
  v.pipe(
    v.string(),
    v.url("must be a URL"),
    v.check(
      (value) => protocols.some((protocol) => value.startsWith(`${protocol}://`)),
      `must start with ${protocols.map((protocol) => `${protocol}://`).join(" or ")}`,
    ),
  );

/** 32 bytes, given as 64 hex characters or base64. */
const secretKey = v.pipe(
  v.string(),
  v.check(
    (value) => decodeSecretKey(value) !== undefined,
    "must be 32 bytes as 64 hex characters or base64 (generate one with: openssl rand -hex 32)",
  ),
);

const proxyKey = v.pipe(
  v.string(),
  v.regex(/^mlx_sk_[A-Za-z0-9_-]{16,}$/, "must look like mlx_sk_<at least 16 characters>"),
);
const managementKey = v.pipe(
  v.string(),
  v.regex(/^mlx_mk_[A-Za-z0-9_-]{16,}$/, "must look like mlx_mk_<at least 16 characters>"),
);
const nodeId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, - or _"),
);

const common = {
  MODELUX_HOST: v.optional(v.string(), "0.0.0.0"),
  MODELUX_DATA_DIR: v.optional(v.string(), ".modelux"),
};

/** The Management API, MCP server and webhook delivery (DESIGN §10); both control plane modes. */
const management = {
  /** Requests per minute a management key may make unless the key sets its own limit. */
  MODELUX_MANAGEMENT_RPM: positiveInt(60),
  /** How long adding or rotating a provider waits for the upstream to answer the check. */
  MODELUX_PROVIDER_VERIFY_TIMEOUT_MS: positiveInt(5000),
  /** How often the delivery worker looks for due webhook deliveries. */
  MODELUX_WEBHOOK_POLL_MS: positiveInt(1000),
  /** First retry delay; each further retry doubles it (with jitter), capped at 6 h. */
  MODELUX_WEBHOOK_BACKOFF_BASE_MS: positiveInt(30_000),
  /** A delivery still failing this long after it was created is marked failed. */
  MODELUX_WEBHOOK_RETRY_WINDOW_MS: positiveInt(24 * 60 * 60 * 1000),
  /** Longest one delivery attempt waits for the receiver. */
  MODELUX_WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
};

const egressAllow = v.pipe(
  v.string(),
  v.check(
    (value) => allowListProblem(value) === undefined,
    (issue) => allowListProblem(String(issue.input)) ?? "is not a valid allow list",
  ),
);

function allowListProblem(value: string): string | undefined {
  try {
    parseEgressAllow(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Where the gateway's own calls (upstreams, credential checks, webhooks) may go (docs/security.md):
 * `enforce` refuses loopback, private, link-local and metadata addresses unless allow-listed.
 */
const egress = (fallback: "enforce" | "off") => ({
  MODELUX_EGRESS_POLICY: v.optional(
    v.picklist(["enforce", "off"], 'must be "enforce" or "off"'),
    fallback,
  ),
  /** CIDRs, addresses, host names or `*.suffix` the policy lets through, comma-separated. */
  MODELUX_EGRESS_ALLOW: v.optional(egressAllow),
  /** How upstream calls are made: the data plane's own HTTP/1.1 client, or Bun's fetch. */
  MODELUX_UPSTREAM_CLIENT: v.optional(
    v.picklist(["sockets", "fetch"], 'must be "sockets" or "fetch"'),
    "sockets",
  ),
});

/**
 * What one client may cost a plane before it is answered at once (docs/security.md): body size,
 * read while it arrives, and failed authentications per client address (a token bucket each).
 */
const requestLimits = (maxBodyBytes: number) => ({
  /** Bodies larger than this are refused with a 413 while they are read (chunked ones too). */
  MODELUX_MAX_BODY_BYTES: positiveInt(maxBodyBytes),
  /** Failed authentications an address may make in a burst before it is answered 429. */
  MODELUX_AUTH_FAILURE_BURST: positiveInt(20),
  /** Failures an address earns back per minute once its burst is spent. */
  MODELUX_AUTH_FAILURES_PER_MINUTE: positiveInt(10),
  /** Addresses remembered at once; the oldest is forgotten when the table is full. */
  MODELUX_AUTH_FAILURE_ADDRESSES: positiveInt(10_000),
  /**
   * Behind a proxy: the header carrying the client's address (e.g. `x-forwarded-for`, whose last
   * entry is used). Unset: the connection's peer address.
   */
  MODELUX_CLIENT_ADDRESS_HEADER: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9-]+$/, "must be a header name")),
  ),
  /** How long in-flight requests and streams may take to finish after SIGTERM. */
  MODELUX_SHUTDOWN_GRACE_MS: positiveInt(30_000),
});

/** A local directory, or `s3://bucket/prefix` (which needs DuckDB's httpfs extension). */
const tracesRoot = v.pipe(
  v.string(),
  v.check(
    (value) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || /^s3:\/\/[^/]+/.test(value),
    "must be a directory or s3://bucket/prefix",
  ),
);

/** The request-log warehouse (DESIGN §9); both control plane modes. */
const warehouse = {
  /** Where the Parquet files of the request log go; unset means `<MODELUX_DATA_DIR>/traces`. */
  MODELUX_TRACES_ROOT: v.optional(tracesRoot),
  /**
   * Where DuckDB's extensions for an s3:// root (httpfs, aws) are loaded from, never downloaded;
   * unset: downloaded on first use into ~/.duckdb. Read by controlplane/warehouse.
   */
  MODELUX_DUCKDB_EXTENSION_DIR: v.optional(v.pipe(v.string(), v.minLength(1))),
};

/** The data plane's file uploads and batch bodies (docs/batches-and-files.md); 512 MiB by default. */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const uploadLimits = {
  /** Files and Anthropic batch bodies larger than this are refused with a 413 while they stream. */
  MODELUX_MAX_UPLOAD_BYTES: positiveInt(DEFAULT_MAX_UPLOAD_BYTES),
};
export type UploadLimitSettings = v.InferOutput<v.ObjectSchema<typeof uploadLimits, undefined>>;

const DURATION_UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A span written with its unit (`30d`, `12h`, `45m`, `90s`), in milliseconds; 1s to 3650d. */
const duration = (fallback: string) =>
  v.pipe(
    v.optional(v.string(), fallback),
    v.regex(/^[1-9][0-9]{0,6}[smhd]$/, "must be a duration such as 30d, 12h, 45m or 90s"),
    v.transform(
      (value) =>
        Number(value.slice(0, -1)) *
        DURATION_UNIT_MS[value.at(-1) as keyof typeof DURATION_UNIT_MS],
    ),
    v.maxValue(3650 * DURATION_UNIT_MS.d, "must be at most 3650d"),
  );

/**
 * How long the bus's state store keeps what it is given (shared/bus/state-store.ts), from the
 * last write. Every node of a fleet must have the same values: the newest to start sets them on
 * the buckets.
 */
const stateRetention = {
  /** Stored Responses (`store: true`) and their input items. */
  MODELUX_RESPONSES_RETENTION: duration("30d"),
  /** Which provider credential owns a file or a batch. */
  MODELUX_FILES_RETENTION: duration("365d"),
  /** Response-cache entries, whatever a routing config's ttl_seconds asks. */
  MODELUX_CACHE_RETENTION: duration("7d"),
};

export type StateRetentionSettings = v.InferOutput<
  v.ObjectSchema<typeof stateRetention, undefined>
>;

/** The state store's retention per namespace, as the settings give it. */
export function stateRetentionFrom(settings: StateRetentionSettings): StateRetention {
  return {
    responses: settings.MODELUX_RESPONSES_RETENTION,
    "response-inputs": settings.MODELUX_RESPONSES_RETENTION,
    files: settings.MODELUX_FILES_RETENTION,
    batches: settings.MODELUX_FILES_RETENTION,
    cache: settings.MODELUX_CACHE_RETENTION,
  };
}

const onOff = (fallback: "on" | "off") =>
  v.optional(v.picklist(["on", "off"], 'must be "on" or "off"'), fallback);

/** `name=value` pairs, comma-separated, as OpenTelemetry's OTEL_EXPORTER_OTLP_HEADERS writes them. */
const headerPairs = v.pipe(
  v.string(),
  v.regex(
    /^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/,
    "must be name=value pairs separated by commas",
  ),
);

/** Metrics and process logs (docs/operations.md); every plane. */
const observability = (logFormat: "json" | "pretty") => ({
  /** `GET /metrics` (Prometheus text) on the plane's port; off: a 404 and nothing recorded. */
  MODELUX_METRICS: onOff("on"),
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  MODELUX_METRICS_TOKEN: v.optional(
    v.pipe(v.string(), v.minLength(16, "must be at least 16 characters")),
  ),
  MODELUX_LOG_LEVEL: v.optional(
    v.picklist(
      ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
      "must be one of trace, debug, info, warn, error, fatal, silent",
    ),
    "info",
  ),
  /** One JSON object per line, or lines for a person (the embedded default's). */
  MODELUX_LOG_FORMAT: v.optional(
    v.picklist(["json", "pretty"], 'must be "json" or "pretty"'),
    logFormat,
  ),
});

/** The data plane's access log and OpenTelemetry traces (docs/operations.md). */
const requestTelemetry = {
  /** One log line per request (ids, route, provider, model, status, latency, tokens, cost). */
  MODELUX_ACCESS_LOG: onOff("off"),
  /** OTLP over HTTP; traces are exported only when this (or the traces endpoint) is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: v.optional(url(["http", "https"])),
  /** The full URL spans are posted to; default `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: v.optional(url(["http", "https"])),
  OTEL_EXPORTER_OTLP_PROTOCOL: v.optional(
    v.picklist(
      ["http/protobuf", "http/json"],
      'must be "http/protobuf" or "http/json" (gRPC is not supported)',
    ),
    "http/protobuf",
  ),
  OTEL_EXPORTER_OTLP_HEADERS: v.optional(headerPairs),
  OTEL_SERVICE_NAME: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** `true` turns tracing off whatever the endpoint says (the OpenTelemetry convention). */
  OTEL_SDK_DISABLED: v.optional(
    v.picklist(["true", "false"], 'must be "true" or "false"'),
    "false",
  ),
};

export const controlPlaneSchema = v.object({
  ...common,
  DATABASE_URL: url(["postgres", "postgresql"]),
  NATS_URL: url(["nats", "tls", "ws", "wss"]),
  MODELUX_SECRET_KEY: secretKey,
  /** During a key rotation: the old key, still opening what it sealed (docs/operations.md). */
  MODELUX_SECRET_KEY_PREVIOUS: v.optional(secretKey),
  CONTROLPLANE_PORT: port(8081),
  /** Safety net for changes made behind the notifier's back; LISTEN/NOTIFY does the fast path. */
  MODELUX_SNAPSHOT_POLL_MS: positiveInt(5000),
  ...management,
  ...warehouse,
  ...stateRetention,
  // Management bodies are configs and small documents; nothing near a prompt's size.
  ...requestLimits(4 * 1024 * 1024),
  ...egress("enforce"),
  ...observability("json"),
});

export const dataPlaneSchema = v.object({
  ...common,
  NATS_URL: url(["nats", "tls", "ws", "wss"]),
  MODELUX_SECRET_KEY: secretKey,
  /** During a key rotation: the old key, still opening what it sealed (docs/operations.md). */
  MODELUX_SECRET_KEY_PREVIOUS: v.optional(secretKey),
  DATAPLANE_PORT: port(8080),
  MODELUX_NODE_ID: v.optional(nodeId),
  ...stateRetention,
  ...requestLimits(32 * 1024 * 1024),
  ...uploadLimits,
  ...egress("enforce"),
  ...observability("json"),
  ...requestTelemetry,
});

export const embeddedSchema = v.object({
  ...common,
  /** Embedded mode makes and keeps its own key in the data dir when none is given. */
  MODELUX_SECRET_KEY: v.optional(secretKey),
  DATAPLANE_PORT: port(8080),
  CONTROLPLANE_PORT: port(8081),
  SIMULATOR_PORT: port(8090),
  MODELUX_DEV_PROXY_KEY: v.optional(proxyKey),
  MODELUX_DEV_MANAGEMENT_KEY: v.optional(managementKey),
  MODELUX_SNAPSHOT_POLL_MS: positiveInt(5000),
  ...management,
  ...warehouse,
  ...stateRetention,
  // One process serves both planes: the data plane's prompt-sized limit applies to both.
  ...requestLimits(32 * 1024 * 1024),
  ...uploadLimits,
  // Off: the embedded default calls its own simulator on 127.0.0.1 and runs on a laptop.
  ...egress("off"),
  ...observability("pretty"),
  ...requestTelemetry,
  /** When set, the seeded provider of that vendor calls the real API instead of the simulator. */
  OPENAI_API_KEY: v.optional(v.string()),
  ANTHROPIC_API_KEY: v.optional(v.string()),
});

export const simulatorSchema = v.object({
  MODELUX_HOST: common.MODELUX_HOST,
  SIMULATOR_PORT: port(8090),
});

/** `bun run seed`: the embedded default's example org, keys and configs, for a fleet's database. */
export const seedSchema = v.object({
  DATABASE_URL: url(["postgres", "postgresql"]),
  MODELUX_SECRET_KEY: secretKey,
  MODELUX_DATA_DIR: common.MODELUX_DATA_DIR,
  /** Where the seeded providers send requests when no real vendor key is given. */
  MODELUX_SEED_SIMULATOR_URL: v.optional(url(["http", "https"]), "http://127.0.0.1:8090"),
  MODELUX_DEV_PROXY_KEY: v.optional(proxyKey),
  MODELUX_DEV_MANAGEMENT_KEY: v.optional(managementKey),
  OPENAI_API_KEY: v.optional(v.string()),
  ANTHROPIC_API_KEY: v.optional(v.string()),
});

/** `bun run secret-key:rotate`: re-seals stored secrets under the new key (docs/operations.md). */
export const rotateSecretKeySchema = v.object({
  DATABASE_URL: url(["postgres", "postgresql"]),
  MODELUX_SECRET_KEY: secretKey,
  MODELUX_SECRET_KEY_PREVIOUS: secretKey,
});

export const migrateSchema = v.object({
  DATABASE_URL: url(["postgres", "postgresql"]),
});

export type ControlPlaneSettings = v.InferOutput<typeof controlPlaneSchema>;
export type DataPlaneSettings = v.InferOutput<typeof dataPlaneSchema>;
export type EmbeddedSettings = v.InferOutput<typeof embeddedSchema>;
export type SimulatorSettings = v.InferOutput<typeof simulatorSchema>;
/** What the warehouse reads, whichever mode runs it. */
export type WarehouseSettings = Pick<
  ControlPlaneSettings,
  keyof typeof warehouse | "MODELUX_DATA_DIR"
>;
/** What the Management API and webhook delivery read, whichever mode runs them. */
export type ManagementSettings = Pick<
  ControlPlaneSettings,
  keyof typeof management | keyof ReturnType<typeof egress>
>;
/** What builds an egress policy, whichever process reads it. */
export type EgressSettings = Pick<ControlPlaneSettings, keyof ReturnType<typeof egress>>;

/** Metrics and log settings, as every plane reads them. */
export type ObservabilitySettings = Pick<DataPlaneSettings, keyof ReturnType<typeof observability>>;
/** The data plane's access log and trace export settings. */
export type RequestTelemetrySettings = Pick<DataPlaneSettings, keyof typeof requestTelemetry>;

/** Metrics on, access log and tracing off: planes started without the environment (tests, bench). */
export function defaultObservability(): ObservabilitySettings & RequestTelemetrySettings {
  return v.parse(v.object({ ...observability("json"), ...requestTelemetry }), {});
}

/** Body size, failed-authentication and shutdown limits, as both planes read them. */
export type RequestLimitSettings = Pick<DataPlaneSettings, keyof ReturnType<typeof requestLimits>>;

/** The limits' defaults, for planes started without reading the environment (tests, benchmarks). */
export function defaultRequestLimits(maxBodyBytes = 32 * 1024 * 1024): RequestLimitSettings {
  return v.parse(v.object(requestLimits(maxBodyBytes)), {});
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

type Env = Record<string, string | undefined>;

/** Validates the variables a schema names; empty strings count as unset. */
export function readSettings<TSchema extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  schema: TSchema,
  env: Env = process.env,
): v.InferOutput<TSchema> {
  const input: Record<string, string> = {};
  for (const name of Object.keys(schema.entries)) {
    const value = env[name];
    if (value !== undefined && value !== "") input[name] = value;
  }
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  throw new SettingsError(
    result.issues.map((issue) => {
      const name = issue.path?.[0]?.key ?? "?";
      const given = input[String(name)];
      const problem = given === undefined ? "is required but not set" : issue.message;
      return `${String(name)} ${problem}`;
    }),
  );
}

/** Reads settings or exits the process with the message; for entry points. */
export function readSettingsOrExit<TSchema extends v.ObjectSchema<v.ObjectEntries, undefined>>(
  schema: TSchema,
  env: Env = process.env,
): v.InferOutput<TSchema> {
  try {
    return readSettings(schema, env);
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(`modelux: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

export function decodeSecretKey(value: string): Uint8Array | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Uint8Array.from(Buffer.from(value, "hex"));
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(value)) {
    const bytes = Buffer.from(value, "base64");
    if (bytes.length === 32) return Uint8Array.from(bytes);
  }
  return undefined;
}
