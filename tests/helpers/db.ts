// Databases for integration tests: in-memory PGlite always; the Postgres server too when
// DATABASE_URL is set (CI sets it), each test file on a fresh database of its own.
import { migrateDb, openDb, type DbHandle } from "../../db/client";
import { createDatabase, dropDatabase } from "./app";

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
  const u = new URL(await createDatabase(url, name));
  if (dbUrlHost) u.hostname = dbUrlHost;
  const handle = await openDb({ driver, url: u.toString(), pgliteDir: "" });
  await migrateDb(handle);
  return {
    ...handle,
    async close() {
      await handle.close();
      await dropDatabase(url, name);
    },
  };
}
