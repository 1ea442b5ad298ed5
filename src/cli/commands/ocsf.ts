import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { createOcsfValidator, type OcsfProblem, parseEvents } from "../../ocsf/index.ts";
import { EXIT, ExitCode } from "../failure.ts";

export interface OcsfValidateOptions {
  strict?: boolean;
  json?: boolean;
}

export interface OcsfValidateIo {
  /** the text of a file; `-` is standard input */
  read(file: string): Promise<string>;
  write(text: string): void;
}

interface Result {
  source: string;
  valid: boolean;
  errors: OcsfProblem[];
  warnings: OcsfProblem[];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const defaultIo: OcsfValidateIo = {
  read: (file) => (file === "-" ? readStdin() : readFile(file, "utf8")),
  write: (text) => process.stdout.write(text),
};

/** Validates every event of every file; prints one line per problem and a count; returns the exit code. */
export async function runOcsfValidate(
  files: string[],
  options: OcsfValidateOptions,
  io: OcsfValidateIo = defaultIo,
): Promise<number> {
  const validator = createOcsfValidator({ strict: options.strict === true });
  const results: Result[] = [];
  for (const file of files) {
    const name = file === "-" ? "<stdin>" : file;
    let text: string;
    try {
      text = await io.read(file);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      results.push({
        source: name,
        valid: false,
        errors: [{ path: "$", code: "input_unreadable", message: `cannot read: ${reason}` }],
        warnings: [],
      });
      continue;
    }
    for (const item of parseEvents(text, name)) {
      if ("error" in item) {
        results.push({
          source: item.source,
          valid: false,
          errors: [{ path: "$", code: "input_invalid", message: item.error }],
          warnings: [],
        });
        continue;
      }
      results.push({ source: item.source, ...validator.validate(item.event) });
    }
  }
  const valid = results.filter((r) => r.valid).length;
  const invalid = results.length - valid;
  if (options.json) {
    io.write(
      `${JSON.stringify({ version: validator.version, strict: options.strict === true, valid, invalid, results }, null, 2)}\n`,
    );
  } else {
    const lines: string[] = [];
    for (const r of results) {
      for (const p of r.errors) lines.push(`${r.source}: error ${p.path} ${p.message}`);
      for (const p of r.warnings) lines.push(`${r.source}: warning ${p.path} ${p.message}`);
    }
    lines.push(`${valid} valid, ${invalid} invalid`);
    io.write(`${lines.join("\n")}\n`);
  }
  return invalid > 0 ? EXIT.failed : EXIT.ok;
}

export function registerOcsfCommands(program: Command): void {
  const ocsf = program.command("ocsf").description("OCSF 1.8.0, Rampart's alert model");
  ocsf
    .command("validate <file...>")
    .description(
      "Validate OCSF events (a JSON object, a JSON array or NDJSON; - reads standard input) against the OCSF 1.8.0 schema",
    )
    .option("--strict", "unknown attributes, undeclared profiles and pattern mismatches are errors")
    .option(
      "--json",
      "print a JSON report: {version, strict, valid, invalid, results: [{source, valid, errors, warnings}]}",
    )
    .action(async (files: string[], options: OcsfValidateOptions) => {
      const code = await runOcsfValidate(files, options);
      if (code !== EXIT.ok) throw new ExitCode(code);
    });
}
