import type { Command } from "commander";
import { runPlaybookTests } from "../../app/playbook-tests.ts";
import { displayPath } from "../../engine/load.ts";
import { createScriptRunner } from "../../engine/sandbox/index.ts";
import { type CaseResult, findTestFiles } from "../../engine/testing/harness.ts";
import { formatCase, summary } from "../../engine/testing/report.ts";
import { TestFileError } from "../../engine/testing/test-file.ts";
import { registryOf } from "../connector-registry.ts";
import { EXIT, ExitCode, UsageError } from "../failure.ts";
import { eventPrinter } from "../run-engine.ts";

export function registerTestCommand(program: Command): void {
  program
    .command("test <paths...>")
    .description(
      "Run the test cases written beside playbooks (<name>.test.yaml): a directory runs every *.test.yaml under it",
    )
    .option("--filter <text>", "only cases whose name contains this text")
    .option("--verbose", "show each case's steps as they happen")
    .action(async (paths: string[], options: { filter?: string; verbose?: boolean }, command: Command) => {
      const files: string[] = [];
      for (const target of paths) {
        try {
          files.push(...(await findTestFiles(target)));
        } catch (error) {
          throw new UsageError(
            `${target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      if (files.length === 0) throw new UsageError(`no *.test.yaml under ${paths.join(", ")}`);
      const write = (line: string) => process.stdout.write(`${line}\n`);
      const catalog = await registryOf(command);
      const scripts = createScriptRunner();
      const results: CaseResult[] = [];
      let invalid = false;
      try {
        for (const path of files) {
          try {
            results.push(
              ...(await runPlaybookTests(path, {
                catalog,
                scripts,
                filter: options.filter,
                onEvent: options.verbose ? eventPrinter((line) => write(`    ${line}`)) : undefined,
                onCase: (file, result) => {
                  for (const line of formatCase(displayPath(file.path), result)) write(line);
                },
              })),
            );
          } catch (error) {
            if (!(error instanceof TestFileError)) throw error;
            invalid = true;
            for (const issue of error.issues)
              process.stderr.write(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n`);
          }
        }
      } finally {
        await scripts.close();
      }
      write(summary(results));
      if (invalid) throw new ExitCode(EXIT.invalidInput);
      if (results.some((r) => !r.passed)) throw new ExitCode(EXIT.failed);
    });
}
