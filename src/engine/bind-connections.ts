import { ValidationError } from "../connectors/sdk/index.ts";
import type { LoadedPlaybook } from "./load.ts";

/** A saved connection as binding needs it. */
export interface SavedConnection {
  name: string;
  connector: string;
}

export interface BindingChoices {
  /** alias → connection chosen by the caller (e.g. `--connection alias=name`); always wins. */
  explicit?: Record<string, string>;
  /** A connection preferred for aliases of its connector (an alert's own console is the one to act on). */
  prefer?: SavedConnection;
}

/**
 * Binds each connection alias of a playbook to a saved connection: the explicit choice, else the
 * preferred connection of the alias's connector, else the saved connection named like the alias,
 * else the only saved connection of that connector. Anything else is ambiguous and refused.
 */
export function bindConnections(
  playbook: LoadedPlaybook,
  saved: readonly SavedConnection[],
  choices: BindingChoices = {},
): Record<string, string> {
  const bindings: Record<string, string> = { ...choices.explicit };
  const { prefer } = choices;
  for (const [alias, { connector }] of Object.entries(playbook.definition.connections ?? {})) {
    if (bindings[alias]) continue;
    const preferred = prefer && prefer.connector === connector && saved.some((c) => c.name === prefer.name);
    const named = saved.find((c) => c.name === alias && c.connector === connector);
    const ofConnector = saved.filter((c) => c.connector === connector);
    if (preferred) bindings[alias] = prefer.name;
    else if (named) bindings[alias] = named.name;
    else if (ofConnector.length === 1) bindings[alias] = ofConnector[0]!.name;
    else {
      const names = ofConnector.map((c) => c.name).join(", ");
      throw new ValidationError(
        `connection "${alias}" (${connector}) cannot be bound: ` +
          (names
            ? `several saved ${connector} connections (${names}) and none is named "${alias}"; choose one with --connection ${alias}=<name>`
            : `no saved ${connector} connection; save one with rampart connection add`),
        { field: "connections" },
      );
    }
  }
  return bindings;
}
