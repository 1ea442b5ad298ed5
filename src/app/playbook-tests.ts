import { access } from "node:fs/promises";
import { vendors } from "../connectors/registry.ts";
import type { RunEvent, ScriptRunnerLike } from "../engine/executor.ts";
import type { ConnectorCatalog } from "../engine/load.ts";
import { type CaseResult, runCase } from "../engine/testing/harness.ts";
import { type LoadedTestFile, loadTestFile } from "../engine/testing/test-file.ts";

export interface PlaybookTestOptions {
  catalog: ConnectorCatalog;
  scripts: ScriptRunnerLike;
  /** Only cases whose name contains this text. */
  filter?: string;
  onEvent?: (event: RunEvent) => void;
  /** Called with each case's result as it ends. */
  onCase?: (file: LoadedTestFile, result: CaseResult) => void;
}

/** The test file written beside a playbook (`<name>.test.yaml` for `<name>.yaml`), if there is one. */
export async function testFileOf(playbookPath: string): Promise<string | undefined> {
  const candidate = playbookPath.replace(/\.ya?ml$/, ".test.yaml");
  if (candidate === playbookPath) return undefined;
  try {
    await access(candidate);
    return candidate;
  } catch {
    return undefined;
  }
}

/**
 * Runs the cases of one test file against the vendors' simulators on loopback and the real
 * sandbox, as `rampart test` and `POST /api/v1/playbooks/<name>/tests` both do. A file that does
 * not load throws its `TestFileError` with every issue and its line.
 */
export async function runPlaybookTests(path: string, options: PlaybookTestOptions): Promise<CaseResult[]> {
  const file = await loadTestFile(path, options.catalog);
  const results: CaseResult[] = [];
  for (const testCase of file.definition.cases) {
    if (options.filter && !testCase.name.includes(options.filter)) continue;
    const result = await runCase(file, testCase, {
      catalog: options.catalog,
      scripts: options.scripts,
      startSimulator: async (connector, { seed }) => {
        const vendor = vendors.find((v) => v.connector.name === connector);
        if (!vendor) throw new Error(`no simulator for connector ${connector}`);
        return vendor.startSimulator({ host: "127.0.0.1", port: 0, seed });
      },
      onEvent: options.onEvent,
    });
    results.push(result);
    options.onCase?.(file, result);
  }
  return results;
}
