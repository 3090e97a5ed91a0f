// The embedded database (PGlite), loaded by db/client.ts only when chosen. It writes under
// PGLITE_DIR, so it cannot run in a serverless function (read-only deployment directory): the
// build leaves this module's dependencies out of every function trace (next.config.js).
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { MIGRATIONS_DIR, type Db, type DbHandle } from "./client";
import * as schema from "./schema";

export async function openPglite(dir: string): Promise<DbHandle> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const inMemory = dir.startsWith("memory://");
  const release = inMemory ? () => {} : acquireDirLock(resolve(dir));
  try {
    const client = inMemory ? new PGlite() : new PGlite(resolve(dir));
    await client.waitReady;
    const db = drizzle(client, { schema }) as unknown as Db;
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    return {
      db,
      driver: "pglite",
      location: inMemory ? "PGlite (in memory)" : `PGlite at ${dir}`,
      async close() {
        await client.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * PGlite has no lock of its own: two processes on one data directory corrupt it. A lock file
 * beside the directory, created atomically, records the owner's pid; a lock whose owner is gone
 * is taken over. Returns the release function.
 */
export function acquireDirLock(dir: string): () => void {
  const lockPath = `${dir}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        if (existsSync(lockPath) && readFileSync(lockPath, "utf8") === String(process.pid)) {
          rmSync(lockPath, { force: true });
        }
      };
      process.on("exit", release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number(readFileSync(lockPath, "utf8"));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `the embedded database at ${dir} is in use by process ${owner}; stop that process, ` +
            `or set PGLITE_DIR to another directory (PGlite cannot be shared between processes)`,
        );
      }
      if (owner === process.pid) {
        throw new Error(`the embedded database at ${dir} is already open in this process`);
      }
      rmSync(lockPath, { force: true }); // stale: its owner has exited
    }
  }
  throw new Error(`could not lock the embedded database at ${dir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
