import { type Static, Type } from "@sinclair/typebox";
import {
  defineOperation,
  type FilePart,
  type HttpRequest,
  itemsOf,
  type PaginationSpec,
  type QueryValue,
  ValidationError,
} from "../sdk/index.ts";
import { linksOf, parseReplyBody } from "./reply-body.ts";
import { StatusEntry, statusMatcher } from "./statuses.ts";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const ParamName = Type.String({ pattern: "^[^.]+$", minLength: 1, description: "a query parameter name" });
const ReplyPath = (what: string) =>
  Type.String({ minLength: 1, description: `dotted path to ${what} in the reply, e.g. body.data` });

const File = Type.Object(
  {
    filename: Type.String({ minLength: 1 }),
    content: Type.String({ description: "the file's content: text, or base64 with encoding base64" }),
    encoding: Type.Optional(Type.Unsafe<"utf8" | "base64">({ type: "string", enum: ["utf8", "base64"] })),
    content_type: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

const requires = (style: string, required: string[]) => ({
  if: { properties: { style: { const: style } }, required: ["style"] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword.
  then: { required },
});

const Paginate = Type.Object(
  {
    style: Type.Unsafe<"offset" | "cursor" | "next-link">({
      type: "string",
      enum: ["offset", "cursor", "next-link"],
      description: "offset/limit, a cursor from each reply, or a next link from each reply",
    }),
    items: ReplyPath("each page's array of items"),
    max_pages: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: "pages fetched at most" }),
    limit_param: Type.Optional(ParamName),
    offset_param: Type.Optional(ParamName),
    page_size: Type.Optional(Type.Integer({ minimum: 1, description: "items asked for per page" })),
    cursor_param: Type.Optional(ParamName),
    next_cursor: Type.Optional(ReplyPath("the next cursor")),
    page_size_param: Type.Optional(ParamName),
    next_link: Type.Optional(ReplyPath("the next page's URL (links.next reads a Link header)")),
  },
  {
    additionalProperties: false,
    allOf: [
      requires("offset", ["limit_param", "offset_param", "page_size"]),
      requires("cursor", ["cursor_param", "next_cursor"]),
      requires("next-link", ["next_link"]),
    ],
  },
);

export const RequestInput = Type.Object(
  {
    method: Type.Unsafe<string>({ type: "string", enum: METHODS, default: "GET" }),
    path: Type.String({
      minLength: 1,
      pattern: "^(/|https?://)",
      description:
        "path relative to the connection's URL (/v1/items), or an absolute URL on the connection's origin or one it allows",
    }),
    query: Type.Optional(Type.Record(Type.String(), Type.Union([Scalar, Type.Array(Scalar), Type.Null()]))),
    headers: Type.Optional(
      Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), Type.String()),
    ),
    json: Type.Optional(Type.Unknown({ description: "a JSON body" })),
    form: Type.Optional(
      Type.Record(Type.String(), Type.Union([Scalar, Type.Array(Scalar)]), {
        description: "a url-encoded form body",
      }),
    ),
    multipart: Type.Optional(
      Type.Record(Type.String(), Type.Union([Scalar, File]), {
        description: "a multipart/form-data body: fields and files",
      }),
    ),
    raw: Type.Optional(
      Type.String({ description: "a body sent as it is (base64 with raw_encoding base64)" }),
    ),
    raw_encoding: Type.Optional(Type.Unsafe<"utf8" | "base64">({ type: "string", enum: ["utf8", "base64"] })),
    content_type: Type.Optional(
      Type.String({ minLength: 1, description: "content type of raw (default text/plain)" }),
    ),
    expect: Type.Optional(
      Type.Array(StatusEntry, {
        minItems: 1,
        description: 'statuses that count as success, e.g. [200, 404] or ["2xx"] (default: below 400)',
      }),
    ),
    paginate: Type.Optional(Paginate),
  },
  { additionalProperties: false },
);

export type RequestInput = Static<typeof RequestInput>;

export const RequestOutput = Type.Object({
  status: Type.Integer(),
  headers: Type.Record(Type.String(), Type.String()),
  body: Type.Unknown({ description: "JSON parsed, text as text, a form as an object, binary as base64" }),
  body_encoding: Type.Optional(Type.Literal("base64")),
  links: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "the Link header by rel" })),
  items: Type.Optional(Type.Array(Type.Unknown(), { description: "with paginate: every page's items" })),
  pages: Type.Optional(Type.Integer({ description: "with paginate: pages fetched" })),
  page_limit_reached: Type.Optional(
    Type.Boolean({ description: "with paginate: max_pages ended the walk; the vendor may have more" }),
  ),
});

export type RequestOutput = Static<typeof RequestOutput>;

const BODIES = ["json", "form", "multipart", "raw"] as const;

function check(input: RequestInput): void {
  const given = BODIES.filter((kind) => input[kind] !== undefined);
  if (given.length > 1)
    throw new ValidationError(
      `input.${given[1]} cannot be sent with input.${given[0]}: one body per request`,
      {
        field: given[1],
      },
    );
  if (given.length === 1 && (input.method === "GET" || input.method === "HEAD"))
    throw new ValidationError(`input.${given[0]} cannot be sent with ${input.method}`, { field: given[0] });
  for (const field of ["content_type", "raw_encoding"] as const)
    if (input[field] !== undefined && input.raw === undefined)
      throw new ValidationError(`input.${field} applies to input.raw only`, { field });
  if (input.paginate && input.method !== "GET")
    throw new ValidationError("input.paginate applies to GET requests only", { field: "paginate" });
}

function bodyOf(input: RequestInput, headers: Record<string, string>): HttpRequest["body"] {
  const contentType = headers["content-type"];
  if (input.json !== undefined) {
    // A vendor JSON type (application/vnd.api+json) given as a header is sent as it is.
    if (contentType) return { kind: "raw", value: JSON.stringify(input.json), contentType };
    return { kind: "json", value: input.json };
  }
  if (input.form) return { kind: "form", value: input.form as Record<string, QueryValue> };
  if (input.multipart) {
    const value: Record<string, QueryValue | FilePart> = {};
    for (const [name, part] of Object.entries(input.multipart)) {
      value[name] =
        typeof part === "object"
          ? {
              filename: part.filename,
              content: part.encoding === "base64" ? Buffer.from(part.content, "base64") : part.content,
              contentType: part.content_type,
            }
          : part;
    }
    return { kind: "multipart", value };
  }
  if (input.raw !== undefined) {
    const value = input.raw_encoding === "base64" ? Buffer.from(input.raw, "base64") : input.raw;
    return { kind: "raw", value, contentType: input.content_type ?? contentType ?? "text/plain" };
  }
  return undefined;
}

function paginationOf(input: RequestInput): PaginationSpec {
  const p = input.paginate!;
  const param = (name: string | undefined) => `query.${name}`;
  if (p.style === "offset")
    return {
      style: "offset",
      items: p.items,
      limitParam: param(p.limit_param),
      offsetParam: param(p.offset_param),
      pageSize: p.page_size!,
    };
  if (p.style === "cursor")
    return {
      style: "cursor",
      items: p.items,
      cursorParam: param(p.cursor_param),
      nextCursor: p.next_cursor!,
      pageSize:
        p.page_size_param && p.page_size
          ? { param: param(p.page_size_param), value: p.page_size }
          : undefined,
    };
  return { style: "next-link", items: p.items, nextLink: p.next_link! };
}

/** The generic connector's one operation: any request the connection may send. */
export const requestOperation = defineOperation({
  name: "request",
  title: "HTTP request",
  description:
    "Send one HTTP request through the connection (its URL, TLS, auth, headers, retries and rate limit) and return {status, headers, body}; with paginate, walk the pages and return their items.",
  method: "GET",
  // The real method, URL, headers and body come from the input, in `request` below.
  path: "/",
  input: RequestInput,
  output: RequestOutput,
  check,
  request: (input, template) => {
    // The template's URL is the connection's base URL followed by this operation's "/".
    const base = template.url.slice(0, -1);
    const headers = Object.fromEntries(
      Object.entries(input.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const query: Record<string, QueryValue> = {};
    for (const [name, value] of Object.entries(input.query ?? {})) query[name] = value as QueryValue;
    return {
      method: input.method,
      url: /^https?:\/\//.test(input.path) ? input.path : base + input.path,
      headers,
      query,
      body: bodyOf(input, headers),
    };
  },
  response: (_body, res) => {
    const out: RequestOutput = { status: res.status, headers: res.headers, ...parseReplyBody(res) };
    const links = linksOf(res.headers.link);
    if (links) out.links = links;
    return out;
  },
  success: (status, input) => (input.expect ? statusMatcher(input.expect)(status) : status < 400),
  paginate: (input) => (input.paginate ? paginationOf(input) : undefined),
  collect: (input) =>
    input.paginate
      ? {
          maxPages: input.paginate.max_pages,
          combine: (pages, stoppedAtLimit) => {
            const last = pages.at(-1) as RequestOutput;
            return {
              ...last,
              items: pages.flatMap((page) => itemsOf(page, input.paginate!.items)),
              pages: pages.length,
              page_limit_reached: stoppedAtLimit,
            };
          },
        }
      : undefined,
});
