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
      // A pool's end() resolves once its clients have sent Terminate, not once the server has
      // closed them: forcing the drop at once would kill those sessions mid-goodbye.
      for (let i = 0; i < 100; i++) {
        const r = await a.query(
          "select count(*)::int as n from pg_stat_activity where datname = $1",
          [name],
        );
        if (r.rows[0].n === 0) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
