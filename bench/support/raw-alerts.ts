import { createClient, type Vendor } from "../../src/connectors/sdk/index.ts";

const inMemoryInbox = () => {
  const entries: Array<{ id: string; items: unknown[] }> = [];
  return {
    save: async (items: unknown[]) => {
      entries.push({ id: String(entries.length), items });
      return String(entries.length - 1);
    },
    pending: async () => [],
  };
};

/** Raw alerts as the vendor's alert source hands them to the normalizer, from its simulator. */
export async function rawAlertsOf(vendor: Vendor, wanted: number): Promise<unknown[]> {
  const sim = await vendor.startSimulator({ seed: 11 });
  try {
    await fetch(`${sim.url}/__sim/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ count: wanted }),
    }).then((r) => r.arrayBuffer());
    const client = createClient(vendor.connector, sim.config);
    const raw: unknown[] = [];
    try {
      const poll = vendor.alertSource!.poll({
        client,
        checkpoint: undefined,
        inbox: inMemoryInbox(),
        now: Date.now,
      });
      for await (const page of poll) raw.push(...page.alerts);
    } finally {
      await client.close();
    }
    return raw;
  } finally {
    await sim.close();
  }
}
