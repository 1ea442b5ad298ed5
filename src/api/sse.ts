import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** A way to write one Server-Sent Event: its type and its data (sent as JSON). */
export type SendEvent = (type: string, data: unknown) => void;

/**
 * Live streams never end on their own: the set of open ones, each ended when the service stops
 * (it would otherwise wait for them forever).
 */
export function liveStreams(app: FastifyInstance): Set<() => void> {
  const open = new Set<() => void>();
  app.addHook("preClose", async () => {
    for (const end of [...open]) end();
  });
  return open;
}

/**
 * Answers with Server-Sent Events: `subscribe` gets the sender and returns how to stop; a comment
 * line every 15 s keeps proxies from closing the connection.
 */
export function streamEvents(
  open: Set<() => void>,
  request: FastifyRequest,
  reply: FastifyReply,
  subscribe: (send: SendEvent) => () => void,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-content-type-options": "nosniff",
  });
  raw.write(": connected\n\n");
  const unsubscribe = subscribe((type, data) => {
    raw.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  });
  const heartbeat = setInterval(() => raw.write(": keep-alive\n\n"), 15_000);
  heartbeat.unref();
  const end = () => {
    clearInterval(heartbeat);
    unsubscribe();
    open.delete(end);
    raw.end();
  };
  open.add(end);
  request.raw.on("close", end);
}
