import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { loadConnectorFile } from "../../connectors/http/file/load.ts";
import { builtInNames } from "../../connectors/registry.ts";
import { dataDirOf } from "../connection-store.ts";
import { printConnectorFileIssues, reportConnectorFileError } from "../connector-registry.ts";
import { EXIT, ExitCode, UsageError } from "../failure.ts";

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerConnectorFileCommands(program: Command): void {
  const connector = program
    .command("connector")
    .description("Connectors written as files: check one, or make one from an OpenAPI document");

  connector
    .command("validate <files...>")
    .description("Check connector files (YAML or JSON): every problem is printed as file:line:column")
    .action(async (files: string[]) => {
      let invalid = false;
      for (const file of files) {
        try {
          const loaded = await loadConnectorFile(file, { taken: builtInNames(resolve(file)) });
          console.log(
            `${file}: connector ${loaded.name} with ${loaded.operations.length} operation(s) is valid`,
          );
        } catch (error) {
          printConnectorFileIssues(error);
          invalid = true;
        }
      }
      if (invalid) throw new ExitCode(EXIT.invalidInput);
    });

  connector
    .command("import <openapi>")
    .description(
      "Write a connector file from an OpenAPI 3.0/3.1 document (YAML or JSON); it lands in the data dir's connectors/ and loads at once",
    )
    .option("--name <name>", "the connector's name (default: from the document's title)")
    .option("--tag <tag>", "only operations with this tag (repeatable)", collect, [])
    .option(
      "--operation-id <id>",
      "only this operation (repeatable; with --tag, either selects)",
      collect,
      [],
    )
    .option("--out <file>", "where to write it (default <data dir>/connectors/<name>.yaml)")
    .option("--force", "replace an existing file")
    .action(
      async (
        document: string,
        options: { name?: string; tag: string[]; operationId: string[]; out?: string; force?: boolean },
        command: Command,
      ) => {
        // Loaded here: swagger-parser is needed by this command only.
        const { importOpenApi } = await import("../../connectors/http/openapi/import.ts");
        let result: Awaited<ReturnType<typeof importOpenApi>>;
        try {
          result = await importOpenApi(document, {
            name: options.name,
            tags: options.tag,
            operationIds: options.operationId,
            taken: builtInNames(),
          });
        } catch (error) {
          reportConnectorFileError(error);
        }
        const out = resolve(
          options.out ?? join(dataDirOf(command), "connectors", `${result.connector.name}.yaml`),
        );
        if (existsSync(out) && !options.force)
          throw new UsageError(`${out} exists; use --force to replace it, or --out for another file`);
        mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
        writeFileSync(out, result.text);
        console.log(
          `wrote ${out}: connector ${result.connector.name} with ${result.connector.operations.length} operation(s)`,
        );
        if (result.unmapped.length > 0) {
          process.stderr.write(`not mapped (also listed at the top of the file):\n`);
          for (const line of result.unmapped) process.stderr.write(`  - ${line}\n`);
        }
      },
    );
}
