import formbody from "@fastify/formbody";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type Fault, FaultPlan, type FaultRule } from "./faults.ts";

export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** Seed of the generated data, so tests are repeatable. */
  seed?: number;
}

/** A running vendor simulator. */
export interface Simulator {
  connector: string;
  url: string;
  /** A ready connection config for this simulator. */
  config: Record<string, unknown>;
  faults: FaultPlan;
  close(): Promise<void>;
}

export interface SimulatorFactory {
  connector: string;
  start(options?: SimulatorOptions): Promise<Simulator>;
}

export interface SimServerSetup {
  /** The vendor's error body for a fault-injected status. */
  errorBody(status: number, message: string): unknown;
  /** Snapshot of the simulator's state for `GET /__sim/state` (tests and humans inspect it). */
  state(): unknown;
  reset?(): void;
  /** New vendor data (alerts, incidents) for `POST /__sim/generate {count}`, as if attackers were busy. */
  generate?(count: number): unknown;
}

/**
 * A Fastify server with the parts every simulator shares: form and JSON bodies,
 * fault injection before routing, and the `/__sim` control routes.
 */
export function createSimServer(setup: SimServerSetup): { app: FastifyInstance; faults: FaultPlan } {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024 * 1024 });
  const faults = new FaultPlan();
  app.register(formbody);
  // Vendors send JSON error bodies on empty or odd requests; accept any body type as text.
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  const heldReplies = new WeakMap<FastifyRequest, number>();
  app.addHook("onRequest", async (req, reply) => {
    if (req.url.startsWith("/__sim")) return;
    const fault = faults.take(req.method, req.url.split("?")[0] ?? req.url);
    if (fault?.kind === "reply-latency") heldReplies.set(req, Number(fault.ms) || 0);
    else if (fault) await applyFault(fault, req, reply, setup);
  });
  // After the handler: what it did is done, only the answer waits (a crash here loses the reply, not the act).
  app.addHook("onSend", async (req) => {
    const ms = heldReplies.get(req);
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
  });

  app.post("/__sim/faults", async (req, reply) => {
    const rule = req.body as FaultRule;
    if (!rule || typeof rule !== "object" || !rule.fault || typeof rule.fault.kind !== "string") {
      return reply.code(400).send({ error: "body must be {fault: {kind, ...}, method?, path?, times?}" });
    }
    try {
      faults.inject(rule);
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
    return { injected: rule };
  });
  app.delete("/__sim/faults", async () => {
    faults.clear();
    return { cleared: true };
  });
  app.get("/__sim/state", async () => setup.state());
  app.post("/__sim/generate", async (req, reply) => {
    const count = Number((req.body as { count?: unknown } | undefined)?.count ?? 1);
    if (!setup.generate) return reply.code(404).send({ error: "this simulator does not generate data" });
    if (!Number.isInteger(count) || count < 1 || count > 100_000) {
      return reply.code(400).send({ error: "count must be an integer from 1 to 100000" });
    }
    return { generated: setup.generate(count) };
  });
  app.post("/__sim/reset", async () => {
    setup.reset?.();
    faults.clear();
    return { reset: true };
  });
  return { app, faults };
}

async function applyFault(
  fault: Fault,
  req: FastifyRequest,
  reply: FastifyReply,
  setup: SimServerSetup,
): Promise<void> {
  switch (fault.kind) {
    case "latency":
      await new Promise<void>((resolve) => {
        // Never what keeps a process alive, and over as soon as the client is gone.
        const timer = setTimeout(resolve, Number(fault.ms) || 0);
        timer.unref();
        reply.raw.once("close", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return;
    case "rate-limit": {
      const seconds = Number(fault.retryAfterS ?? 1);
      return reply
        .code(429)
        .header("retry-after", String(seconds))
        .send(setup.errorBody(429, "Too many requests"));
    }
    case "status":
      return reply
        .code(Number(fault.status))
        .send(setup.errorBody(Number(fault.status), String(fault.message ?? "Injected failure")));
    case "malformed":
      return reply.code(200).header("content-type", "application/json").send('{"result": "succ');
    case "reset":
      req.raw.socket.destroy();
      return reply.hijack();
    case "hang":
      // Never answer; the client's timeout (or the server closing) ends the request.
      reply.hijack();
      return;
  }
}

/** Starts the app and returns the base URL it listens on. */
export async function listen(app: FastifyInstance, options: SimulatorOptions): Promise<string> {
  const address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  return address.replace("[::1]", "localhost");
}
