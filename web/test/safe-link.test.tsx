import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, test } from "vitest";
import { SafeLink } from "../src/components/bits.tsx";
import { JsonView } from "../src/components/json-view.tsx";
import { safeHref } from "../src/safe.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

function render(node: React.ReactNode): HTMLElement {
  const host = document.createElement("div");
  document.body.append(host);
  act(() => createRoot(host).render(node));
  return host;
}
afterEach(() => {
  document.body.innerHTML = "";
});

describe("links from vendor data", () => {
  test("only http and https are links", () => {
    expect(safeHref("https://iris.example/case/12")).toBe("https://iris.example/case/12");
    expect(safeHref("  http://10.0.0.5:8080/x ")).toBe("http://10.0.0.5:8080/x");
    for (const hostile of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "java\tscript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox",
      "//evil.example/x",
      "/relative",
      "https//missing-colon",
      "http://",
      "",
      42,
      null,
    ])
      expect(safeHref(hostile), String(hostile)).toBeUndefined();
  });

  test("a javascript: URL is shown as text, never an anchor; an https one opens without the opener", () => {
    const hostile = ["javascript", "alert(1)"].join(":");
    const bad = render(<SafeLink href={hostile} />);
    expect(bad.querySelector("a")).toBeNull();
    expect(bad.textContent).toBe(hostile);
    const good = render(<SafeLink href="https://example.com/a">case</SafeLink>);
    const a = good.querySelector("a")!;
    expect(a.getAttribute("href")).toBe("https://example.com/a");
    expect(a.rel).toContain("noopener");
    expect(a.target).toBe("_blank");
  });

  test("the JSON viewer links http(s) strings only and shows markup as text", () => {
    const host = render(
      <JsonView
        value={{ url: "https://x.example/", js: "javascript:alert(1)", html: "<img src=x onerror=alert(1)>" }}
        open={2}
      />,
    );
    const links = [...host.querySelectorAll("a")].map((a) => a.getAttribute("href"));
    expect(links).toEqual(["https://x.example/"]);
    expect(host.querySelector("img")).toBeNull();
    expect(host.textContent).toContain('"<img src=x onerror=alert(1)>"');
  });
});
