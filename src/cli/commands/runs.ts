import { userInfo } from "node:os";
import type { Command } from "commander";
import type { ConnectorRegistry } from "../../connectors/registry.ts";
import {
  formatMismatch,
  NotFoundError,
  Redactor,
  secretsOf,
  ValidationError,
} from "../../connectors/sdk/index.ts";
import type { RunRecord, RunStatus, StepRecord } from "../../engine/run-store.ts";
import type { ConnectionStore } from "../../store/connections.ts";
import { UsageError } from "../failure.ts";
import { eventPrinter, printOutcome, withCommandEngine } from "../run-engine.ts";
import { table } from "../table.ts";
import { dispatcherOf, triggerTable } from "../triggers.ts";

const STATUSES: RunStatus[] = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"];

export function registerRunsCommands(program: Command): void {
  const runs = program
    .command("runs")
    .description("Playbook run history: list, show, approve, cancel, re-run");

  runs
    .command("list")
    .description("Recent runs, newest first")
    .option("--status <status>", `only runs in this status (${STATUSES.join(", ")})`)
    .option("--limit <n>", "at most this many", "20")
    .option("--json", "print JSON")
    .action(async (options: { status?: string; limit: string; json?: boolean }, command: Command) => {
      if (options.status && !STATUSES.includes(options.status as RunStatus))
        throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
      await withCommandEngine(command, {}, async ({ runs: store }) => {
        const list = await store.listRuns({ status: options.status as RunStatus | undefined, limit });
        if (options.json) {
          console.log(JSON.stringify(list.map(summary), null, 2));
          return;
        }
        if (list.length === 0) {
          console.log("no runs yet; start one with rampart run <playbook.yaml>");
          return;
        }
        console.log(
          table(
            ["ID", "PLAYBOOK", "STATUS", "CREATED", "FINISHED", "ALERT"],
            list.map((r) => [r.id, r.playbookName, r.status, r.createdAt, r.finishedAt ?? "", alertOf(r)]),
          ),
        );
      });
    });

  runs
    .command("show <id>")
    .description("One run: inputs, outputs, and each step attempt's input, output, error, status and timing")
    .option("--json", "print JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      await withCommandEngine(command, {}, async ({ runs: store, connections, registry }) => {
        const run = await store.getRun(id);
        if (!run) throw new NotFoundError(`no run "${id}"`, { field: "id" });
        const redact = await redactorOf(run, connections, registry);
        const steps = redact.value(await store.steps(id));
        const shown = redact.value(summary(run));
        if (options.json) {
          console.log(JSON.stringify({ ...shown, steps: steps.map(stepSummary) }, null, 2));
          return;
        }
        console.log(`run ${run.id}  ${run.playbookName}  ${run.status}`);
        console.log(`playbook: ${run.playbookPath} (sha256 ${run.playbookHash.slice(0, 12)})`);
        console.log(`created ${run.createdAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ""}`);
        if (run.rerunOf) console.log(`re-run of ${run.rerunOf}`);
        console.log(`connections: ${JSON.stringify(run.connections)}`);
        console.log(`inputs: ${JSON.stringify(shown.inputs)}`);
        if (shown.message) console.log(`message: ${shown.message}`);
        if (shown.error) console.log(`error: ${shown.error.type}: ${shown.error.message}`);
        console.log(`outputs: ${JSON.stringify(shown.outputs)}`);
        console.log("");
        console.log(
          table(
            ["#", "STEP", "TYPE", "ATTEMPT", "STATUS", "HTTP", "STARTED", "MS"],
            steps.map((s) => [
              String(s.seq),
              s.key,
              s.type,
              String(s.attempt),
              s.status,
              s.httpStatus === null ? "" : String(s.httpStatus),
              s.startedAt,
              s.finishedAt ? String(Date.parse(s.finishedAt) - Date.parse(s.startedAt)) : "",
            ]),
          ),
        );
        for (const s of steps) {
          console.log(`\n${s.seq}. ${s.key} attempt ${s.attempt} (${s.status})`);
          console.log(`   input:  ${JSON.stringify(s.input)}`);
          if (s.output !== null) console.log(`   output: ${JSON.stringify(s.output)}`);
          if (s.error) console.log(`   error:  ${s.error.type}: ${s.error.message}`);
          for (const warning of s.warnings) console.log(`   warning: ${formatMismatch(warning)}`);
        }
      });
    });

  const decide =
    (approved: boolean) =>
    async (
      id: string,
      options: { by?: string; comment?: string; step?: string; json?: boolean },
      command: Command,
    ) => {
      const write = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      await withCommandEngine(command, { onEvent: eventPrinter(write) }, async ({ engine }) => {
        const by = options.by ?? userInfo().username;
        printOutcome(await engine.decide(id, approved, by, options.comment, options.step), options.json);
      });
    };
  for (const [name, approved] of [
    ["approve", true],
    ["reject", false],
  ] as const) {
    runs
      .command(`${name} <id>`)
      .description(`${approved ? "Approve" : "Reject"} the approval a run waits for, then continue the run`)
      .option("--by <name>", "who decides (default: your user name)")
      .option("--comment <text>", "why")
      .option("--step <key>", "which approval, when several wait (see runs show)")
      .option("--json", "print the outcome as JSON")
      .action(decide(approved));
  }

  runs
    .command("cancel <id>")
    .description("Cancel an unfinished run; a process executing it stops at its next heartbeat")
    .action(async (id: string, _options: unknown, command: Command) => {
      await withCommandEngine(command, {}, async ({ engine }) => {
        const run = await engine.cancel(id);
        console.log(`run ${run.id} cancelled`);
      });
    });

  runs
    .command("rerun <id>")
    .description("Run a finished run's playbook again with the same inputs and connections")
    .option("--json", "print the outcome as JSON")
    .action(async (id: string, options: { json?: boolean }, command: Command) => {
      const write = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      await withCommandEngine(command, { onEvent: eventPrinter(write) }, async ({ engine }) => {
        printOutcome(await engine.rerun(id), options.json);
      });
    });

  runs
    .command("resume [id]")
    .description(
      "Continue one unfinished run, or every run a crashed process left and every decided approval",
    )
    .option("--json", "print the outcomes as JSON")
    .action(async (id: string | undefined, options: { json?: boolean }, command: Command) => {
      const write = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      await withCommandEngine(command, { onEvent: eventPrinter(write) }, async (session) => {
        const { engine } = session;
        if (id) {
          printOutcome(await engine.resume(id), options.json);
          return;
        }
        const outcomes = await engine.resumeOrphans();
        // Alert triggers an interrupted ingest committed but never started are owed their run too.
        const triggers = await dispatcherOf(session, write, (run) => outcomes.push(run.outcome)).dispatch();
        if (options.json) console.log(JSON.stringify(outcomes, null, 2));
        else {
          if (outcomes.length === 0) console.log("no run to resume");
          if (triggers.length > 0) console.log(triggerTable(triggers));
        }
      });
    });
}

/** Secrets of the run's connections (as saved now), to hide them from what is shown. */
async function redactorOf(
  run: RunRecord,
  connections: ConnectionStore,
  registry: ConnectorRegistry,
): Promise<Redactor> {
  const redactor = new Redactor();
  for (const name of Object.values(run.connections)) {
    try {
      const saved = await connections.get(name);
      const connector = registry.get(saved.connector);
      if (connector) for (const secret of secretsOf(connector.connection, saved.config)) redactor.add(secret);
    } catch (error) {
      if (!(error instanceof NotFoundError || error instanceof ValidationError)) throw error;
    }
  }
  return redactor;
}

function summary(run: RunRecord) {
  const { owner: _owner, leaseUntil: _lease, leaseEpoch: _epoch, ...rest } = run;
  return rest;
}

function stepSummary(step: StepRecord) {
  const durationMs = step.finishedAt ? Date.parse(step.finishedAt) - Date.parse(step.startedAt) : null;
  return { ...step, durationMs };
}

/** The alert a run answers, as one short label: the triggering alert's title and product. */
function alertOf(run: RunRecord): string {
  const alert = run.alert as {
    finding_info?: { title?: string };
    metadata?: { product?: { name?: string } };
  } | null;
  if (!alert || typeof alert !== "object") return "";
  const title = alert.finding_info?.title ?? "";
  const product = alert.metadata?.product?.name;
  return product ? `${product}: ${title}` : title;
}
