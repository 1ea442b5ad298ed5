import type { Command } from "commander";
import { startLab } from "../../lab/lab.ts";
import { UsageError } from "../failure.ts";

export function registerLabCommand(program: Command): void {
  program
    .command("lab")
    .description(
      "Start every vendor simulator; prints one JSON line per simulator and runs until interrupted",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "first port (simulators take consecutive ports); 0 picks free ports", "7400")
    .option("--seed <n>", "seed of the generated data", "1")
    .action(async (options: { host: string; port: string; seed: string }) => {
      const port = Number(options.port);
      const seed = Number(options.seed);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new UsageError("--port must be a port number");
      if (!Number.isInteger(seed)) throw new UsageError("--seed must be an integer");
      const lab = await startLab({ host: options.host, port, seed });
      for (const sim of lab.simulators) {
        process.stdout.write(
          `${JSON.stringify({ connector: sim.connector, url: sim.url, config: sim.config })}\n`,
        );
      }
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await lab.close();
    });
}
