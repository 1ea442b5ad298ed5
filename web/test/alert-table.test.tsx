import { act } from "react";
import { createRoot } from "react-dom/client";
import { expect, test } from "vitest";
import type { Alert } from "../src/api/types.ts";
import { AlertTable } from "../src/pages/alert-table.tsx";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// jsdom lays nothing out (every size is 0): the scrolling box gets the size a browser would give it.
for (const [name, size] of [
  ["clientHeight", 600],
  ["clientWidth", 1200],
] as const)
  Object.defineProperty(HTMLElement.prototype, name, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("table-scroll") ? size : 0;
    },
  });

const HOSTILE = `<img src=x onerror="globalThis.__pwned=1"><script>globalThis.__pwned=2</script>`;

function alert(n: number, title: string): Alert {
  return {
    id: `a${n}`,
    source: "canary",
    connector: "thinkst-canary",
    vendor_id: `v${n}`,
    title,
    severity_id: n % 2 ? 4 : 2,
    status_id: 1,
    time: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    version: 1,
    ingested_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    assignee: n === 0 ? `<b>${HOSTILE}</b>` : null,
    observables: [{ name: "src_endpoint.ip", type: "IP Address", value: n === 0 ? HOSTILE : "10.0.0.1" }],
  };
}

function renderTable(alerts: Alert[], selectable: boolean) {
  const host = document.createElement("div");
  document.body.append(host);
  act(() =>
    createRoot(host).render(
      <AlertTable
        alerts={alerts}
        selectable={selectable}
        selection={{}}
        onSelectionChange={() => {}}
        height={600}
      />,
    ),
  );
  return host;
}

test("hostile titles, assignees and observables render as text: no element, no script run", () => {
  const host = renderTable([alert(0, HOSTILE), alert(1, "SSH Login Attempt")], true);
  const title = host.querySelector('tr[data-alert-id="a0"] td.col-title a')!;
  expect(title.textContent).toBe(HOSTILE);
  expect(title.getAttribute("href")).toBe("/alerts/a0");
  expect(host.querySelector("tbody img, tbody script, tbody b")).toBeNull();
  expect(host.querySelector('tr[data-alert-id="a0"] td.col-assignee')!.textContent).toBe(`<b>${HOSTILE}</b>`);
  expect(host.querySelector('tr[data-alert-id="a0"] td.col-observables')!.textContent).toBe(HOSTILE);
  expect((globalThis as { __pwned?: number }).__pwned).toBeUndefined();
});

test("rows are virtualized: 10,000 alerts put only a screenful of rows in the page", () => {
  const many = Array.from({ length: 10_000 }, (_, n) => alert(n, `alert ${n}`));
  const host = renderTable(many, false);
  const rows = host.querySelectorAll("tbody tr").length;
  expect(rows).toBeGreaterThan(5);
  expect(rows).toBeLessThan(100);
  expect(host.querySelector("table")!.getAttribute("aria-rowcount")).toBe("10001");
  // A viewer's table has no selection column.
  expect(host.querySelector('input[type="checkbox"]')).toBeNull();
});
