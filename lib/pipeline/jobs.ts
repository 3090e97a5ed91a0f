// The scheduled job, shared by the Vercel Cron route and `vigil scheduler`.
import type { Db } from "../../db/client";
import { DEFAULT_CONFIG } from "../config";
import { sourceFromEnv } from "../market/sources";
import { executeRun } from "./run";
import type { RunSummary } from "./types";

export const HOURLY_JOB = "hourly";
const HOUR_MS = 3_600_000;

/** The schedule slot an instant belongs to: the start of its UTC hour. */
export function hourlySlot(now: Date): Date {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
}

/** Runs the hourly job for the slot of `now`; a slot delivered twice gives one run. */
export function runHourlyJob(
  db: Db,
  now: Date,
  trigger: "cron" | "scheduler",
): Promise<RunSummary> {
  return executeRun(db, sourceFromEnv(), DEFAULT_CONFIG, {
    job: HOURLY_JOB,
    slot: hourlySlot(now),
    asOf: now,
    trigger,
  });
}
