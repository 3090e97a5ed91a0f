import { dbConfigFromEnv, openDb } from "../../../db/client";
import { GovernanceError, recordExecution } from "../../../db/queries/governance";
import { parseArgs, UsageError } from "../args";
import { parseTime } from "./run";

const USAGE = "vigil proposals execute <id> [--tx 0x…] [--at ISO-time] [--note text]";

/**
 * `vigil proposals execute <id>`: records that an approved proposal took effect (by default now).
 * The command line holds the database, so the execution is recorded with executor `operator`;
 * the web route records the signed-in executor's address instead.
 */
export default async function proposals(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "execute") throw new UsageError(`vigil proposals needs execute\n${USAGE}`);
  const { options, positional } = parseArgs(rest, { options: ["tx", "at", "note"] });
  if (positional.length !== 1 || !/^\d{1,9}$/.test(positional[0]))
    throw new UsageError(`a proposal id is needed\n${USAGE}`);
  if (options.tx !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(options.tx))
    throw new UsageError("--tx must be a 32-byte transaction hash (0x + 64 hex digits)");
  const executedAt = options.at ? parseTime(options.at, "--at") : new Date();
  const handle = await openDb(dbConfigFromEnv());
  try {
    const e = await recordExecution(handle.db, {
      proposalId: Number(positional[0]),
      executedBy: "operator",
      executedAt,
      txHash: options.tx ?? null,
      note: options.note ?? null,
    });
    process.stdout.write(
      `proposal ${e.proposalId} executed at ${e.executedAt.toISOString()} (execution ${e.id})\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof GovernanceError) {
      process.stderr.write(`vigil proposals: ${err.message}\n`);
      return err.status === 400 ? 2 : 1;
    }
    throw err;
  } finally {
    await handle.close();
  }
}
