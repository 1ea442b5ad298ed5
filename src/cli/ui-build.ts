import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/** The repository's web/ folder (the UI's sources) and what the build leaves in web/dist. */
export const WEB_DIR = resolve(import.meta.dirname, "../../web");
const VITE = resolve(import.meta.dirname, "../../node_modules/vite/bin/vite.js");

function newestUnder(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, entry)));
  return newest;
}

/** Whether web/dist is missing or older than any source of the UI. */
export function uiIsStale(web = WEB_DIR): boolean {
  const built = join(web, "dist", "index.html");
  if (!existsSync(built)) return true;
  const sources = ["src", "index.html", "vite.config.ts"]
    .map((p) => join(web, p))
    .filter((p) => existsSync(p));
  return Math.max(...sources.map(newestUnder)) > statSync(built).mtimeMs;
}

/** Builds the UI with Vite into web/dist; rejects with the build's output when it fails. */
export function buildUi(web = WEB_DIR): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const child = spawn(
      process.execPath,
      [VITE, "build", "--config", join(web, "vite.config.ts"), "--logLevel", "warn"],
      {
        cwd: resolve(web, ".."),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolveBuild() : reject(new Error(`the UI build failed (exit ${code}):\n${output}`)),
    );
  });
}

/**
 * Builds the UI when it is missing or stale. Without Vite (an install without dev dependencies)
 * there is nothing to build with: says so and serves the API alone.
 */
export async function ensureUi(say: (line: string) => void): Promise<"fresh" | "built" | "unavailable"> {
  if (!uiIsStale()) return "fresh";
  if (!existsSync(VITE)) {
    say("   the web UI is not built and Vite is not installed (npm ci installs it): serving the API only");
    return "unavailable";
  }
  say("   building the web UI (web/ → web/dist)…");
  await buildUi();
  return "built";
}
