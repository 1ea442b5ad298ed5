/** The API's one error body, as an Error the UI can show: the message, and the field it names. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly field?: string;
  readonly body?: unknown;
  constructor(status: number, type: string, message: string, field?: string, body?: unknown) {
    super(message);
    this.status = status;
    this.type = type;
    this.field = field;
    this.body = body;
  }
}

export const API = "/api/v1";

/** The CSRF token the service put in its readable cookie at sign-in (the session cookie itself is HttpOnly). */
export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "rampart_csrf") return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

/** Listeners told when the service says the session has ended (401), so the UI shows the sign-in. */
const unauthenticated = new Set<() => void>();
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticated.add(listener);
  return () => unauthenticated.delete(listener);
}

/** One API call with the session cookie; state-changing ones carry the CSRF header. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") {
    const token = csrfToken();
    if (token) headers["x-csrf-token"] = token;
  }
  const res = await fetch(`${API}${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const error = (parsed as { error?: { type?: string; message?: string; field?: string } })?.error;
    if (res.status === 401 && path !== "/auth/login") for (const listener of unauthenticated) listener();
    throw new ApiError(
      res.status,
      error?.type ?? "Error",
      error?.message ?? `${method} ${path} answered ${res.status}`,
      error?.field,
      parsed,
    );
  }
  return parsed as T;
}

/** A query string from the defined values (arrays repeat the key). */
export function query(params: Record<string, string | number | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === "") continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, v);
    else search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
