import type { Migration } from "kysely/migration";
import * as connections from "./0001_connections.ts";
import * as runs from "./0002_runs.ts";
import * as alerts from "./0003_alerts.ts";
import * as stepWarnings from "./0004_step_warnings.ts";
import * as ingestRejects from "./0005_ingest_rejects.ts";
import * as triggers from "./0009_triggers.ts";
import * as access from "./0010_access.ts";
import * as sourcePause from "./0011_source_pause.ts";
import * as triggerErrors from "./0012_trigger_errors.ts";
import * as runWake from "./0013_run_wake.ts";
import * as leaseEpoch from "./0014_lease_epoch.ts";
import * as playbookVersions from "./0015_playbook_versions.ts";

/** Every migration, in the order they apply; names sort in that order too. Add new ones at the end. */
export const migrations: Record<string, Migration> = {
  "0001_connections": connections,
  "0002_runs": runs,
  "0003_alerts": alerts,
  "0004_step_warnings": stepWarnings,
  "0005_ingest_rejects": ingestRejects,
  "0009_triggers": triggers,
  "0010_access": access,
  "0011_source_pause": sourcePause,
  "0012_trigger_errors": triggerErrors,
  "0013_run_wake": runWake,
  "0014_lease_epoch": leaseEpoch,
  "0015_playbook_versions": playbookVersions,
};
