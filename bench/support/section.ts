// What each section of the PostgreSQL bench gets and gives back.
import type { ConnectorRegistry } from "../../src/connectors/registry.ts";

/** One row of the bench's table: ours beside its floor from the same run. */
export interface Row {
  what: string;
  ours: string;
  floor: string;
  floorWhat: string;
  note: string;
}

export interface SectionContext {
  /** The server's admin URL: each section creates its own database with it. */
  adminUrl: string;
  /** A temporary folder of the section's own (data dir, playbooks). */
  root: string;
  /** CI's smoke mode: the fewest rounds that still exercise every part. */
  tiny: boolean;
  registry: ConnectorRegistry;
  /** The bench's own file, started again for its helper processes. */
  self: string;
}

export const ms = (n: number, digits = 1) => `${n.toFixed(digits)} ms`;
