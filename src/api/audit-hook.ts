import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AuditLog } from "../store/audit.ts";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/** What a request acted on: its route parameters (names and ids), never its body. */
function targetOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, string> | undefined;
  if (!params) return undefined;
  const parts = Object.entries(params).map(([key, value]) => `${key}=${value}`);
  return parts.length ? parts.join(" ") : undefined;
}

export function resultOf(status: number): "ok" | "refused" | "failed" {
  return status < 400 ? "ok" : status < 500 ? "refused" : "failed";
}

/**
 * One audit row per state-changing request, answered or refused. A sign-in that reaches its handler
 * writes its own row (with the name tried) before answering; one refused before it (too many attempts,
 * a malformed body) gets its row here. A failure to write the row is logged, never hidden.
 */
export function installAudit(app: FastifyInstance, audit: AuditLog): void {
  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (READS.has(request.method) || config?.access === undefined || request.audited) return;
    const principal = request.principal;
    try {
      await audit.append({
        actor: principal?.actor ?? "anonymous",
        role: principal?.role,
        address: request.ip,
        action: config.auditAction ?? `${request.method} ${request.routeOptions.url}`,
        target: targetOf(request),
        result: resultOf(reply.statusCode),
        status: reply.statusCode,
      });
    } catch (error) {
      request.log.error({ err: error }, "could not write the audit row");
    }
  });
}
