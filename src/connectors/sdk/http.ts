import { Agent, type Dispatcher, FormData, request } from "undici";
import { ConnectionError, TimeoutError, UpstreamError } from "./errors.ts";

export type QueryValue = string | number | boolean | null | undefined | Array<string | number | boolean>;

/** A file in a multipart body. */
export interface FilePart {
  filename: string;
  content: string | Uint8Array;
  contentType?: string;
}

export type RequestBody =
  | { kind: "json"; value: unknown }
  | { kind: "form"; value: Record<string, QueryValue> }
  | { kind: "multipart"; value: Record<string, QueryValue | FilePart> }
  | { kind: "raw"; value: string | Uint8Array; contentType: string };

export interface HttpRequest {
  method: string;
  /** Absolute URL without the query string. */
  url: string;
  headers: Record<string, string>;
  query: Record<string, QueryValue>;
  body?: RequestBody;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the reply is JSON, else the text. */
  body: unknown;
  /** The reply's bytes as received (file downloads need them undecoded). */
  raw?: Uint8Array;
}

export interface TransportOptions {
  connectTimeoutMs: number;
  /** Whole request, from sending to the last byte of the reply. */
  timeoutMs: number;
  verifyTls: boolean;
  /** PEM certificates trusted instead of the system's (a private CA). */
  ca?: string;
  /** PEM client certificate and its key, for servers that want mutual TLS. */
  cert?: string;
  key?: string;
  /** Tests and embedders may hand in their own dispatcher (e.g. a shared pool). */
  dispatcher?: Dispatcher;
}

/** One keep-alive connection pool per connection, with connect and total timeouts. */
export class HttpTransport {
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #timeoutMs: number;

  constructor(options: TransportOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#ownsDispatcher = !options.dispatcher;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        keepAliveTimeout: 30_000,
        connections: 64,
        connect: {
          timeout: options.connectTimeoutMs,
          rejectUnauthorized: options.verifyTls,
          ca: options.ca,
          cert: options.cert,
          key: options.key,
        },
      });
  }

  async send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    // Not AbortSignal.timeout: its timer and signal would live for the whole timeout after the
    // reply, thousands of them at a few hundred requests a second.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException("request timed out", "TimeoutError")),
      this.#timeoutMs,
    );
    const url = withQuery(req.url, req.query);
    const { body, contentType } = encodeBody(req.body);
    const headers: Record<string, string> = { accept: "application/json", ...req.headers };
    if (contentType) headers["content-type"] = contentType;
    try {
      const res = await request(url, {
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body,
        dispatcher: this.#dispatcher,
        signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal,
      });
      const raw = new Uint8Array(await res.body.arrayBuffer());
      const text = new TextDecoder().decode(raw);
      const resHeaders = flattenHeaders(res.headers);
      return {
        status: res.statusCode,
        headers: resHeaders,
        raw,
        body: parseBody(text, resHeaders, res.statusCode),
      };
    } catch (error) {
      throw toTransportError(error, timeout.signal, req, this.#timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

export function withQuery(base: string, query: Record<string, QueryValue>): string {
  const params = toSearchParams(query);
  const qs = params.toString();
  if (!qs) return base;
  return base + (base.includes("?") ? "&" : "?") + qs;
}

function toSearchParams(values: Record<string, QueryValue>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  return params;
}

function encodeBody(body: RequestBody | undefined): {
  body?: string | Uint8Array | FormData;
  contentType?: string;
} {
  if (!body) return {};
  switch (body.kind) {
    case "json":
      return { body: JSON.stringify(body.value), contentType: "application/json" };
    case "form":
      return {
        body: toSearchParams(body.value).toString(),
        contentType: "application/x-www-form-urlencoded",
      };
    case "raw":
      return { body: body.value, contentType: body.contentType };
    case "multipart": {
      const form = new FormData();
      for (const [key, value] of Object.entries(body.value)) {
        if (value === undefined || value === null) continue;
        if (isFilePart(value)) {
          const blob = new Blob([value.content as string], {
            type: value.contentType ?? "application/octet-stream",
          });
          form.append(key, blob, value.filename);
        } else if (Array.isArray(value)) {
          for (const item of value) form.append(key, String(item));
        } else {
          form.append(key, String(value));
        }
      }
      // undici sets the multipart boundary itself.
      return { body: form };
    }
  }
}

export function isFilePart(value: unknown): value is FilePart {
  return typeof value === "object" && value !== null && "filename" in value && "content" in value;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) out[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

function parseBody(text: string, headers: Record<string, string>, status: number): unknown {
  const type = headers["content-type"] ?? "";
  if (!type.includes("json")) return text;
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new UpstreamError(`vendor replied with malformed JSON (HTTP ${status})`, {
      status,
      details: { snippet: text.slice(0, 200) },
      retryable: status >= 500,
    });
  }
}

function toTransportError(error: unknown, timeout: AbortSignal, req: HttpRequest, timeoutMs: number): Error {
  if (error instanceof UpstreamError) return error;
  const where = `${req.method} ${new URL(req.url).host}`;
  if (timeout.aborted) return new TimeoutError(`${where} did not answer within ${timeoutMs} ms`);
  const code = (error as { code?: string }).code ?? "";
  if (code === "UND_ERR_CONNECT_TIMEOUT")
    return new TimeoutError(`${where}: connect timed out`, { cause: error });
  if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
    return new TimeoutError(`${where}: reply timed out`, { cause: error });
  }
  if ((error as Error).name === "AbortError")
    return new ConnectionError(`${where}: request aborted`, { retryable: false });
  const reason = code || (error as Error).message;
  return new ConnectionError(`${where}: ${reason}`, { cause: error, details: { code } });
}
