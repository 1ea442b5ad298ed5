// The PostgreSQL server a bench runs on: the admin URL it is given, a fresh database per section
// (created and dropped here, so sections never see each other's rows), and the server's settings
// that change the figures.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The admin URL from RAMPART_BENCH_DATABASE_URL, else RAMPART_TEST_DATABASE_URL; undefined when neither is set. */
export function adminUrlOf(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.RAMPART_BENCH_DATABASE_URL?.trim() || env.RAMPART_TEST_DATABASE_URL?.trim() || undefined;
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** Drops it, closing any connection still on it. */
  drop(): Promise<void>;
}

/** A new empty database `rampart_bench_<label>_<random>` on the admin URL's server. */
export async function createDatabase(adminUrl: string, label: string): Promise<BenchDatabase> {
  if (!/^[a-z0-9_]{1,30}$/.test(label)) throw new RangeError(`database label "${label}": a-z, 0-9, _ only`);
  const name = `rampart_bench_${label}_${randomBytes(4).toString("hex")}`;
  await admin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/** "PostgreSQL 15.18, fsync off, synchronous_commit off": what a reader needs to weigh the figures. */
export async function serverSummary(adminUrl: string): Promise<string> {
  let summary = "";
  await admin(adminUrl, async (client) => {
    const show = async (name: string) =>
      ((await client.query(`SHOW ${name}`)).rows[0] as Record<string, string>)[name];
    summary = `PostgreSQL ${await show("server_version")}, fsync ${await show("fsync")}, synchronous_commit ${await show("synchronous_commit")}`;
  });
  return summary;
}

async function admin(adminUrl: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
