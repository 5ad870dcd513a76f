// The built web app (web/dist: shop window, admin console, the GraphiQL explorer) served by
// the API server itself, so the pages share the API's origin and load nothing from another
// host. Routes: GET / (the app; hash routes inside), GET /explorer (GraphiQL), GET
// /assets/* (hashed files, cached for a year). Every page gets a Content-Security-Policy
// that allows this origin only. A node:http server with ~10 static files needs no static
// middleware: the path is checked against the files that exist at start, nothing else.
import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { projectRoot } from "../config";

export const DEFAULT_WEB_DIST = path.join(projectRoot, "web", "dist");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".ttf": "font/ttf",
};

/**
 * Same origin only. Inline styles: React and GraphiQL set style attributes; `data:` images
 * and fonts: GraphiQL's CSS embeds its icons.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export interface WebApp {
  /** Whether web/dist was there at start (else / explains how to build it). */
  built: boolean;
  /** Answers a GET/HEAD for a page or asset; false when the path is not the web app's. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean;
}

export function loadWebApp(dist: string = DEFAULT_WEB_DIST): WebApp {
  const files = new Map<string, string>();
  const built = fs.existsSync(path.join(dist, "index.html"));
  if (built) {
    for (const name of fs.readdirSync(path.join(dist, "assets"))) files.set(`/assets/${name}`, path.join(dist, "assets", name));
    files.set("/", path.join(dist, "index.html"));
    if (fs.existsSync(path.join(dist, "explorer.html"))) files.set("/explorer", path.join(dist, "explorer.html"));
  }
  return {
    built,
    serve(req, res, url) {
      if (req.method !== "GET" && req.method !== "HEAD") return false;
      // GET /?query=… is a GraphQL request, not the page.
      if (url.pathname === "/" && url.search !== "") return false;
      if (!built) {
        if (url.pathname !== "/" && url.pathname !== "/explorer") return false;
        res.writeHead(503, { "content-type": "text/plain; charset=utf-8" });
        res.end("The web app is not built: run `npm run build:web` (npm install does it). The GraphQL endpoint is /graphql.\n");
        return true;
      }
      const file = files.get(url.pathname);
      if (!file) return false;
      const ext = path.extname(file);
      const headers: Record<string, string> = {
        "content-type": TYPES[ext] ?? "application/octet-stream",
        "x-content-type-options": "nosniff",
        // Hashed names never change content; pages are re-read so a new build is picked up.
        "cache-control": url.pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      };
      if (ext === ".html") {
        headers["content-security-policy"] = CONTENT_SECURITY_POLICY;
        headers["referrer-policy"] = "no-referrer";
      }
      res.writeHead(200, headers);
      if (req.method === "HEAD") {
        res.end();
        return true;
      }
      fs.createReadStream(file)
        .on("error", () => res.destroy())
        .pipe(res);
      return true;
    },
  };
}
