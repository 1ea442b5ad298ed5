import { dig } from "./dig.ts";

/**
 * How a listing operation pages; `items` is a dotted path to the array in each page.
 * Parameter names may be dotted paths into the input, for vendors that nest paging in a body object.
 * `drain` is for consume-once feeds (notification queues): the same request is sent again while pages come back full.
 */
export type PaginationSpec =
  | { style: "offset"; items: string; limitParam: string; offsetParam: string; pageSize: number }
  | { style: "drain"; items: string; limitParam: string; pageSize: number; maxPages?: number }
  | {
      style: "cursor";
      items: string;
      cursorParam: string;
      nextCursor: string;
      pageSize?: { param: string; value: number };
      /** Input fields sent with the first page only: the vendor's cursor carries them (Leen answers 422 otherwise). */
      firstPageOnly?: readonly string[];
    }
  | { style: "next-link"; items: string; nextLink: string };

export type FetchPage = (params: Record<string, unknown>) => Promise<unknown>;
export type FetchUrl = (url: string) => Promise<unknown>;

export function itemsOf(page: unknown, path: string): unknown[] {
  const items = dig(page, path);
  return Array.isArray(items) ? items : [];
}

/** Offset/limit pages until a short or empty page. */
export async function* offsetPages(
  fetchPage: FetchPage,
  spec: { items: string; limitParam: string; offsetParam: string; pageSize: number },
  start = 0,
): AsyncGenerator<unknown> {
  let offset = start;
  for (;;) {
    const page = await fetchPage({ [spec.limitParam]: spec.pageSize, [spec.offsetParam]: offset });
    yield page;
    const count = itemsOf(page, spec.items).length;
    if (count < spec.pageSize) return;
    offset += count;
  }
}

/** Asks a consume-once feed for pages until a short or empty one (or `maxPages`), so nothing is left queued. */
export async function* drainPages(
  fetchPage: FetchPage,
  spec: { items: string; limitParam: string; pageSize: number; maxPages?: number },
): AsyncGenerator<unknown> {
  for (let pages = 1; ; pages++) {
    const page = await fetchPage({ [spec.limitParam]: spec.pageSize });
    yield page;
    if (itemsOf(page, spec.items).length < spec.pageSize) return;
    if (spec.maxPages !== undefined && pages >= spec.maxPages) return;
  }
}

/** Cursor pages until the vendor returns no next cursor. */
export async function* cursorPages(
  fetchPage: FetchPage,
  spec: {
    items: string;
    cursorParam: string;
    nextCursor: string;
    pageSize?: { param: string; value: number };
  },
): AsyncGenerator<unknown> {
  let cursor: unknown;
  const seen = new Set<unknown>();
  for (;;) {
    const params: Record<string, unknown> = spec.pageSize
      ? { [spec.pageSize.param]: spec.pageSize.value }
      : {};
    if (cursor !== undefined) params[spec.cursorParam] = cursor;
    const page = await fetchPage(params);
    yield page;
    cursor = dig(page, spec.nextCursor);
    // A vendor handing back a cursor it already gave would loop forever.
    if (cursor === undefined || cursor === null || cursor === "" || seen.has(cursor)) return;
    seen.add(cursor);
  }
}

/** Follows absolute next links (OData `@odata.nextLink`, Canary `next_link`). */
export async function* nextLinkPages(
  first: () => Promise<unknown>,
  fetchUrl: FetchUrl,
  spec: { nextLink: string },
): AsyncGenerator<unknown> {
  let page = await first();
  const seen = new Set<string>();
  for (;;) {
    yield page;
    const next = dig(page, spec.nextLink);
    if (typeof next !== "string" || next === "" || seen.has(next)) return;
    seen.add(next);
    page = await fetchUrl(next);
  }
}
