import { relative, resolve } from "node:path";

/**
 * A playbook version's sources as stored (`playbook_versions.sources`): keyed by path relative to the
 * playbook's folder, as its hash is computed, so one row serves every copy of the same files.
 */
export function relativeSources(sources: Record<string, string>, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(sources)) out[relative(root, path)] = text;
  return out;
}

/** The stored sources back under absolute paths, for a run of the playbook in `root`. */
export function absoluteSources(sources: Record<string, string>, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, text] of Object.entries(sources)) out[resolve(root, path)] = text;
  return out;
}
