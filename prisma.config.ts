// Prisma CLI configuration. The CLI runs offline here with the WASM schema engine
// (`engine: "js"` + a driver adapter); the Rust schema engine would need a download.
// The app itself applies migrations with src/db/migrate.ts; the CLI is for authoring
// (`npm run db:diff`) and inspection (`npm run db:status`).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// `prisma generate` needs no database, but without a URL the CLI falls back to the
// Rust engine and tries to download it. A placeholder keeps it on the WASM path.
const databaseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
process.env.DATABASE_URL = databaseUrl;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    // allowExitOnIdle: idle pooled connections would otherwise keep the CLI alive for
    // pg-pool's 10 s idle timeout after the command has finished.
    return new PrismaPg({ connectionString: databaseUrl, allowExitOnIdle: true });
  },
});
