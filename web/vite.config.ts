import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// The UI is built into web/dist, which `rampart serve` serves at `/` (the API stays under /api/v1).
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
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
