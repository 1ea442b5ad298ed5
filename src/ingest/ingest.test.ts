import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { vendors } from "../connectors/registry.ts";
import { openDatabase } from "../store/database.ts";
import { SqlIngestStore } from "../store/ingest-store.ts";
import { Ingestor } from "./ingest.ts";

test("run() ends at once when it is stopped during a tick, not at the next poll (a minute away with no source)", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "rampart-ingest-run-"));
  const database = await openDatabase({ dataDir });
  try {
    const store = new SqlIngestStore(database.db);
    const stop = new AbortController();
    // The real store; the stop comes while the tick reads the sources, as a service's shutdown can.
    const stopping: typeof store = Object.create(store);
    stopping.sources = async () => {
      const sources = await store.sources();
      stop.abort();
      return sources;
    };
    const ingestor = new Ingestor({
      store: stopping,
      vendors,
      client: () => Promise.reject(new Error("no source, no client")),
    });
    const started = Date.now();
    await ingestor.run(stop.signal);
    assert.ok(Date.now() - started < 5000, `ran ${Date.now() - started} ms after it was stopped`);
    await ingestor.close();
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
