import { dbConfigFromEnv, openDb } from "../../../db/client";
import { auditTrail } from "../../../db/queries/audit";
import { verifyAuditTrail } from "../../governance/audit";
import { parseArgs, UsageError } from "../args";

/**
 * `vigil audit verify [--json]`: recomputes the audit hash chain from the stored events and checks
 * every review signature. Exit 0 with `{ok: true, events, head}`, or 1 with
 * `{ok: false, firstBadEvent, reason}`.
 */
export default async function audit(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "verify") throw new UsageError("usage: vigil audit verify [--json]");
  const { flags, positional } = parseArgs(rest, { flags: ["json"] });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const handle = await openDb(dbConfigFromEnv());
  try {
    const verdict = await verifyAuditTrail(await auditTrail(handle.db));
    const out = verdict.ok
      ? { ok: true, events: verdict.events, head: verdict.head }
      : { ok: false, firstBadEvent: verdict.firstBadEvent, reason: verdict.reason };
    if (flags.has("json")) process.stdout.write(JSON.stringify(out) + "\n");
    else if (verdict.ok)
      process.stdout.write(`audit chain intact: ${verdict.events} events, head ${verdict.head}\n`);
    else
      process.stdout.write(
        `audit chain broken at event ${verdict.firstBadEvent}: ${verdict.reason}\n`,
      );
    return verdict.ok ? 0 : 1;
  } finally {
    await handle.close();
  }
}
