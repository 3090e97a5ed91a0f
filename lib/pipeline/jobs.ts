// The scheduled job, shared by the Vercel Cron route and `vigil scheduler`.
import type { Db } from "../../db/client";
import { markAbandoned } from "../../db/queries/runs";
import { loadConfig } from "../configFile";
import { sourceFromEnv } from "../market/sources";
import { executeRun, type RunOptions } from "./run";
import type { RunSummary } from "./types";

export const HOURLY_JOB = "hourly";
const HOUR_MS = 3_600_000;

/** The schedule slot an instant belongs to: the start of its UTC hour. */
export function hourlySlot(now: Date): Date {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
}

/**
 * Runs the hourly job for the slot of `now`; a slot delivered twice gives one run. Runs left
 * `running` by a dead invocation are first marked `abandoned` (a later delivery of their slot
 * completes them). `opts.dispatch` sends each market to its own invocation (Vercel).
 */
export async function runHourlyJob(
  db: Db,
  now: Date,
  trigger: "cron" | "scheduler",
  opts: RunOptions = {},
): Promise<RunSummary> {
  await markAbandoned(db);
  return executeRun(
    db,
    sourceFromEnv(),
    loadConfig(),
    { job: HOURLY_JOB, slot: hourlySlot(now), asOf: now, trigger },
    opts,
  );
}
