import type { HttpResponse } from "../sdk/index.ts";

/** A reply body as data: JSON parsed, text as text, a form as an object, anything else as base64. */
export interface ParsedBody {
  body: unknown;
  /** Set when `body` is the reply's bytes in base64 (images, archives, other binary types). */
  body_encoding?: "base64";
}

const TEXTUAL = /^text\/|[/+](xml|html|javascript|csv|yaml|x-yaml|plain)$|^application\/(problem\+)?xml/;

/** The reply body parsed by its content type. */
export function parseReplyBody(res: HttpResponse): ParsedBody {
  const type = (res.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
  const bytes = res.raw ?? new Uint8Array();
  // The transport has parsed JSON already (any type naming json, vendor types included).
  if (type.includes("json")) return { body: res.body };
  if (bytes.length === 0) return { body: null };
  const text = typeof res.body === "string" ? res.body : new TextDecoder().decode(bytes);
  if (type === "application/x-www-form-urlencoded") return { body: formObject(text) };
  if (type === "" || TEXTUAL.test(type)) return { body: text };
  return { body: Buffer.from(bytes).toString("base64"), body_encoding: "base64" };
}

function formObject(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const seen = out[key];
    out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
}

/** The targets of an RFC 8288 `Link` header by relation: `{next: "https://…?page=2", last: …}`. */
export function linksOf(header: string | undefined): Record<string, string> | undefined {
  if (!header) return undefined;
  const links: Record<string, string> = {};
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? "")?.[1];
    if (rel) for (const name of rel.trim().split(/\s+/)) links[name.toLowerCase()] = match[1]!;
  }
  return Object.keys(links).length > 0 ? links : undefined;
}
