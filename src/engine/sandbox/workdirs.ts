import { lstatSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The owning process's pid is part of the name, so a later Rampart can tell a dir left behind by a
// SIGKILLed one (pid gone) from one in use.
const PREFIX = "rampart-python-";
const NAME = /^rampart-python-([0-9]+)-[A-Za-z0-9]+$/;

/** Creates this process's empty Python work dir, rampart-python-<pid>-XXXXXX, in `root`. */
export function makeWorkDir(root = tmpdir()): string {
  return mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
}

/**
 * Removes the Python work dirs in `root` whose owning process no longer exists; returns their
 * paths. Only directories owned by this user are touched, never followed symlinks.
 */
export function removeStaleWorkDirs(root = tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed; // no temp folder to clean is not a reason to refuse to start
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = NAME.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processExists(Number(pid))) continue;
    const path = join(root, name);
    try {
      const stat = lstatSync(path);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Gone already, or removed by another Rampart starting at the same moment.
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
