import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Debian's Chromium (apt-get install -y chromium): Playwright's own download cannot work offline. */
export const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests skip, or false when they can run: shown as the skip reason. */
export const noBrowser: string | false = existsSync(CHROMIUM)
  ? false
  : `no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`;

/** Screenshots the README shows (alerts page, run graph) go to docs/screenshots; the others to a temp folder. */
export const README_SHOTS = resolve(import.meta.dirname, "../../docs/screenshots");
export const OTHER_SHOTS = join(tmpdir(), "rampart-ui-screenshots");

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every Content-Security-Policy violation the page reported, and every dialog it opened. */
  violations: string[];
  dialogs: string[];
  shot(name: string, forReadme?: boolean): Promise<string>;
  close(): Promise<void>;
}

/** Chromium headless with a fresh profile, no network of its own beyond the page's loopback service. */
export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "rampart-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const violations: string[] = [];
  const dialogs: string[] = [];
  await context.exposeBinding("__reportViolation", (_source, text: string) => {
    violations.push(text);
  });
  // Runs in the page (the DOM's names are not in this program's types).
  await context.addInitScript(() => {
    const page = globalThis as any;
    page.document.addEventListener("securitypolicyviolation", (event: any) => {
      page.__reportViolation(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return {
    context,
    page,
    violations,
    dialogs,
    async shot(name, forReadme = false) {
      const dir = forReadme ? README_SHOTS : OTHER_SHOTS;
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name}.png`);
      await page.screenshot({ path, fullPage: false });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
