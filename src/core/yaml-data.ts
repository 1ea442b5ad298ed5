import type { Document } from "yaml";

/** Alias expansions allowed in one file: far above any real playbook, far below a "billion laughs". */
const MAX_ALIAS_COUNT = 1000;

/**
 * A parsed YAML document as plain data, or the sentence saying why it cannot be: the yaml library
 * refuses alias expansions that would exhaust memory, and that refusal becomes an issue, not a crash.
 */
export function yamlData(doc: Document): { data: unknown } | { error: string } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    return { error: `YAML: ${(error as Error).message}` };
  }
}
