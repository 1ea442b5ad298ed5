import type { StepAttempt } from "../api/types.ts";

/**
 * A step attempt's key (`loop[2].inner`, `retry@2[0].inner`, `sub/inner`) as the graph's node id
 * (`loop/inner`); a sub-playbook's own steps map to the sub-playbook's node.
 */
export function nodeIdOfKey(key: string, known: ReadonlySet<string>): string | undefined {
  const id = key.replace(/@\d+/g, "").replace(/\[\d+\]\./g, "/");
  if (known.has(id)) return id;
  // A sub-playbook step's inner keys are `sub/inner`: colour the sub-playbook's node.
  const parts = id.split("/");
  for (let n = parts.length - 1; n > 0; n--) {
    const prefix = parts.slice(0, n).join("/");
    if (known.has(prefix)) return prefix;
  }
  return undefined;
}

const RANK: Record<string, number> = {
  failed: 6,
  interrupted: 5,
  waiting: 4,
  running: 3,
  retrying: 3,
  succeeded: 1,
  replayed: 1,
};

/**
 * Each node's status from the run's attempts: a node's latest attempt, and for a step run once per
 * item the most telling one (failed over waiting over running over succeeded).
 */
export function nodeStatuses(steps: readonly StepAttempt[], known: ReadonlySet<string>): Map<string, string> {
  const latest = new Map<string, StepAttempt>();
  for (const step of steps) {
    const seen = latest.get(step.key);
    if (!seen || step.attempt >= seen.attempt) latest.set(step.key, step);
  }
  const statuses = new Map<string, string>();
  for (const step of latest.values()) {
    const id = nodeIdOfKey(step.key, known);
    if (!id) continue;
    const before = statuses.get(id);
    if (!before || (RANK[step.status] ?? 0) > (RANK[before] ?? 0)) statuses.set(id, step.status);
  }
  return statuses;
}
