// CPU time of processes and of the machine, from Linux's /proc, to say where a window's time went
// (the bench's workers, PostgreSQL's backends, the simulator) and how busy the shared machine was.
import { readFileSync } from "node:fs";

// USER_HZ: 100 on every Linux architecture Node runs on.
const TICK_MS = 10;

/** User + system CPU ms of a process so far; undefined when it is gone or /proc is not there. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** The machine's CPU ms so far, busy and in all, over every core. */
export function machineCpuMs(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    // idle and iowait are not busy
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
  } catch {
    return undefined;
  }
}

/** CPU ms used by groups of processes between `start()` and `stop()`; a pid gone meanwhile counts as far as it was seen. */
export function cpuMeter(groups: Record<string, () => readonly number[]>) {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const machine = { start: machineCpuMs(), end: undefined as ReturnType<typeof machineCpuMs> };
  const sample = () => {
    for (const pids of Object.values(groups))
      for (const pid of pids()) {
        const ms = processCpuMs(pid);
        if (ms === undefined) continue;
        if (!first.has(pid)) first.set(pid, ms);
        last.set(pid, ms);
      }
  };
  sample();
  return {
    sample,
    stop(): { byGroup: Record<string, number>; machineBusy: number | undefined } {
      sample();
      machine.end = machineCpuMs();
      const byGroup: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups))
        byGroup[name] = pids().reduce((sum, pid) => sum + (last.get(pid) ?? 0) - (first.get(pid) ?? 0), 0);
      const busy =
        machine.start && machine.end
          ? (machine.end.busy - machine.start.busy) / (machine.end.total - machine.start.total)
          : undefined;
      return { byGroup, machineBusy: busy };
    },
  };
}
