/**
 * The one way the admin app talks to the API: same-origin fetch with the session cookie, the
 * CSRF token on every state-changing request, and problem+json errors turned into ApiError.
 */

export type ProblemDetail = { path: string; message: string; personId?: string; [k: string]: unknown };

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: ProblemDetail[];
  constructor(status: number, code: string, title: string, errors: ProblemDetail[] = []) {
    super(title);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

let csrfToken = '';
/** Set from every session answer (sign-in, GET session, switch). */
export function setCsrfToken(token: string) {
  csrfToken = token;
}

const listeners = new Set<() => void>();
/** Called when any request answers 401: the session is gone. */
export function onUnauthenticated(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

type Query = Record<string, string | number | boolean | readonly string[] | null | undefined>;

export type RequestOptions = {
  query?: Query;
  /** JSON body; use `raw` for anything else. */
  body?: unknown;
  raw?: { body: BodyInit; contentType: string };
  signal?: AbortSignal;
  /** Do not broadcast a 401 (the session probe and sign-in expect it). */
  quiet401?: boolean;
};

export const API = '/api/v1';

export function apiUrl(path: string, query?: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    // Arrays repeat the key (status=new&status=contacted), as the API expects.
    if (Array.isArray(v)) for (const item of v) qs.append(k, item);
    else if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['content-type'] = opts.raw.contentType;
    body = opts.raw.body;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check the connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const p = (data && typeof data === 'object' ? data : {}) as {
      title?: string;
      code?: string;
      errors?: ProblemDetail[];
    };
    const err = new ApiError(
      res.status,
      p.code ?? 'http',
      p.title ?? `The server answered ${res.status} ${res.statusText}`,
      p.errors ?? [],
    );
    if (res.status === 401 && !opts.quiet401) for (const fn of listeners) fn();
    throw err;
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', path, { body, query }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  delete: (path: string) => request<void>('DELETE', path),
};

/**
 * Field errors of a problem keyed by form path: "body.address.city" and "address.city" both
 * become "address.city", ready for a Mantine form's setErrors.
 */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.errors) {
    const key = e.path.replace(/^(body|query|querystring|params)\./, '');
    if (key && !(key in out)) out[key] = e.message;
  }
  return out;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
