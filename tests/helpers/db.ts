// Databases for integration tests: in-memory PGlite always; the Postgres server too when
// DATABASE_URL is set (CI sets it), each test file on a fresh database of its own.
import pg from "pg";
import { migrateDb, openDb, type DbHandle } from "../../db/client";

export interface TestDb {
  name: string;
  open(): Promise<DbHandle>;
}

export const testDatabases: TestDb[] = [
  {
    name: "pglite",
    open: () => openDb({ driver: "pglite", pgliteDir: "memory://", url: undefined }),
  },
];

const serverUrl = process.env.DATABASE_URL;
if (serverUrl) {
  testDatabases.push({ name: "postgres-server", open: () => freshServerDb(serverUrl, "pg") });
}

/** Creates an empty database on the server, migrates it, and drops it again on close. */
export async function freshServerDb(
  url: string,
  driver: "pg" | "vercel",
  dbUrlHost?: string,
): Promise<DbHandle> {
  const name = `vigil_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  if (dbUrlHost) u.hostname = dbUrlHost;
  const handle = await openDb({ driver, url: u.toString(), pgliteDir: "" });
  await migrateDb(handle);
  return {
    ...handle,
    async close() {
      await handle.close();
      const a = new pg.Client({ connectionString: url });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
