// Playbooks the PostgreSQL bench runs, written into its temporary folder.
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** A playbook of `n` steps run one after another; `step(id)` is each step's flow mapping. */
export function chain(
  dir: string,
  name: string,
  n: number,
  step: (id: string) => string,
  header: string[] = [],
): string {
  const lines = [`name: ${name}`, ...header, "start: s1", "steps:"];
  for (let i = 1; i <= n; i++) {
    const next = i < n ? `, on_success: s${i + 1}` : "";
    lines.push(`  s${i}: ${step(`s${i}`).replace(/ }$/, `${next} }`)}`);
  }
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

/** `n` no-op transform steps. */
export const transformChain = (dir: string, n: number): string =>
  chain(dir, `transform-${n}`, n, (id) => `{ type: transform, output: { step: ${id.slice(1)}, ok: true } }`);

/** The connection alias the HTTP playbooks call through. */
export const HTTP_ALIAS = "api";

/** `n` calls in a row to the HTTP simulator's echo route, each through the `api` connection. */
export const httpChain = (dir: string, name: string, n: number): string =>
  chain(
    dir,
    name,
    n,
    (id) =>
      `{ type: call, connection: ${HTTP_ALIAS}, operation: request, input: { method: GET, path: /anything/${id} } }`,
    ["connections:", `  ${HTTP_ALIAS}: { connector: http }`],
  );
