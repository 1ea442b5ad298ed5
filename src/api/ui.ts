import { existsSync, statSync } from "node:fs";
import { join, normalize, resolve, sep } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { errorBody, NotFoundError } from "../core/errors.ts";

/** Where `npm run build:web` puts the UI. */
export const UI_DIST = resolve(import.meta.dirname, "../../web/dist");

/** Paths that belong to the service, never to the UI: an unknown one there is the API's 404. */
const SERVICE_PATHS = /^\/(api|hooks|healthz|readyz|metrics)(\/|$)/;

const NOT_BUILT = `Rampart's web UI is not built. Run: npm run build:web (npm run demo builds it too).
The API answers under /api/v1; its reference is at /api/docs.
`;

/** The file under `root` a request path names, or undefined when it names none (or escapes root). */
function fileUnder(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const relative = normalize(decoded).replace(/^([/\\])+/, "");
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? relative : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The single-page UI at `/`: its built files, and index.html for any other page path so a
 * reloaded `/alerts/…` opens. Hashed assets are cached for good; index.html never is. The build
 * writes a `.br` and a `.gz` beside each text file (web/vite.config.ts): the one the request's
 * Accept-Encoding prefers is sent as it is, with the original's Content-Type and
 * `Vary: accept-encoding`, and the original when the client takes neither or none was written.
 */
export async function uiRoutes(app: FastifyInstance, options: { dist?: string } = {}): Promise<void> {
  const root = options.dist ?? UI_DIST;
  const built = existsSync(join(root, "index.html"));
  if (built) await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  app.get("/*", { config: { access: "public" }, schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split("?")[0]!;
    if (SERVICE_PATHS.test(path)) {
      const error = new NotFoundError(`no route ${request.method} ${path}`);
      return reply.code(404).send({ error: errorBody(error) });
    }
    if (!built) return reply.code(503).type("text/plain; charset=utf-8").send(NOT_BUILT);
    const file = fileUnder(root, path);
    if (file && file !== "index.html") {
      const immutable = file.startsWith("assets/");
      return reply.sendFile(file, {
        cacheControl: true,
        maxAge: immutable ? 31_536_000_000 : 0,
        immutable,
      });
    }
    // A missing asset is a 404, not the page (a stale tab would otherwise run HTML as script).
    if (path.startsWith("/assets/")) {
      const error = new NotFoundError(`no file ${path}`);
      return reply.code(404).send({ error: errorBody(error) });
    }
    reply.header("cache-control", "no-cache");
    return reply.sendFile("index.html", { cacheControl: false });
  });
}
