import cookie from "@fastify/cookie";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import type { ConnectorRegistry } from "../connectors/registry.ts";
import { AccessError } from "../core/errors.ts";
import { ApiTokenStore } from "../store/api-tokens.ts";
import { AuditLog } from "../store/audit.ts";
import type { RampartDb } from "../store/schema.ts";
import { DEFAULT_SESSION_LIMITS, type SessionLimits, SessionStore } from "../store/sessions.ts";
import { UserStore } from "../store/users.ts";
import { installAudit } from "./audit-hook.ts";
import { installAuth } from "./auth.ts";
import { frameworkError, installErrorHandling } from "./errors.ts";
import { createMetrics, installHttpMetrics } from "./metrics.ts";
import { auditRoutes } from "./routes/audit.ts";
import { connectorRoutes } from "./routes/connectors.ts";
import { healthRoutes } from "./routes/health.ts";
import { sessionRoutes } from "./routes/session.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { userRoutes } from "./routes/users.ts";
import { uiRoutes } from "./ui.ts";

/** What the API serves from: the store and the connector catalog; later parts add theirs through `routes`. */
export interface ServerDeps {
  db: Kysely<RampartDb>;
  registry: ConnectorRegistry;
  /** Resolves when the store answers and is migrated. */
  ready(): Promise<void>;
  /** More routes under /api/v1 (runs, alerts, …), each declaring its `access`. */
  routes?: Array<(app: FastifyInstance) => Promise<void>>;
  /** Routes outside /api/v1 (webhooks under /hooks). */
  rootRoutes?: Array<(app: FastifyInstance) => Promise<void>>;
  metrics?: Registry;
  now?: () => number;
}

export interface ServerOptions {
  /** HTTPS with this certificate and key (PEM); cookies are then `Secure`. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Addresses (or CIDRs) of reverse proxies whose X-Forwarded-* headers are believed. */
  trustProxy?: string[];
  /** Origins allowed to call the API from a browser; none by default (no CORS headers at all). */
  corsOrigins?: string[];
  /** Largest request body, in bytes (default 1 MiB). */
  bodyLimit?: number;
  sessionLimits?: SessionLimits;
  loginAttemptsPerMinute?: number;
  logger?: FastifyServerOptions["logger"];
  /** The built web UI served at `/` (default web/dist); false serves none. */
  uiDist?: string | false;
}

export const API_PREFIX = "/api/v1";

/** The HTTP service: every route authenticated and role-checked, audited, measured and documented. */
export async function buildServer(deps: ServerDeps, options: ServerOptions = {}): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    logger: options.logger ?? false,
    // The audit log and the request metrics already record every request; the log keeps what went wrong.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy?.length ? options.trustProxy : false,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false } },
    return503OnClosing: true,
    frameworkErrors: frameworkError,
  }) as unknown as FastifyInstance;

  // A route that names no role would be open by accident: refuse to start instead.
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/api/docs")) {
      route.config = { ...(route.config ?? {}), access: "public" };
      return;
    }
    if (route.config?.access === undefined)
      throw new Error(`route ${route.method} ${route.url} declares no access (config.access)`);
  });

  const metrics = deps.metrics ?? createMetrics();
  const users = new UserStore(deps.db, now);
  const sessions = new SessionStore(deps.db, options.sessionLimits ?? DEFAULT_SESSION_LIMITS, now);
  const tokens = new ApiTokenStore(deps.db, now);
  const audit = new AuditLog(deps.db, now);

  installErrorHandling(app);
  await app.register(cookie);
  await app.register(helmet, {
    // The API reference page runs its own scripts and styles, served from this origin only.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        // Over plain HTTP this would send the browser to https:// for the page's own scripts, which
        // nothing answers; under TLS it is kept.
        upgradeInsecureRequests: options.tls ? [] : null,
      },
    },
    hsts: options.tls ? undefined : false,
  });
  if (options.corsOrigins?.length) {
    await app.register(cors, { origin: options.corsOrigins, credentials: true });
  }
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => {
      const error = new AccessError(
        "TooManyRequestsError",
        `too many attempts; try again in ${Math.ceil(context.ttl / 1000)} s`,
      );
      return Object.assign(error, { statusCode: 429 });
    },
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Rampart API",
        version: "1",
        description: "Rampart's REST API; see docs/api.md for the concepts.",
      },
      components: {
        securitySchemes: {
          token: { type: "http", scheme: "bearer", description: "an API token (rampart token create)" },
          session: {
            type: "apiKey",
            in: "cookie",
            name: "rampart_session",
            description: "a browser session; state-changing requests also need X-CSRF-Token",
          },
        },
      },
      security: [{ token: [] }, { session: [] }],
    },
    // Each operation says who may call it (x-rampart-access); public ones need no credentials.
    transform: ({ schema, url, route }) => {
      const access = route.config?.access;
      return {
        schema: {
          ...schema,
          "x-rampart-access": access,
          ...(access === "public" ? { security: [] } : {}),
        } as typeof schema,
        url,
      };
    },
  });
  await app.register(swaggerUi, { routePrefix: "/api/docs", staticCSP: false });

  installAuth(app, { sessions, tokens });
  installAudit(app, audit);
  installHttpMetrics(app, metrics);

  await app.register(
    async (api) => {
      await sessionRoutes(api, {
        users,
        sessions,
        audit,
        secureCookies: options.tls !== undefined,
        loginAttemptsPerMinute: options.loginAttemptsPerMinute ?? 10,
      });
      await userRoutes(api, { users });
      await tokenRoutes(api, { tokens, now });
      await auditRoutes(api, { audit });
      await connectorRoutes(api, { registry: deps.registry });
      for (const routes of deps.routes ?? []) await routes(api);
      api.get("/openapi.json", { config: { access: "public" }, schema: { hide: true } }, async () =>
        app.swagger(),
      );
    },
    { prefix: API_PREFIX },
  );
  // Probes and metrics at the paths orchestrators and Prometheus look for, outside the versioned prefix.
  await app.register(async (root) => {
    await healthRoutes(root, { ready: deps.ready, metrics });
    for (const routes of deps.rootRoutes ?? []) await routes(root);
    if (options.uiDist !== false) await uiRoutes(root, { dist: options.uiDist });
  });
  return app;
}
