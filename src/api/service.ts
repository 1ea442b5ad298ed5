import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import { Runtime, type WorkRoles } from "../app/runtime.ts";
import { registerServiceMetrics } from "../app/service-metrics.ts";
import type { ConnectorRegistry } from "../connectors/registry.ts";
import { jsonLogger } from "../connectors/sdk/index.ts";
import { ValidationError } from "../core/errors.ts";
import { migrations } from "../store/migrations/index.ts";
import { UserStore } from "../store/users.ts";
import { createMetrics } from "./metrics.ts";
import { alertRoutes } from "./routes/alerts.ts";
import { connectionRoutes } from "./routes/connections.ts";
import hooksRoutes from "./routes/hooks.ts";
import { playbookRoutes } from "./routes/playbooks.ts";
import { runRoutes } from "./routes/runs.ts";
import { sourceRoutes } from "./routes/sources.ts";
import { buildServer, type ServerOptions } from "./server.ts";

export interface ServiceOptions extends Omit<ServerOptions, "tls"> {
  dataDir: string;
  /** A `postgres://…` URL for the store; absent: SQLite in the data dir. */
  databaseUrl?: string;
  registry: ConnectorRegistry;
  host: string;
  port: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** The playbooks the service answers with (alert triggers, webhooks, schedules, the API). */
  playbooksDir?: string;
  /** How long in-flight runs get to finish on stop (default 30 s). */
  graceMs?: number;
  /** Runs executed at once (default 8). */
  concurrency?: number;
  /** What the service does beside answering (default everything; `--no-work`: nothing). */
  work?: WorkRoles;
}

export interface RunningService {
  /** Where the API answers, e.g. `http://127.0.0.1:8080`. */
  url: string;
  server: FastifyInstance;
  runtime: Runtime;
  /** Stops taking requests, lets those in flight finish, and closes the store. */
  stop(): Promise<void>;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Starts the service on a data dir: the runtime (store, engine, the Worker, ingestion, trigger
 * dispatch, schedules) and the HTTP API over it, webhooks included.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined))
    throw new ValidationError("--tls-cert and --tls-key go together", {
      field: options.tlsCertFile ? "--tls-key" : "--tls-cert",
    });
  const tls = options.tlsCertFile
    ? { cert: readPem(options.tlsCertFile, "--tls-cert"), key: readPem(options.tlsKeyFile!, "--tls-key") }
    : undefined;
  const runtime = await Runtime.open({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    registry: options.registry,
    playbooksDir: options.playbooksDir,
    concurrency: options.concurrency,
    work: options.work,
    // Warnings (a source or the sweep failing) as JSON lines on stderr; redacted like every log.
    logger: jsonLogger("warn"),
  });
  const { database } = runtime;
  try {
    if (!isLoopback(options.host) && (await new UserStore(database.db).count()) === 0)
      throw new ValidationError(
        `no user exists yet: create the first admin (rampart user add <name> --role admin) before serving on ${options.host}`,
        { field: "--host" },
      );
    const expected = Object.keys(migrations).length;
    const metrics = createMetrics();
    registerServiceMetrics(metrics, runtime);
    const server = await buildServer(
      {
        db: database.db,
        registry: options.registry,
        metrics,
        ready: async () => {
          const row = await sql<{ n: number }>`select count(*) as n from rampart_migration`.execute(
            database.db,
          );
          const applied = Number(row.rows[0]?.n ?? 0);
          if (applied < expected) throw new Error(`${applied} of ${expected} migrations applied`);
        },
        routes: [
          runRoutes(runtime),
          playbookRoutes(runtime),
          alertRoutes(runtime),
          connectionRoutes(runtime),
          sourceRoutes(runtime),
        ],
        rootRoutes: [
          // Its own encapsulated plugin: it parses bodies raw (for the signature) and keeps its own error shape.
          async (root) => {
            await root.register(hooksRoutes, {
              target: (name) => runtime.playbooks.hookTarget(name),
              secretOf: (playbook) => runtime.webhookSecrets.secretOf(playbook),
              deliveries: runtime.deliveries,
              startRun: (request) => runtime.starter.startRun(request),
              waitForEnd: (runId, deadline) => runtime.starter.waitForEnd(runId, deadline),
              // The auth hook has resolved the bearer token already (a public route keeps a valid one).
              authenticateToken: async (request) => {
                const principal = request.principal;
                return principal?.kind === "token" && principal.role !== "viewer"
                  ? { name: principal.actor.slice("token:".length) }
                  : null;
              },
            });
          },
        ],
      },
      { ...options, tls },
    );
    await server.listen({ host: options.host, port: options.port });
    await runtime.start();
    const address = server.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return {
      url: `${tls ? "https" : "http"}://${host}:${address.port}`,
      server,
      runtime,
      async stop() {
        await server.close();
        await runtime.stop(options.graceMs ?? 30_000);
      },
    };
  } catch (error) {
    await runtime.stop(0);
    throw error;
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ValidationError(
      `${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      { field: flag },
    );
  }
}
