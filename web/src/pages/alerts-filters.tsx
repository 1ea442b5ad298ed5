import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api } from "../api/client.ts";
import { ALERT_STATUSES, SEVERITIES } from "../format.ts";

export interface AlertFilters {
  severity: string[];
  status: string[];
  source?: string;
  since?: string;
  until?: string;
  q?: string;
}

export function filtersOf(search: URLSearchParams): AlertFilters {
  return {
    severity: search.getAll("severity"),
    status: search.getAll("status"),
    source: search.get("source") ?? undefined,
    since: search.get("since") ?? undefined,
    until: search.get("until") ?? undefined,
    q: search.get("q") ?? undefined,
  };
}

export function searchOf(filters: AlertFilters): string {
  const search = new URLSearchParams();
  for (const s of filters.severity) search.append("severity", s);
  for (const s of filters.status) search.append("status", s);
  for (const key of ["source", "since", "until", "q"] as const) {
    const value = filters[key];
    if (value) search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A `datetime-local` value (the analyst's time zone) as the ISO time the API takes. */
export function isoOfLocal(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function MultiToggle(props: {
  legend: string;
  name: string;
  options: readonly string[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
}) {
  return (
    <fieldset className="toggles">
      <legend>{props.legend}</legend>
      {props.options.map((option) => (
        <label key={option} className="toggle">
          <input
            type="checkbox"
            name={props.name}
            value={option}
            checked={props.chosen.includes(option)}
            onChange={(e) =>
              props.onChange(
                e.target.checked ? [...props.chosen, option] : props.chosen.filter((c) => c !== option),
              )
            }
          />
          {option.replace("_", " ")}
        </label>
      ))}
    </fieldset>
  );
}

/** The alert filters: severity, status, source, time range, free text (typed text applies after a pause). */
export function AlertFilterBar({
  filters,
  onChange,
}: {
  filters: AlertFilters;
  onChange: (f: AlertFilters) => void;
}) {
  const sources = useQuery({
    queryKey: ["sources"],
    queryFn: () => api<{ items: Array<{ name: string }> }>("GET", "/sources"),
    staleTime: 60_000,
  });
  const [q, setQ] = useState(filters.q ?? "");
  useEffect(() => setQ(filters.q ?? ""), [filters.q]);
  useEffect(() => {
    if ((filters.q ?? "") === q) return;
    const timer = setTimeout(() => onChange({ ...filters, q: q || undefined }), 250);
    return () => clearTimeout(timer);
  }, [q, filters, onChange]);
  return (
    <search className="filters">
      <label className="grow">
        Search
        <input
          type="search"
          name="q"
          placeholder="title, host, user, IP, hash…"
          value={q}
          maxLength={200}
          onChange={(e) => setQ(e.target.value)}
        />
      </label>
      <MultiToggle
        legend="Severity"
        name="severity"
        options={SEVERITIES.slice(1)}
        chosen={filters.severity}
        onChange={(severity) => onChange({ ...filters, severity })}
      />
      <MultiToggle
        legend="Status"
        name="status"
        options={ALERT_STATUSES}
        chosen={filters.status}
        onChange={(status) => onChange({ ...filters, status })}
      />
      <label>
        Source
        <select
          name="source"
          value={filters.source ?? ""}
          onChange={(e) => onChange({ ...filters, source: e.target.value || undefined })}
        >
          <option value="">all sources</option>
          {sources.data?.items.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input
          type="datetime-local"
          name="since"
          value={filters.since ?? ""}
          onChange={(e) => onChange({ ...filters, since: e.target.value || undefined })}
        />
      </label>
      <label>
        Until
        <input
          type="datetime-local"
          name="until"
          value={filters.until ?? ""}
          onChange={(e) => onChange({ ...filters, until: e.target.value || undefined })}
        />
      </label>
    </search>
  );
}
