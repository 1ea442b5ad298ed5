// One Scheduler tick in a process of its own, over a data dir: `node schedule-tick.ts <data-dir>
// <playbooks-dir> <now-ms> [crash-after-start]`. With crash-after-start the process SIGKILLs itself
// once the first run is recorded and before its ledger row is written: the worst moment to die.
import { Scheduler } from "../../src/app/schedules.ts";
import { openTriggerRuntime } from "./trigger-runtime.ts";

const [dataDir, playbooksDir, nowText, mode] = process.argv.slice(2);
const runtime = await openTriggerRuntime(dataDir!, playbooksDir!);
const scheduler = new Scheduler({
  schedules: runtime.playbooks.schedules().map((p) => ({ name: p.name, schedule: p.schedule! })),
  ledger: runtime.firings,
  startRun: async (request) => {
    const id = await runtime.starter.startRun(request);
    if (mode === "crash-after-start") process.kill(process.pid, "SIGKILL");
    return id;
  },
});
const reports = await scheduler.tick(Number(nowText));
await runtime.close();
process.stdout.write(`${JSON.stringify(reports)}\n`);
