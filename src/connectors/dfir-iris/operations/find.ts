import type { OperationInvoker } from "../../sdk/index.ts";

// How each object IRIS makes is recognised again after an interrupted attempt, by its natural key.
// IRIS takes no Idempotency-Key; these look in the case (or the case list) instead.

type Row = Record<string, unknown>;
type Input = Record<string, unknown>;

async function rows(
  client: OperationInvoker,
  operation: string,
  input: Input,
  field?: string,
): Promise<Row[]> {
  const { output } = await client.call(operation, input);
  const list = field === undefined ? output : (output as Row | null)?.[field];
  return Array.isArray(list) ? (list as Row[]) : [];
}

/** A case by its SOC id, with the name it was opened under (IRIS prefixes "#<id> - "). */
export async function findCase(input: Input, client: OperationInvoker): Promise<unknown> {
  const cases = await rows(client, "listCases", {});
  return cases.find(
    (c) =>
      c.case_soc_id === input.case_soc_id &&
      typeof c.case_name === "string" &&
      (c.case_name === input.case_name || c.case_name.endsWith(` - ${String(input.case_name)}`)),
  );
}

/** An IOC of the case by its value and type. */
export async function findIoc(input: Input, client: OperationInvoker): Promise<unknown> {
  const iocs = await rows(client, "listIocs", { cid: input.cid }, "ioc");
  return iocs.find((i) => i.ioc_value === input.ioc_value && i.ioc_type_id === input.ioc_type_id);
}

/** An asset of the case by its name and type. */
export async function findAsset(input: Input, client: OperationInvoker): Promise<unknown> {
  const assets = await rows(client, "listAssets", { cid: input.cid }, "assets");
  return assets.find((a) => a.asset_name === input.asset_name && a.asset_type_id === input.asset_type_id);
}

/** A timeline event of the case by its title and date (and its raw data, when the input gives some). */
export async function findTimelineEvent(input: Input, client: OperationInvoker): Promise<unknown> {
  const events = await rows(client, "listTimelineEvents", { cid: input.cid }, "timeline");
  const date = microseconds(String(input.event_date));
  return events.find(
    (e) =>
      e.event_title === input.event_title &&
      microseconds(String(e.event_date)) === date &&
      (input.event_raw === undefined || e.event_raw === undefined || e.event_raw === input.event_raw),
  );
}

/** IRIS keeps dates with six fraction digits; the input may give fewer or none. */
function microseconds(date: string): string {
  const [whole, fraction = ""] = date.split(".");
  return `${whole}.${fraction.padEnd(6, "0")}`;
}
