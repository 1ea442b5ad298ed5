import assert from "node:assert/strict";
import { test } from "node:test";
import { cursorPages, nextLinkPages, offsetPages } from "./pagination.ts";

const items = Array.from({ length: 23 }, (_, i) => i);

test("offset pages stop after a short page", async () => {
  const asked: Array<Record<string, unknown>> = [];
  const fetchPage = async (params: Record<string, unknown>) => {
    asked.push(params);
    const offset = Number(params.offset);
    return { data: items.slice(offset, offset + Number(params.limit)) };
  };
  const seen: number[] = [];
  for await (const page of offsetPages(fetchPage, {
    items: "data",
    limitParam: "limit",
    offsetParam: "offset",
    pageSize: 10,
  })) {
    seen.push(...(page as { data: number[] }).data);
  }
  assert.deepEqual(seen, items);
  assert.deepEqual(
    asked.map((p) => p.offset),
    [0, 10, 20],
  );
});

test("cursor pages follow next cursors and refuse to loop on a repeated cursor", async () => {
  const fetchPage = async (params: Record<string, unknown>) => {
    const at = params.cursor === undefined ? 0 : Number(params.cursor);
    const next = at + 10 < items.length ? String(at + 10) : at === 20 ? "10" : null;
    return { items: items.slice(at, at + 10), meta: { next } };
  };
  const pages: unknown[] = [];
  for await (const page of cursorPages(fetchPage, {
    items: "items",
    cursorParam: "cursor",
    nextCursor: "meta.next",
  })) {
    pages.push(page);
  }
  assert.equal(pages.length, 3);
});

test("next links are followed until absent, reading keys that contain dots", async () => {
  const fetched: string[] = [];
  const pages = { "/p2": { value: [2], "@odata.nextLink": "/p3" }, "/p3": { value: [3] } } as Record<
    string,
    unknown
  >;
  const out: unknown[] = [];
  for await (const page of nextLinkPages(
    async () => ({ value: [1], "@odata.nextLink": "/p2" }),
    async (url) => {
      fetched.push(url);
      return pages[url];
    },
    { nextLink: "@odata.nextLink" },
  )) {
    out.push(...(page as { value: number[] }).value);
  }
  assert.deepEqual(out, [1, 2, 3]);
  assert.deepEqual(fetched, ["/p2", "/p3"]);
});
