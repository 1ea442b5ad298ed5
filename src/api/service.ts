import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { ConnectorRegistry } from "../connectors/registry.ts";
import { ValidationError } from "../core/errors.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { migrations } from "../store/migrations/index.ts";
import { UserStore } from "../store/users.ts";
import { buildServer, type ServerOptions } from "./server.ts";

export interface ServiceOptions extends Omit<ServerOptions, "tls"> {
  dataDir: string;
  registry: ConnectorRegistry;
  host: string;
  port: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export interface RunningService {
  /** Where the API answers, e.g. `http://127.0.0.1:8080`. */
  url: string;
  server: FastifyInstance;
  database: Database;
  /** Stops taking requests, lets those in flight finish, and closes the store. */
  stop(): Promise<void>;
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Starts the service on a data dir: the store and the HTTP API. The service's other parts (ingestion,
 * the worker, schedules) start here too, beside the server, sharing its store.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  if ((options.tlsCertFile === undefined) !== (options.tlsKeyFile === undefined))
    throw new ValidationError("--tls-cert and --tls-key go together", {
      field: options.tlsCertFile ? "--tls-key" : "--tls-cert",
    });
  const tls = options.tlsCertFile
    ? { cert: readPem(options.tlsCertFile, "--tls-cert"), key: readPem(options.tlsKeyFile!, "--tls-key") }
    : undefined;
  const database = await openDatabase({ dataDir: options.dataDir });
  try {
    if (!isLoopback(options.host) && (await new UserStore(database.db).count()) === 0)
      throw new ValidationError(
        `no user exists yet: create the first admin (rampart user add <name> --role admin) before serving on ${options.host}`,
        { field: "--host" },
      );
    const expected = Object.keys(migrations).length;
    const server = await buildServer(
      {
        db: database.db,
        registry: options.registry,
        ready: async () => {
          const row = await sql<{ n: number }>`select count(*) as n from rampart_migration`.execute(
            database.db,
          );
          const applied = Number(row.rows[0]?.n ?? 0);
          if (applied < expected) throw new Error(`${applied} of ${expected} migrations applied`);
        },
      },
      { ...options, tls },
    );
    await server.listen({ host: options.host, port: options.port });
    const address = server.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    return {
      url: `${tls ? "https" : "http"}://${host}:${address.port}`,
      server,
      database,
      async stop() {
        await server.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
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
