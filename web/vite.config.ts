// The front end is built into web/dist, which `sensorlake serve` serves (docs/web.md).
// Everything is bundled, DuckDB-Wasm's worker and wasm files included: no CDN, works offline.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2000, sourcemap: false },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/data": "http://127.0.0.1:8080" } },
});
