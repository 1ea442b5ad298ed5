import { hash } from "node:crypto";

/**
 * What the store keeps of one OCSF finding: its JSON text, the SHA-256 of that text (the
 * de-duplication hash; existing databases hold these values, so the text must stay
 * `JSON.stringify(finding)`) and the summary columns. Pure, so it can run in a worker thread.
 */
export interface AlertContent {
  text: string;
  hash: string;
  title: string;
  severityId: number;
  statusId: number;
  time: number;
}

/** The stored form of an OCSF Detection Finding. */
export function alertContent(ocsf: Record<string, unknown>): AlertContent {
  const text = JSON.stringify(ocsf);
  const info = (ocsf.finding_info ?? {}) as Record<string, unknown>;
  return {
    text,
    hash: hash("sha256", text, "hex"),
    title: String(info.title ?? ""),
    severityId: Number(ocsf.severity_id ?? 0),
    statusId: Number(ocsf.status_id ?? 0),
    time: Number(ocsf.time ?? 0),
  };
}
