// Where a data plane's spans go, from its settings (docs/operations.md): null when traces are not
// exported. Apart from request-spans.ts so that reading the settings loads no OpenTelemetry code.
import type { RequestTelemetrySettings } from "#shared/env/settings.ts";

export interface SpanExportSettings {
  /** Where spans are posted (the full `/v1/traces` URL). */
  url: string;
  protocol: "http/protobuf" | "http/json";
  headers: Record<string, string>;
  serviceName: string;
  nodeId: string;
  /** How long spans wait to be sent in a batch. */
  batchDelayMs?: number;
}

/** Null when traces are not exported: no endpoint, or OTEL_SDK_DISABLED=true. */
export function spanExportFrom(
  settings: RequestTelemetrySettings,
  nodeId: string,
  serviceName = "modelux-dataplane",
): SpanExportSettings | null {
  if (settings.OTEL_SDK_DISABLED === "true") return null;
  const base = settings.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url =
    settings.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, "")}/v1/traces`);
  if (url === undefined) return null;
  return {
    url,
    protocol: settings.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: headerPairs(settings.OTEL_EXPORTER_OTLP_HEADERS),
    serviceName: settings.OTEL_SERVICE_NAME ?? serviceName,
    nodeId,
  };
}

/** `a=1,b=2` (values percent-decoded, as the OTLP exporter specification says). */
function headerPairs(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of value?.split(",") ?? []) {
    const equals = pair.indexOf("=");
    if (equals <= 0) continue;
    headers[pair.slice(0, equals).trim()] = decodeURIComponent(pair.slice(equals + 1).trim());
  }
  return headers;
}
