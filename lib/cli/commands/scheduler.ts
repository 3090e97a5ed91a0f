import { dbConfigFromEnv, openDb } from "../../../db/client";
import { hourlySlot, runHourlyJob } from "../../pipeline/jobs";
import { parseArgs, UsageError } from "../args";
import { printSummary } from "./run";

const HOUR_MS = 3_600_000;

/**
 * `vigil scheduler [--json]`: self-hosted replacement for Vercel Cron. Runs the hourly job for the
 * current slot at start-up (catching up a slot missed while it was down) and then at the start of
 * every UTC hour, until SIGINT/SIGTERM.
 */
export default async function scheduler(args: string[]): Promise<number> {
  const { flags, positional } = parseArgs(args, { flags: ["json"] });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const handle = await openDb(dbConfigFromEnv());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      try {
        printSummary(await runHourlyJob(handle.db, new Date(), "scheduler"), flags.has("json"));
      } catch (err) {
        process.stderr.write(
          `scheduler: run failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
      }
    });
    const next = hourlySlot(new Date()).getTime() + HOUR_MS;
    timer = setTimeout(tick, next - Date.now() + 1000);
  };
  process.stderr.write(`scheduler: hourly job on ${handle.location}; Ctrl-C to stop\n`);
  tick();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  clearTimeout(timer);
  await running;
  await handle.close();
  return 0;
}
