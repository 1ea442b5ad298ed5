import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import react from "@vitejs/plugin-react";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

/** Text files worth compressing, and the size below which the saving is not worth a second file. */
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;
const MIN_BYTES = 1024;

/**
 * Writes `name.br` and `name.gz` beside each built text file, compressed once at their highest
 * levels, for `rampart serve` to send as they are (`@fastify/static`'s `preCompressed`) instead of
 * compressing each answer. A variant that saves nothing is not written (the original is sent).
 */
function precompress(): Plugin {
  const br = promisify(brotliCompress);
  const gz = promisify(gzip);
  return {
    name: "rampart-precompress",
    apply: "build",
    async writeBundle(options, bundle) {
      const dir = options.dir!;
      const files = Object.keys(bundle).filter((name) => COMPRESSIBLE.test(name));
      await Promise.all(
        files.map(async (name) => {
          const path = join(dir, name);
          const original = await readFile(path);
          if (original.length < MIN_BYTES) return;
          const variants = [
            [".br", await br(original, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })],
            [".gz", await gz(original, { level: 9 })],
          ] as const;
          for (const [suffix, bytes] of variants)
            if (bytes.length < original.length) await writeFile(path + suffix, bytes);
        }),
      );
    },
  };
}

// The UI is built into web/dist, which `rampart serve` serves at `/` (the API stays under /api/v1).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precompress()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline script in the page: the service's Content-Security-Policy allows only its own files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.tsx", "test/**/*.test.ts"],
  },
});
