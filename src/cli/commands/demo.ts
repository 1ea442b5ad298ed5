import type { Command } from "commander";
import { defaultRegistry } from "../../connectors/registry.ts";
import { createClient } from "../../connectors/sdk/index.ts";
import { startLab } from "../../lab/lab.ts";

interface FeedPage {
  incidents: Array<{ id: string; summary: string; description: Record<string, string> }>;
  max_updated_id?: number;
}

/** The README's main job: start the simulators and work a Canary console, saying what happens. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Start the simulators and run a short, narrated Canary session against them")
    .action(async () => {
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const lab = await startLab({ seed: 1 });
      const canary = lab.get("thinkst-canary");
      const client = createClient(defaultRegistry().get("thinkst-canary")!, canary.config);
      try {
        say(
          `Started ${lab.simulators.length} simulator(s): ${lab.simulators.map((s) => `${s.connector} at ${s.url}`).join(", ")}`,
        );
        await client.call("ping");
        say("Canary console answers and accepts the API token.");

        const open = (await client.call<FeedPage>("listUnacknowledgedIncidents", { limit: 25 })).output;
        let total = 0;
        for await (const page of client.pages("listUnacknowledgedIncidents"))
          total += (page as FeedPage).incidents.length;
        say(`${total} unacknowledged incidents; the first page holds ${open.incidents.length}.`);

        const first = open.incidents[0]!;
        const fetched = (
          await client.call<{ incident: Record<string, string> }>("fetchIncident", { incident: first.id })
        ).output.incident;
        say(
          `Fetched ${fetched.description} on ${fetched.name} from ${fetched.src_host} (${fetched.events_count} events, created ${fetched.created_std}).`,
        );
        await client.call("acknowledgeIncident", { incident: first.id });
        const after = (
          await client.call<{ incident: Record<string, string> }>("fetchIncident", { incident: first.id })
        ).output.incident;
        say(`Acknowledged it: the console now reports acknowledged=${after.acknowledged}.`);

        const node = open.incidents[1]?.description.node_id ?? fetched.node_id;
        const bulk = (await client.call<{ keys: string[] }>("acknowledgeIncidents", { node_id: node }))
          .output;
        say(`Bulk-acknowledged ${bulk.keys.length} more incident(s) from Canary node ${node}.`);

        try {
          await client.call("acknowledgeIncidents", { node_id: node, src_host: "10.0.0.1" });
        } catch (error) {
          say(`Refused before sending, as the console would: ${(error as Error).message}`);
        }

        let remaining = 0;
        for await (const _ of client.items("listUnacknowledgedIncidents")) remaining++;
        say(`${remaining} incidents remain unacknowledged (was ${total}).`);
      } finally {
        await client.close();
        await lab.close();
      }
    });
}
