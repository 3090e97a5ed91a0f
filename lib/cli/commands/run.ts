import { dbConfigFromEnv, openDb } from "../../../db/client";
import { MarketIdSchema } from "../../config";
import { loadConfig } from "../../configFile";
import { sourceFromEnv } from "../../market/sources";
import { executeRun, runSettingsFromEnv } from "../../pipeline/run";
import type { RunSummary } from "../../pipeline/types";
import { parseArgs, UsageError } from "../args";

/**
 * `vigil run --once [--market deribit:BTC] [--at ISO-time] [--json]`: one pipeline run. With --at
 * the source answers as of that time and the run is keyed by the source's name and that time
 * (`replay:…`, `simulator:7:…`), so repeating the same command returns the stored run instead of
 * running twice, and another source at the same time is another run. Exit code 0 only when it
 * succeeded.
 */
export default async function run(args: string[]): Promise<number> {
  const { options, flags, positional } = parseArgs(args, {
    options: ["market", "at"],
    flags: ["once", "json"],
  });
  if (!flags.has("once"))
    throw new UsageError("vigil run needs --once (use `vigil scheduler` to run on a schedule)");
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const markets = options.market?.split(",").map((m) => {
    const parsed = MarketIdSchema.safeParse(m.trim());
    if (!parsed.success)
      throw new UsageError(`--market: '${m}' is not a market id like deribit:BTC`);
    return parsed.data;
  });
  const at = options.at === undefined ? new Date() : parseTime(options.at, "--at");
  const source = orUsageError(sourceFromEnv);
  const settings = orUsageError(runSettingsFromEnv);
  const config = loadConfig();
  const handle = await openDb(dbConfigFromEnv());
  try {
    const summary = await executeRun(
      handle.db,
      source,
      config,
      {
        job: options.at === undefined ? "manual" : source.name,
        slot: at,
        asOf: at,
        trigger: "cli",
        markets,
      },
      { settings },
    );
    printSummary(summary, flags.has("json"));
    return summary.status === "succeeded" ? 0 : 1;
  } finally {
    await handle.close();
  }
}

/** A setting read from the environment (MARKET_SOURCE, RUN_*); a bad one is a usage error. */
function orUsageError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function parseTime(value: string, flag: string): Date {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) {
    throw new UsageError(`${flag}: '${value}' is not an ISO date-time like 2026-03-04T10:00:00Z`);
  }
  return new Date(t);
}

export function printSummary(s: RunSummary, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(s) + "\n");
    return;
  }
  process.stdout.write(
    `run ${s.runId} (${s.runKey}) ${s.status}${s.reason ? `: ${s.reason}` : ""}${s.replayed ? " [already recorded]" : ""}\n`,
  );
  for (const m of s.markets) {
    process.stdout.write(
      `  ${m.market.padEnd(12)} ${m.status.padEnd(9)} quotes ${m.quotes.used} used / ${m.quotes.dropped} dropped` +
        `${m.proposals.length ? `, proposal ${m.proposals.join(", ")}` : ""}${m.reason ? ` — ${m.reason}` : ""}\n`,
    );
  }
}
