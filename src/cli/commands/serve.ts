import type { Command } from "commander";
import { startService } from "../../api/service.ts";
import { serviceLog } from "../../api/service-log.ts";
import { NO_WORK } from "../../app/runtime.ts";
import { parseDuration } from "../../engine/duration.ts";
import { storeOf } from "../connection-store.ts";
import { registryOf } from "../connector-registry.ts";
import { UsageError } from "../failure.ts";
import { playbooksDirOf } from "../triggers.ts";

const collect = (value: string, list: string[]) => [...list, value];

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("Run Rampart as a service: the HTTP API (and the UI) until SIGTERM or SIGINT")
    .option("--host <host>", "address to listen on; anything but loopback needs a user first", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "8080")
    .option("--tls-cert <file>", "serve HTTPS with this certificate (PEM), with --tls-key")
    .option("--tls-key <file>", "the certificate's private key (PEM)")
    .option("--playbooks <dir>", "the playbooks it answers with (default ./playbooks when it exists)")
    .option("--grace <duration>", "how long in-flight runs get to finish on SIGTERM", "30s")
    .option("--concurrency <n>", "runs executed at once; more wait queued", "8")
    .option("--no-work", "only serve the API and UI; `rampart worker` processes do the work (PostgreSQL)")
    .option(
      "--trust-proxy <address>",
      "believe X-Forwarded-* from this proxy address or CIDR (repeatable)",
      collect,
      [],
    )
    .option(
      "--cors-origin <origin>",
      "let pages from this origin call the API (repeatable; none by default)",
      collect,
      [],
    )
    .action(
      async (
        options: {
          host: string;
          port: string;
          tlsCert?: string;
          tlsKey?: string;
          trustProxy: string[];
          corsOrigin: string[];
          playbooks?: string;
          grace: string;
          concurrency: string;
          work: boolean;
        },
        command: Command,
      ) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new UsageError("--port must be 0-65535");
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000)
          throw new UsageError("--concurrency must be a whole number from 1 to 1000");
        const store = storeOf(command);
        const service = await startService({
          logger: serviceLog(),
          dataDir: store.dataDir,
          databaseUrl: store.url,
          registry: await registryOf(command),
          host: options.host,
          port,
          tlsCertFile: options.tlsCert,
          tlsKeyFile: options.tlsKey,
          trustProxy: options.trustProxy,
          corsOrigins: options.corsOrigin,
          playbooksDir: playbooksDirOf(options.playbooks),
          graceMs: parseDuration(options.grace, "--grace"),
          concurrency,
          work: options.work ? undefined : NO_WORK,
        });
        process.stdout.write(
          `rampart serve: listening on ${service.url} (API reference: ${service.url}/api/docs)\n`,
        );
        const signal = await new Promise<NodeJS.Signals>((resolve) => {
          process.once("SIGTERM", () => resolve("SIGTERM"));
          process.once("SIGINT", () => resolve("SIGINT"));
        });
        process.stdout.write(`rampart serve: ${signal}, stopping\n`);
        await service.stop();
        process.stdout.write("rampart serve: stopped\n");
      },
    );
}
