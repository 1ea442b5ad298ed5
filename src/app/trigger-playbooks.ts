import { schemas } from "../connectors/sdk/index.ts";
import {
  type ConnectorCatalog,
  type LoadedPlaybook,
  loadPlaybook,
  PlaybookError,
  type PlaybookIssue,
} from "../engine/load.ts";
import { type CompiledSchedule, compileSchedule } from "../engine/schedule.ts";
import { playbookFiles } from "../ingest/triggers.ts";

/** A playbook with a webhook or schedule trigger, loaded and compiled. */
export interface TriggeredPlaybook {
  name: string;
  path: string;
  playbook: LoadedPlaybook;
  webhook?: { auth: "signature" | "token" | "either" };
  schedule?: CompiledSchedule;
  /** Checks a run's input against the playbook's `inputs` (defaults applied); a ValidationError names the field. */
  checkInput(input: unknown): unknown;
}

/** A webhook playbook as the hook route (src/api/routes/hooks.ts) takes it. */
export interface WebhookTarget {
  name: string;
  auth: "signature" | "token" | "either";
  checkInput(input: unknown): unknown;
}

/** A folder's playbooks by name, for the hook route and the Scheduler. */
export interface TriggerPlaybooks {
  byName: Map<string, TriggeredPlaybook>;
  webhooks(): TriggeredPlaybook[];
  schedules(): TriggeredPlaybook[];
  /** The hook route's view of a webhook playbook (undefined for any other name): mount with `target`. */
  hookTarget(name: string): WebhookTarget | undefined;
}

/**
 * Loads every playbook of `dir` (not the `*.test.yaml` files). Any playbook that does not load, or
 * two with one name, fail the whole load with every issue, so a broken file is seen at start.
 */
export async function loadTriggerPlaybooks(
  dir: string,
  catalog: ConnectorCatalog,
): Promise<TriggerPlaybooks> {
  const issues: PlaybookIssue[] = [];
  const byName = new Map<string, TriggeredPlaybook>();
  for (const path of await playbookFiles(dir)) {
    let playbook: LoadedPlaybook;
    try {
      playbook = await loadPlaybook(path, { catalog });
    } catch (error) {
      if (!(error instanceof PlaybookError)) throw error;
      issues.push(...error.issues);
      continue;
    }
    const { name, trigger, inputs } = playbook.definition;
    const other = byName.get(name);
    if (other) {
      issues.push({
        file: path,
        line: 1,
        column: 1,
        path: "name",
        message: `playbook name "${name}" is also used by ${other.path}`,
      });
      continue;
    }
    byName.set(name, {
      name,
      path,
      playbook,
      webhook: trigger?.webhook ? { auth: trigger.webhook.auth ?? "signature" } : undefined,
      schedule: trigger?.schedule ? compileSchedule(trigger.schedule) : undefined,
      checkInput: (input) => (inputs ? schemas.assert(inputs, structuredClone(input), "input") : input),
    });
  }
  if (issues.length > 0) throw new PlaybookError(issues);
  const all = [...byName.values()];
  return {
    byName,
    webhooks: () => all.filter((p) => p.webhook),
    schedules: () => all.filter((p) => p.schedule),
    hookTarget: (name) => {
      const found = byName.get(name);
      return found?.webhook ? { name, auth: found.webhook.auth, checkInput: found.checkInput } : undefined;
    },
  };
}
