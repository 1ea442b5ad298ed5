import { safeHref } from "../safe.ts";

/** A JSON value as a collapsible tree of text: objects and arrays fold, strings are never HTML. */
export function JsonView({ value, open = 1, label }: { value: unknown; open?: number; label?: string }) {
  return (
    <div className="json">
      <JsonNode value={value} depth={0} open={open} name={label} />
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (value === null) return <span className="json-null">null</span>;
  if (typeof value === "string") {
    const href = safeHref(value);
    const shown = JSON.stringify(value);
    return href ? (
      <a className="json-string" href={href} target="_blank" rel="noopener noreferrer nofollow">
        {shown}
      </a>
    ) : (
      <span className="json-string">{shown}</span>
    );
  }
  if (typeof value === "number") return <span className="json-number">{String(value)}</span>;
  if (typeof value === "boolean") return <span className="json-bool">{String(value)}</span>;
  return <span>{String(value)}</span>;
}

function JsonNode({
  value,
  depth,
  open,
  name,
}: {
  value: unknown;
  depth: number;
  open: number;
  name?: string;
}) {
  const key = name === undefined ? null : <span className="json-key">{name}: </span>;
  if (value === null || typeof value !== "object") {
    return (
      <div className="json-line">
        {key}
        <Scalar value={value} />
      </div>
    );
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  const brackets = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (entries.length === 0)
    return (
      <div className="json-line">
        {key}
        {brackets.join("")}
      </div>
    );
  return (
    <details className="json-node" open={depth < open}>
      <summary>
        {key}
        {brackets[0]}
        <span className="json-count">
          {" "}
          {entries.length} {Array.isArray(value) ? "items" : "keys"}{" "}
        </span>
        {brackets[1]}
      </summary>
      <div className="json-children">
        {entries.map(([k, v]) => (
          <JsonNode key={k} name={k} value={v} depth={depth + 1} open={open} />
        ))}
      </div>
    </details>
  );
}
