import { dbConfigFromEnv, migrateDb, openDb } from "../../../db/client";
import { pruneQuotes } from "../../../db/queries/runs";
import { parseArgs, UsageError } from "../args";

const USAGE = "usage: vigil db migrate | vigil db prune --keep-quotes-days N";

/**
 * `vigil db migrate`: applies the committed migrations to the configured database.
 * `vigil db prune --keep-quotes-days N`: drops the per-quote rows of snapshots older than N days,
 * keeping every snapshot, summary, fit, risk metric and proposal (the pages read only those).
 */
export default async function db(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "migrate" && rest.length === 0) {
    const handle = await openDb(dbConfigFromEnv());
    try {
      await migrateDb(handle);
      process.stdout.write(`migrated ${handle.location}\n`);
      return 0;
    } finally {
      await handle.close();
    }
  }
  if (sub !== "prune") throw new UsageError(USAGE);
  const { options, positional } = parseArgs(rest, { options: ["keep-quotes-days"] });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const raw = options["keep-quotes-days"];
  if (raw === undefined) throw new UsageError(`--keep-quotes-days is required (${USAGE})`);
  if (!/^\d{1,6}$/.test(raw)) {
    throw new UsageError(`--keep-quotes-days: '${raw}' is not a whole number of days`);
  }
  const handle = await openDb(dbConfigFromEnv());
  try {
    const n = await pruneQuotes(handle.db, Number(raw));
    process.stdout.write(
      `pruned ${n} option quotes of snapshots older than ${raw} days on ${handle.location}\n`,
    );
    return 0;
  } finally {
    await handle.close();
  }
}
