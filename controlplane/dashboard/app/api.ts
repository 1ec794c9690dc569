// Every call the dashboard makes: the Management API's REST operations at /manage/v1 (the same
// ones the CLI, SDKs and MCP use) with the session cookie, and the CSRF token on writes.
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

let csrfToken: string | null = null;
export const setCsrfToken = (token: string | null) => {
  csrfToken = token;
};

/** Called when the session ended (401): the app shows the sign-in form again. */
let onSignedOut: () => void = () => {};
export const whenSignedOut = (handler: () => void) => {
  onSignedOut = handler;
};

type Query = Record<string, string | number | boolean | undefined | null>;

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown } = {},
): Promise<T> {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== "") {
      url.searchParams.set(name, String(value));
    }
  }
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as {
    error?: { type: string; message: string; fields?: FieldProblem[] };
  } | null;
  if (!response.ok) {
    const error = body?.error;
    if (response.status === 401 && !path.startsWith("/auth/sign-in")) onSignedOut();
    throw new ApiError(
      response.status,
      error?.type ?? "error",
      error?.message ?? `${response.status} ${response.statusText}`,
      error?.fields ?? [],
    );
  }
  return body as T;
}

const MANAGE = "/manage/v1";

/** One operation answering `{data}`. */
export async function op<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown } = {},
): Promise<T> {
  return (await request<{ data: T }>(method, MANAGE + path, options)).data;
}

/** One list operation answering `{data, next_cursor}`. */
export function list<T>(path: string, query: Query = {}): Promise<Page<T>> {
  return request<Page<T>>("GET", MANAGE + path, { query });
}

/** Every page of a list operation (small lists: projects, configs). */
export async function listAll<T>(path: string, query: Query = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await list<T>(path, { ...query, limit: 100, cursor });
    items.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && items.length < 2000);
  return items;
}

export const describeError = (error: unknown) =>
  error instanceof ApiError ? `${error.message}` : String((error as Error)?.message ?? error);
