// The CLI's only way into modelux: HTTP to the Management API (/manage/v1, docs/management-api.md)
// with a management key. Lists are followed to their last page; a 429 waits for `retry-after`;
// a POST carries an Idempotency-Key so a retry after a lost answer cannot do it twice.

export interface ClientOptions {
  /** The control plane's base URL, e.g. http://127.0.0.1:8081. */
  url: string;
  /** A management key, `mlx_mk_…`. */
  key: string;
  fetch?: typeof fetch;
  sleep?: (milliseconds: number) => Promise<void>;
}

interface ErrorBody {
  type?: string;
  message?: string;
  fields?: Array<{ field: string; message: string }>;
}

/** A refusal from the Management API, with its type and the fields it named. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: Array<{ field: string; message: string }> = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

/** Attempts per request: 429s and, for requests safe to repeat, lost connections and 5xx. */
const MAX_ATTEMPTS = 5;
const MAX_WAIT_MS = 60_000;

export class ManagementClient {
  readonly #base: string;
  readonly #key: string;
  readonly #fetch: typeof fetch;
  readonly #sleep: (milliseconds: number) => Promise<void>;

  constructor(options: ClientOptions) {
    this.#base = `${options.url.replace(/\/+$/, "")}/manage/v1`;
    this.#key = options.key;
    this.#fetch = options.fetch ?? fetch;
    this.#sleep = options.sleep ?? ((milliseconds) => Bun.sleep(milliseconds));
  }

  /** One operation's `data`. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}) {
    const body = (await this.#send(method, path, options)) as { data: T };
    return body.data;
  }

  /** Every item of a list operation, page after page. */
  async list<T = unknown>(path: string, query: RequestOptions["query"] = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = (await this.#send("GET", path, {
        query: { ...query, limit: 100, cursor },
      })) as { data: T[]; next_cursor: string | null };
      items.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return items;
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<unknown> {
    const url = new URL(`${this.#base}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { authorization: `Bearer ${this.#key}` };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    // The same key on every attempt: the API answers a repeat with the first answer.
    if (method === "POST") headers["idempotency-key"] = crypto.randomUUID();
    // A DELETE repeated after a lost answer would be a 404; everything else here may repeat.
    const repeatable = method !== "DELETE";
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
      } catch (error) {
        if (!repeatable || attempt >= MAX_ATTEMPTS)
          throw new ApiError(0, "unreachable", `cannot reach ${url.origin}: ${errorText(error)}`);
        await this.#sleep(backoff(attempt));
        continue;
      }
      if (response.ok) return response.json();
      const retryable = response.status === 429 || (repeatable && response.status >= 500);
      if (retryable && attempt < MAX_ATTEMPTS) {
        const retryAfter = Number(response.headers.get("retry-after"));
        await response.body?.cancel();
        await this.#sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter * 1000, MAX_WAIT_MS)
            : backoff(attempt),
        );
        continue;
      }
      throw await apiError(method, path, response);
    }
  }
}

const backoff = (attempt: number) => Math.min(250 * 2 ** attempt, MAX_WAIT_MS);

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function apiError(method: string, path: string, response: Response): Promise<ApiError> {
  const text = await response.text();
  let error: ErrorBody = {};
  try {
    error = (JSON.parse(text) as { error?: ErrorBody }).error ?? {};
  } catch {
    // Not the Management API's shape (a proxy's page): the status says enough.
  }
  const message = error.message ?? `HTTP ${response.status}`;
  return new ApiError(
    response.status,
    error.type ?? "http",
    `${method} ${path}: ${message}`,
    error.fields,
  );
}
