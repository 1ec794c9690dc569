// modelux.ai's published paths onto the surfaces (docs/compatibility.md): both SDKs' default
// base URL ends in `/v1` at the API host, so `/v1/*` is `/openai/v1/*`, except messages: an
// Anthropic client given that base URL (ANTHROPIC_BASE_URL, solutions/coding-agents) appends its
// own `/v1/messages…`, so `/v1/v1/messages…` (and `/v1/messages…`) is `/anthropic/v1/messages…`;
// and `POST /openai/v1/dry-run` (openapi-proxy.yaml) is a chat
// completion with `X-Modelux-Dry-Run: true`. Any other request is returned as it is, allocating
// nothing.

const V1 = "/v1";
const OPENAI_V1 = "/openai/v1";
const ANTHROPIC_V1 = "/anthropic/v1";
const MESSAGES = "/messages";
const DRY_RUN = "/openai/v1/dry-run";
const CHAT = "/openai/v1/chat/completions";

/** The request the surfaces route: `request` itself unless its path is a published alias. */
export function withPublishedPath(request: Request): Request {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return request;
  // Compared in place: the hot path (any other request) slices nothing.
  const after = url.charCodeAt(start + V1.length);
  const v1 = url.startsWith(V1, start) && (Number.isNaN(after) || after === 47 || after === 63);
  const dryRun = !v1 && url.startsWith(DRY_RUN, start) && pathEndsAt(url, start + DRY_RUN.length);
  if (!v1 && !dryRun) return request;
  const query = url.indexOf("?", start);
  const end = query === -1 ? url.length : query;
  let path = url.slice(start, end);
  if (v1) {
    let rest = path.slice(V1.length);
    if (rest === V1 + MESSAGES || rest.startsWith(`${V1}${MESSAGES}/`))
      rest = rest.slice(V1.length);
    const messages = rest === MESSAGES || rest.startsWith(`${MESSAGES}/`);
    path = (messages ? ANTHROPIC_V1 : OPENAI_V1) + rest;
  }
  const origin = url.slice(0, start);
  const search = url.slice(end);
  if (path !== DRY_RUN || request.method !== "POST") {
    return new Request(origin + path + search, request);
  }
  const headers = new Headers(request.headers);
  headers.set("x-modelux-dry-run", "true");
  return new Request(origin + CHAT + search, {
    method: "POST",
    headers,
    body: request.body,
    signal: request.signal,
  });
}

/** Whether the path ends at `index` (the URL ends there, or its query starts). */
function pathEndsAt(url: string, index: number): boolean {
  return index === url.length || url.charCodeAt(index) === 63;
}
