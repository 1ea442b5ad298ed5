import { useState } from "react";
import { ApiError } from "../api/client.ts";
import { SEVERITY_CAPTION, STATUS_CAPTION } from "../format.ts";
import { safeHref } from "../safe.ts";

export function SeverityBadge({ id }: { id: number }) {
  const caption = SEVERITY_CAPTION[id] ?? `Severity ${id}`;
  return <span className={`badge sev-${id}`}>{caption}</span>;
}

export function AlertStatus({ id }: { id: number }) {
  return <span className={`badge alert-status-${id}`}>{STATUS_CAPTION[id] ?? `Status ${id}`}</span>;
}

export function RunStatus({ status }: { status: string }) {
  return <span className={`badge status-${status.replace(/[^a-z_]/gi, "")}`}>{status}</span>;
}

/** Copies a value to the clipboard; says so for a moment. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="small"
      aria-label={`Copy ${label}`}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
          setCopied(true);
          setTimeout(() => setCopied(false), 1200);
        } catch {
          setCopied(false);
        }
      }}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

/** A link from vendor data: followed only when http(s); anything else is shown as text. */
export function SafeLink({ href, children }: { href: unknown; children?: React.ReactNode }) {
  const safe = safeHref(href);
  const label = children ?? String(href ?? "");
  if (!safe) return <span className="unsafe-link">{label}</span>;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer nofollow">
      {label}
    </a>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof ApiError
      ? `${error.message}${error.field ? ` (field: ${error.field})` : ""}`
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}
