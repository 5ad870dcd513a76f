// The web app (shop window + admin console) and the offline GraphQL explorer, built into
// web/dist and served by the API server at / and /explorer (src/api/webApp.ts): same
// origin as /graphql, nothing loaded from another host.
import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  // graphql ships CommonJS and ESM builds; one copy for the app and GraphiQL.
  resolve: { dedupe: ["graphql", "react", "react-dom"] },
  build: {
    outDir: path.join(root, "dist"),
    emptyOutDir: true,
    // GraphiQL (CodeMirror, the schema docs) is large; it is only loaded on /explorer.
    chunkSizeWarningLimit: 2_000,
    rollupOptions: {
      input: { main: path.join(root, "index.html"), explorer: path.join(root, "explorer.html") },
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server components; meaningless in a browser bundle.
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return;
        warn(warning);
      },
    },
  },
  server: {
    // `npm run dev:web`: the API runs on :4000 (npm start); Vite proxies /graphql to it.
    proxy: { "/graphql": "http://127.0.0.1:4000" },
  },
});
