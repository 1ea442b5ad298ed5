import { type Command, Option } from "commander";
import { ALL_WORK, Runtime, type WorkRoles } from "../../app/runtime.ts";
import { jsonLogger } from "../../connectors/sdk/index.ts";
import { parseDuration } from "../../engine/duration.ts";
import { storeOf } from "../connection-store.ts";
import { registryOf } from "../connector-registry.ts";
import { UsageError } from "../failure.ts";
import { playbooksDirOf } from "../triggers.ts";

const QUEUES = ["runs", "sources", "schedules"] as const;

/** `--queues runs,sources`: the roles named, each known, at least one. */
export function parseQueues(text: string): WorkRoles {
  const names = text
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const unknown = names.filter((n) => !(QUEUES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0)
    throw new UsageError(
      `--queues takes a comma-separated list of ${QUEUES.join(", ")}${unknown.length > 0 ? `; not ${unknown.join(", ")}` : ""}`,
    );
  return {
    runs: names.includes("runs"),
    sources: names.includes("sources"),
    schedules: names.includes("schedules"),
  };
}

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "Work for a cluster on PostgreSQL: execute runs, poll sources, fire schedules, wake parked runs (no API); until SIGTERM or SIGINT",
    )
    .option("--concurrency <n>", "runs executed at once", "8")
    .option(
      "--queues <list>",
      "what to work on: runs, sources, schedules (comma-separated)",
      QUEUES.join(","),
    )
    .option(
      "--playbooks <dir>",
      "the playbooks for alert triggers and schedules (default ./playbooks when it exists)",
    )
    .option("--grace <duration>", "how long in-flight runs get to finish on SIGTERM", "30s")
    // How long a run stays this worker's without a renewal; tests shorten it to take a paused worker's runs over quickly.
    .addOption(new Option("--lease <duration>", "a run's lease").default("15s").hideHelp())
    .action(
      async (
        options: { concurrency: string; queues: string; playbooks?: string; grace: string; lease: string },
        command: Command,
      ) => {
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
          throw new UsageError("--concurrency must be a whole number from 1 to 1000");
        const work = options.queues === QUEUES.join(",") ? ALL_WORK : parseQueues(options.queues);
        const graceMs = parseDuration(options.grace, "--grace");
        const leaseMs = parseDuration(options.lease, "--lease");
        if (leaseMs < 100) throw new UsageError("--lease must be at least 100ms");
        const store = storeOf(command);
        if (!store.url)
          throw new UsageError(
            "rampart worker needs PostgreSQL: give --database postgres://… or RAMPART_DATABASE_URL (on the embedded SQLite store, rampart serve does the work)",
          );
        const runtime = await Runtime.open({
          dataDir: store.dataDir,
          databaseUrl: store.url,
          registry: await registryOf(command),
          playbooksDir: playbooksDirOf(options.playbooks),
          concurrency,
          work,
          leaseMs,
          // Info says which worker leads the sources and the schedules; warnings say what went wrong.
          logger: jsonLogger("info"),
        });
        await runtime.start();
        const roles = QUEUES.filter((q) => work[q]).join(", ");
        process.stdout.write(`rampart worker: working on ${roles} (concurrency ${concurrency})\n`);
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once("SIGTERM", () => resolve("SIGTERM"));
          process.once("SIGINT", () => resolve("SIGINT"));
        });
        process.stdout.write(`rampart worker: ${signal}, stopping\n`);
        const { unfinished } = await runtime.stop(graceMs);
        process.stdout.write(`rampart worker: stopped (${unfinished} runs released unfinished)\n`);
      },
    );
}
