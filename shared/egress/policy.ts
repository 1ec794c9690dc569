// The egress policy: where the gateway's own outbound calls (upstream requests, credential
// checks, webhook deliveries) may go. Enforced, a host is resolved and refused when any of its
// addresses is loopback, private, link-local, metadata or otherwise not public, unless the
// operator allow-listed it; each redirect hop is checked again. Verdicts are cached per host for a
// short TTL so the data plane's hot path does no DNS lookup per request.
import { type AddressCategory, classifyAddress, parseAddress } from "./addresses.ts";
import { allowsAddress, allowsHost, type EgressAllowList, parseEgressAllow } from "./allow-list.ts";

export type EgressMode = "enforce" | "off";

/** A destination the policy does not let the gateway call. The message is safe to show. */
export class EgressRefusedError extends Error {
  constructor(
    /** What was refused and why, for logs: the host and the address category. */
    readonly detail: string,
  ) {
    super("refused by egress policy");
    this.name = "EgressRefusedError";
  }
}

/** The destination's name did not resolve: as good as unreachable. */
export class EgressLookupError extends Error {
  constructor(readonly host: string) {
    super(`could not resolve ${host}`);
    this.name = "EgressLookupError";
  }
}

export type Resolve = (hostname: string) => Promise<string[]>;
export type Fetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface EgressPolicyOptions {
  mode: EgressMode;
  allow?: EgressAllowList;
  /** Every address of a host name (tests inject one); default Bun's resolver. */
  resolve?: Resolve;
  /** How long a verdict on a host name is kept. */
  ttlMs?: number;
  now?: () => number;
  fetch?: Fetch;
  /** Redirect hops followed (each checked) before the redirect itself is the answer. */
  maxRedirects?: number;
}

interface Verdict {
  /** Why the host is refused; null when it may be called. */
  refusal: string | null;
  expiresAt: number;
}

const DEFAULT_TTL_MS = 30_000;
const MAX_CACHED_HOSTS = 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Headers that carry a credential; dropped when a redirect leaves the origin it was meant for.
const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie)$|key|token|secret/i;

const bunResolve: Resolve = async (hostname) =>
  (await Bun.dns.lookup(hostname, { family: 0 })).map((entry) => entry.address);

export class EgressPolicy {
  static readonly off = new EgressPolicy({ mode: "off" });

  readonly enforced: boolean;
  readonly #allow: EgressAllowList;
  readonly #resolve: Resolve;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #fetch: Fetch;
  readonly #maxRedirects: number;
  readonly #verdicts = new Map<string, Verdict>();
  readonly #pending = new Map<string, Promise<Verdict>>();

  constructor(options: EgressPolicyOptions) {
    this.enforced = options.mode === "enforce";
    this.#allow = options.allow ?? parseEgressAllow("");
    this.#resolve = options.resolve ?? bunResolve;
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#maxRedirects = options.maxRedirects ?? 5;
  }

  /**
   * Throws EgressRefusedError when the URL may not be called, EgressLookupError when its host
   * does not resolve. Returns undefined (no await needed) when a cached verdict allows it.
   */
  check(url: string): Promise<void> | undefined {
    if (!this.enforced) return undefined;
    const key = originKey(url);
    const cached = key === null ? undefined : this.#verdicts.get(key);
    if (cached && cached.expiresAt > this.#now()) {
      if (cached.refusal !== null) throw new EgressRefusedError(cached.refusal);
      return undefined;
    }
    return this.#decide(key, url).then((verdict) => {
      if (verdict.refusal !== null) throw new EgressRefusedError(verdict.refusal);
    });
  }

  /**
   * fetch under the policy: the URL is checked first, and redirects are followed by hand, each
   * hop checked, at most `maxRedirects` of them. Credential headers do not follow a redirect to
   * another origin. With the policy off this is plain fetch.
   */
  async fetch(
    url: string,
    init: RequestInit = {},
    /** The client that makes each hop's call (the data plane's own for upstreams); must not follow redirects. */
    through: Fetch = this.#fetch,
  ): Promise<Response> {
    if (!this.enforced) return through(url, init);
    const checking = this.check(url);
    if (checking) await checking;
    if (init.redirect === "manual" || init.redirect === "error") return through(url, init);
    let current = url;
    let request: RequestInit = { ...init, redirect: "manual" };
    for (let hop = 0; ; hop++) {
      const response = await through(current, request);
      const location = REDIRECT_STATUSES.has(response.status)
        ? response.headers.get("location")
        : null;
      if (location === null || hop >= this.#maxRedirects) return response;
      const next = new URL(location, current).toString();
      const checkingNext = this.check(next);
      await response.body?.cancel().catch(() => {});
      if (checkingNext) await checkingNext;
      const sameOrigin = new URL(next).origin === new URL(current).origin;
      request = redirected(request, response.status, sameOrigin);
      current = next;
    }
  }

  #decide(key: string | null, url: string): Promise<Verdict> {
    if (key === null) return this.#verdictFor(url).then((refusal) => ({ refusal, expiresAt: 0 }));
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const deciding = this.#verdictFor(url)
      .then((refusal) => {
        if (this.#verdicts.size >= MAX_CACHED_HOSTS) this.#verdicts.clear();
        const verdict = { refusal, expiresAt: this.#now() + this.#ttlMs };
        this.#verdicts.set(key, verdict);
        return verdict;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, deciding);
    return deciding;
  }

  /** Why the URL's destination is refused, or null. */
  async #verdictFor(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return "not a URL";
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
      return `scheme ${parsed.protocol} is not http or https`;
    const host = parsed.hostname;
    if (allowsHost(this.#allow, host)) return null;
    const literal = parseAddress(host);
    if (literal !== undefined) return this.#refusal(host, host, literal);
    let addresses: string[];
    try {
      addresses = await this.#resolve(host);
    } catch {
      throw new EgressLookupError(host);
    }
    if (addresses.length === 0) throw new EgressLookupError(host);
    for (const text of addresses) {
      const address = parseAddress(text);
      const refusal =
        address === undefined
          ? `${host} resolved to ${text}, not an address`
          : this.#refusal(host, text, address);
      if (refusal !== null) return refusal;
    }
    return null;
  }

  #refusal(host: string, text: string, address: bigint): string | null {
    const category: AddressCategory | null = classifyAddress(address);
    if (category === null || allowsAddress(this.#allow, address)) return null;
    return host === text
      ? `${host} is a ${category} address`
      : `${host} resolves to ${text}, a ${category} address`;
  }
}

// `scheme://host[:port]` when the URL plainly starts with one; the host the URL parser would
// find is then fixed by this text, so a verdict cached under it is right for every URL that has
// it. Anything less plain (userinfo, backslashes, control characters) is not cached. A scan by
// hand: this runs on every upstream request, and a regular expression costs several times more.
const HOST_CHARACTER = new Uint8Array(128);
for (const character of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_~%[]:")
  HOST_CHARACTER[character.charCodeAt(0)] = 1;

function originKey(url: string): string | null {
  let start: number;
  if (url.startsWith("https://")) start = 8;
  else if (url.startsWith("http://")) start = 7;
  else return null;
  let end = start;
  for (; end < url.length; end++) {
    const code = url.charCodeAt(end);
    if (code === 47 || code === 63 || code === 35) break; // "/", "?", "#"
    if (code >= 128 || HOST_CHARACTER[code] === 0) return null;
  }
  return end === start ? null : url.slice(0, end);
}

/** The next hop's request, as fetch's own redirect handling would make it. */
function redirected(request: RequestInit, status: number, sameOrigin: boolean): RequestInit {
  const method = (request.method ?? "GET").toUpperCase();
  const toGet =
    status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST";
  const headers = new Headers(request.headers);
  if (toGet) {
    headers.delete("content-type");
    headers.delete("content-length");
  }
  if (!sameOrigin) {
    for (const name of [...headers.keys()]) if (CREDENTIAL_HEADER.test(name)) headers.delete(name);
  }
  const next: RequestInit = { ...request, headers };
  if (toGet) {
    next.method = "GET";
    next.body = null;
  }
  return next;
}

/** The policy the settings describe (validated at start-up, so the allow list parses). */
export function egressPolicyFrom(
  settings: { MODELUX_EGRESS_POLICY: EgressMode; MODELUX_EGRESS_ALLOW?: string | undefined },
  options: Omit<EgressPolicyOptions, "mode" | "allow"> = {},
): EgressPolicy {
  return new EgressPolicy({
    ...options,
    mode: settings.MODELUX_EGRESS_POLICY,
    allow: parseEgressAllow(settings.MODELUX_EGRESS_ALLOW),
  });
}
