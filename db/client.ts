// The one place where the database driver is chosen (DESIGN.md "Database"):
//   no DATABASE_URL / POSTGRES_URL  → embedded PGlite in PGLITE_DIR (default .data/pglite),
//                                     migrated on first use, guarded by a lock file;
//   a URL                           → node-postgres pool;
//   DB_DRIVER=vercel                → @vercel/postgres (Neon's WebSocket driver) for Vercel.
import { join, resolve } from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type DriverName = "pglite" | "pg" | "vercel";

export interface DbHandle {
  db: Db;
  driver: DriverName;
  /** Where the data lives, without credentials (shown on pages and in CLI output). */
  location: string;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = resolve(process.cwd(), "db/migrations");

export interface DbConfig {
  driver: DriverName;
  url?: string;
  pgliteDir: string;
}

/** Reads the driver choice from the environment; an inconsistent choice is an error, not a guess. */
export function dbConfigFromEnv(env: Record<string, string | undefined> = process.env): DbConfig {
  const url = env.DATABASE_URL || env.POSTGRES_URL || undefined;
  const requested = env.DB_DRIVER?.trim() || undefined;
  if (requested && !["pglite", "pg", "vercel"].includes(requested)) {
    throw new Error(`DB_DRIVER must be one of pglite, pg, vercel (got '${requested}')`);
  }
  const driver = (requested as DriverName | undefined) ?? (url ? "pg" : "pglite");
  if (driver !== "pglite" && !url) {
    throw new Error(`DB_DRIVER=${driver} needs DATABASE_URL or POSTGRES_URL`);
  }
  if (driver === "pglite" && env.VERCEL === "1") {
    throw new Error(
      "the embedded database (PGlite) cannot run on Vercel (read-only deployment, not bundled): " +
        "set DATABASE_URL or POSTGRES_URL to a hosted Postgres",
    );
  }
  return { driver, url, pgliteDir: env.PGLITE_DIR || join(".data", "pglite") };
}

/** Opens a database handle; PGlite is migrated on open, servers by `vigil db migrate`. */
export async function openDb(config: DbConfig = dbConfigFromEnv()): Promise<DbHandle> {
  switch (config.driver) {
    case "pglite":
      // Its own module, loaded only here: function bundles leave PGlite out (next.config.js
      // outputFileTracingExcludes), since it cannot run in a read-only serverless deployment.
      return (await import("./pglite")).openPglite(config.pgliteDir);
    case "pg":
      return openNodePostgres(config.url!);
    case "vercel":
      return openVercelPostgres(config.url!);
  }
}

async function openNodePostgres(url: string): Promise<DbHandle> {
  const { Pool } = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const pool = new Pool({ connectionString: url, max: Number(process.env.PG_POOL_MAX ?? 5) });
  survivesIdleErrors(pool);
  return {
    db: drizzle(pool, { schema }) as unknown as Db,
    driver: "pg",
    location: `Postgres at ${redactUrl(url)}`,
    close: () => pool.end(),
  };
}

async function openVercelPostgres(url: string): Promise<DbHandle> {
  const { createPool, createClient } = await import("@vercel/postgres");
  const { drizzle } = await import("drizzle-orm/vercel-postgres");
  const proxy = process.env.VERCEL_POSTGRES_WS_PROXY;
  if (proxy) {
    // Self-hosted or test: reach a plain Postgres through a WebSocket-to-TCP relay. Neon's
    // driver keeps its settings on its socket class; a client instance exposes that class.
    const probe = createClient({ connectionString: url });
    const socketClass = (probe as unknown as { neonConfig: { constructor: NeonSocketConfig } })
      .neonConfig.constructor;
    socketClass.wsProxy = (host: string, port: number | string) =>
      `${proxy}?address=${host}:${port}`;
    socketClass.useSecureWebSocket = false;
    socketClass.pipelineTLS = false;
    socketClass.pipelineConnect = false;
  }
  const pool = createPool({ connectionString: url });
  survivesIdleErrors(pool);
  return {
    db: drizzle(pool, { schema }) as unknown as Db,
    driver: "vercel",
    location: `Vercel Postgres at ${redactUrl(url)}`,
    close: () => pool.end(),
  };
}

/**
 * An idle client whose connection the server drops (restart, failover) emits 'error' on its pool;
 * without a listener that kills the process. The pool discards the client and the next query
 * reconnects; a query in flight still fails on its own promise.
 */
function survivesIdleErrors(pool: { on(event: "error", listener: (err: Error) => void): unknown }) {
  pool.on("error", (err) => console.error(`postgres: idle connection lost: ${err.message}`));
}

interface NeonSocketConfig {
  wsProxy: (host: string, port: number | string) => string;
  useSecureWebSocket: boolean;
  pipelineTLS: boolean;
  pipelineConnect: false | "password";
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Applies the committed migrations to the configured database. */
export async function migrateDb(handle: DbHandle): Promise<void> {
  if (handle.driver === "pglite") return; // migrated on open
  if (handle.driver === "pg") {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
  } else {
    const { migrate } = await import("drizzle-orm/vercel-postgres/migrator");
    await migrate(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
  }
}
