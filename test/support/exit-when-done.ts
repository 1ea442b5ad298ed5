// Loaded into every test file's process (`npm test` passes it with --import). A file whose tests
// have all reported but that leaks a handle (a server, a timer, a thread) would keep its process,
// and so `npm test`, alive forever. Node's --test-force-exit ends such a process, but with
// concurrency it can drop the file's last verdicts, failures included (nodejs/node#64833). This
// waits long enough for every verdict and after-hook, names what was left open, and exits with
// the file's own status.
import { after } from "node:test";

const GRACE_MS = 30_000;

after(() => {
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== "PipeWrap" && r !== "TTYWrap");
    process.stderr.write(
      `\n# ${process.argv[1]}: still running ${GRACE_MS / 1000} s after its last test, held open by ${open.join(", ") || "nothing known"}; exiting\n`,
    );
    process.exit();
  }, GRACE_MS).unref();
});
