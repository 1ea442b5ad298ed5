import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import { startService } from "../api/service.ts";
import { serviceLog } from "../api/service-log.ts";
import type { ConnectorRegistry } from "../connectors/registry.ts";
import type { RampartDb } from "../store/schema.ts";
import { UserStore } from "../store/users.ts";
import { ensureUi } from "./ui-build.ts";

export const DEMO_USER = "demo";

/** The demo's sign-in: user "demo" (admin) with a new generated password each time, printed once. */
export async function demoSignIn(db: Kysely<RampartDb>): Promise<{ name: string; password: string }> {
  const users = new UserStore(db);
  const password = randomBytes(12).toString("base64url");
  if (await users.find(DEMO_USER)) await users.update(DEMO_USER, { password });
  else await users.add({ name: DEMO_USER, role: "admin", password });
  return { name: DEMO_USER, password };
}

/**
 * The demo's last act: `rampart serve` on its data dir (loopback only), with the UI built when it is
 * missing or stale, until SIGINT or SIGTERM. The simulators stay up meanwhile, so the playbooks'
 * calls and the sources' polls keep working.
 */
export async function serveDemo(options: {
  dataDir: string;
  playbooksDir: string;
  registry: ConnectorRegistry;
  port: number;
  signIn: { name: string; password: string };
  say: (line?: string) => void;
}): Promise<void> {
  const { say } = options;
  say("7. The web UI");
  await ensureUi(say);
  const service = await startService({
    logger: serviceLog(),
    dataDir: options.dataDir,
    registry: options.registry,
    host: "127.0.0.1",
    port: options.port,
    playbooksDir: options.playbooksDir,
    graceMs: 5_000,
  });
  say(
    `   Open ${service.url}/ and sign in as ${options.signIn.name} with the password ${options.signIn.password}`,
  );
  say("   (the password is printed only now; the next demo run makes a new one). Ctrl-C stops the service.");
  say(`rampart serve: listening on ${service.url}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  say("stopping");
  await service.stop();
}
