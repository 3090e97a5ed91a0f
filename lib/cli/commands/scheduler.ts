import { dbConfigFromEnv, openDb } from "../../../db/client";
import { loadConfig } from "../../configFile";
import { hourlySlot, runHourlyJob } from "../../pipeline/jobs";
import { runSettingsFromEnv } from "../../pipeline/run";
import { parseArgs, UsageError } from "../args";
import { printSummary } from "./run";

const HOUR_MS = 3_600_000;

/**
 * `vigil scheduler [--json]`: self-hosted replacement for Vercel Cron. Runs the hourly job for the
 * current slot at start-up (catching up a slot missed while it was down) and then at the start of
 * every UTC hour, until SIGINT/SIGTERM. Markets are processed in-process, RUN_CONCURRENCY at a
 * time, each within RUN_DEADLINE_MS, under the same lease as on Vercel.
 */
export default async function scheduler(args: string[]): Promise<number> {
  const { flags, positional } = parseArgs(args, { flags: ["json"] });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  // Bad settings stop the scheduler at start (exit 2), not at its first hour; the file is
  // re-read every hour, so an edit applies from the next slot.
  loadConfig();
  let settings: ReturnType<typeof runSettingsFromEnv>;
  try {
    settings = runSettingsFromEnv();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const handle = await openDb(dbConfigFromEnv());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(async () => {
      try {
        printSummary(
          await runHourlyJob(handle.db, new Date(), "scheduler", { settings }),
          flags.has("json"),
        );
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
