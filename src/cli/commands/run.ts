import type { Command } from "commander";
import { type LoadedPlaybook, loadPlaybook } from "../../engine/load.ts";
import { readJsonArg } from "../input.ts";
import {
  bindConnectionFlags,
  eventPrinter,
  printOutcome,
  reportPlaybookError,
  withCommandEngine,
} from "../run-engine.ts";

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRunCommand(program: Command): void {
  program
    .command("run <playbook>")
    .description(
      "Run a playbook file, showing each step as it happens; first resumes runs a crashed process left unfinished",
    )
    .option("--input <json|@file>", "the playbook's inputs", "{}")
    .option(
      "--connection <alias=name>",
      "bind a connection alias of the playbook to a saved connection (repeatable)",
      collect,
      [],
    )
    .option("--alert <json|@file>", "the alert the run answers, as a trigger would pass it")
    .option("--json", "print the outcome as JSON on stdout (step lines go to stderr)")
    .action(
      async (
        path: string,
        options: { input: string; connection: string[]; alert?: string; json?: boolean },
        command: Command,
      ) => {
        const inputs = readJsonArg(options.input, "--input");
        const alert = readJsonArg(options.alert, "--alert");
        const write = (line: string) => (options.json ? process.stderr : process.stdout).write(`${line}\n`);
        await withCommandEngine(command, { onEvent: eventPrinter(write) }, async (session) => {
          // Runs an earlier process left unfinished continue beside this one, never before it.
          const orphans = session.engine.resumeOrphans().catch(() => []);
          let playbook: LoadedPlaybook;
          try {
            playbook = await loadPlaybook(path, { catalog: session.registry });
          } catch (error) {
            reportPlaybookError(error);
          }
          const connections = await bindConnectionFlags(playbook, options.connection, session.connections);
          const outcome = await session.engine.start(path, { inputs, connections, alert });
          printOutcome(outcome, options.json);
          await orphans;
        });
      },
    );
}
