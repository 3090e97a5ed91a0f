import { dbConfigFromEnv, openDb, type DbHandle } from "./client";

// One handle per process, kept on globalThis so Next's module reloading in dev reuses it
// (PGlite must never be opened twice on one directory).
const g = globalThis as unknown as { __vigilDb?: Promise<DbHandle> };

export function getDb(): Promise<DbHandle> {
  g.__vigilDb ??= openDb(dbConfigFromEnv()).catch((err) => {
    g.__vigilDb = undefined;
    throw err;
  });
  return g.__vigilDb;
}
