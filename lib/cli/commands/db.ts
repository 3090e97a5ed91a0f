import { dbConfigFromEnv, migrateDb, openDb } from "../../../db/client";
import { UsageError } from "../args";

/** `vigil db migrate`: applies the committed migrations to the configured database. */
export default async function db(args: string[]): Promise<number> {
  if (args[0] !== "migrate" || args.length > 1) {
    throw new UsageError("usage: vigil db migrate");
  }
  const handle = await openDb(dbConfigFromEnv());
  try {
    await migrateDb(handle);
    process.stdout.write(`migrated ${handle.location}\n`);
    return 0;
  } finally {
    await handle.close();
  }
}
