import { diffLines } from "diff";

/** What changed between two versions of an OCSF event, line by line of its pretty JSON, as text. */
export function VersionDiff({ before, after }: { before: unknown; after: unknown }) {
  const parts = diffLines(JSON.stringify(before, null, 2), JSON.stringify(after, null, 2));
  const changed = parts.filter((p) => p.added || p.removed);
  if (changed.length === 0) return <p className="muted">No change.</p>;
  return (
    <pre className="diff">
      {parts.map((part, i) => {
        // The parts of one diff never reorder: their position is their identity.
        const key = `part-${i}`;
        if (!part.added && !part.removed) {
          const lines = part.value.split("\n");
          // Unchanged runs fold to their edges: two lines of context on each side.
          const shown =
            lines.length > 6
              ? [...lines.slice(0, 2), `  … ${lines.length - 5} unchanged lines`, ...lines.slice(-3)]
              : lines;
          return (
            <span key={key} className="diff-same">
              {shown.join("\n")}
            </span>
          );
        }
        return (
          <span key={key} className={part.added ? "diff-add" : "diff-del"}>
            {part.value
              .replace(/\n$/, "")
              .split("\n")
              .map((line) => `${part.added ? "+" : "-"} ${line}`)
              .join("\n")}
            {"\n"}
          </span>
        );
      })}
    </pre>
  );
}
