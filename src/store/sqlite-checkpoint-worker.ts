// The worker thread of WalCheckpointer (sqlite-checkpointer.ts): its own connection to the
// database file, running a passive checkpoint (never waits for or blocks the writer) on request.
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

const port = parentPort!;
const db = new DatabaseSync((workerData as { file: string }).file, { timeout: 0 });
// The same durability as the writer's connection: a checkpoint syncs the WAL, then the database.
db.exec("PRAGMA synchronous = NORMAL");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

port.on("message", (message: string) => {
  if (message === "close") {
    db.close();
    port.close();
    return;
  }
  try {
    checkpoint.get();
  } catch {
    // Busy or locked: the writer's own backstop checkpoint, or the next request, catches up.
  }
  port.postMessage("done");
});
