import { defineConfig } from "drizzle-kit";

// Generates migrations from controlplane/db/schema into sql/postgres; the same files run on
// Postgres (bun run migrate) and on PGlite (embedded mode).
export default defineConfig({
  dialect: "postgresql",
  schema: "./controlplane/db/schema/index.ts",
  out: "./sql/postgres",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://127.0.0.1:5432/postgres" },
});
