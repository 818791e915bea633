/// <reference types="vitest/config" />
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

// `tastemaker serve` serves dist/ as static files, and answers an unknown path with 404.html
// when there is one: a copy of index.html, so a reload of /recommendations or a shared link
// to /items/42 still opens the app, whose router then shows the right page.
const spaFallback: Plugin = {
  name: "tastemaker-spa-fallback",
  apply: "build",
  writeBundle(options) {
    const dir = options.dir ?? "dist";
    copyFileSync(join(dir, "index.html"), join(dir, "404.html"));
  },
};

// The API runs apart in development (`tastemaker serve`, port 8000 by default): Vite proxies
// /api to it, so the app always calls its own origin, as it does when the service serves it.
const apiTarget = process.env.TASTEMAKER_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react(), spaFallback],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  server: {
    proxy: { "/api": { target: apiTarget, changeOrigin: false } },
  },
  build: {
    target: "es2022",
    sourcemap: false,
    // React DOM alone is ~190 kB; warn when the main chunk grows well past today's ~325 kB.
    chunkSizeWarningLimit: 360,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    restoreMocks: true,
  },
});
