import { dbConfigFromEnv, openDb } from "../../../db/client";
import { loadConfig } from "../../configFile";
import { replaySource } from "../../market/sources";
import { executeRun } from "../../pipeline/run";
import type { RunSummary } from "../../pipeline/types";
import { parseArgs, UsageError } from "../args";
import { replayDemoDecisions, seedDemoCommittee } from "../demoCommittee";
import { parseTime } from "./run";

/**
 * `vigil backfill [--from ISO] [--to ISO] [--json] [--demo-committee]`: one run per bundled
 * snapshot in time order (each as of its capture time), with a progress bar on stderr and a
 * summary. Idempotent: already recorded snapshots are skipped by their run key. A plain backfill
 * stays neutral (no committee, nothing approved); `--demo-committee` (the demo's, refused in
 * production) seeds test-key members whose signed approvals and executions follow each run.
 */
export default async function backfill(args: string[]): Promise<number> {
  const { options, flags, positional } = parseArgs(args, {
    options: ["from", "to"],
    flags: ["json", "demo-committee"],
  });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const from = options.from ? parseTime(options.from, "--from").getTime() : -Infinity;
  const to = options.to ? parseTime(options.to, "--to").getTime() : Infinity;
  if (from > to) throw new UsageError("--from is after --to");
  const source = replaySource();
  const config = loadConfig();
  const times = [...new Set(config.markets.flatMap((m) => source.snapshotTimes(m.id)))]
    .filter((t) => t >= from && t <= to)
    .sort((a, b) => a - b);
  const handle = await openDb(dbConfigFromEnv());
  const results: RunSummary[] = [];
  const started = Date.now();
  let executed = 0;
  try {
    const committee = flags.has("demo-committee") ? await seedDemoCommittee(handle.db) : null;
    for (const [i, t] of times.entries()) {
      const at = new Date(t);
      const summary = await executeRun(handle.db, source, config, {
        job: "backfill",
        slot: at,
        asOf: at,
        trigger: "backfill",
      });
      results.push(summary);
      if (committee && !summary.replayed)
        executed += await replayDemoDecisions(handle.db, committee, summary);
      progress(i + 1, times.length, at);
    }
  } finally {
    await handle.close();
  }
  const count = (s: string) => results.filter((r) => r.status === s).length;
  const summary = {
    runs: results.length,
    newlyRecorded: results.filter((r) => !r.replayed).length,
    succeeded: count("succeeded"),
    degraded: count("degraded"),
    failed: count("failed"),
    proposals: results.reduce(
      (n, r) => n + r.markets.reduce((k, m) => k + m.proposals.length, 0),
      0,
    ),
    executed,
    from: times.length ? new Date(times[0]).toISOString() : null,
    to: times.length ? new Date(times.at(-1)!).toISOString() : null,
    seconds: (Date.now() - started) / 1000,
  };
  if (flags.has("json"))
    process.stdout.write(
      JSON.stringify({ ...summary, runIds: results.map((r) => r.runId) }) + "\n",
    );
  else
    process.stdout.write(
      `backfill: ${summary.runs} runs (${summary.newlyRecorded} new) from ${summary.from} to ${summary.to}: ` +
        `${summary.succeeded} succeeded, ${summary.degraded} degraded, ${summary.failed} failed; ` +
        `${summary.proposals} proposals` +
        (flags.has("demo-committee")
          ? `, ${executed} approved and executed by the demo committee`
          : "") +
        `; ${summary.seconds.toFixed(1)} s\n`,
    );
  return summary.failed === 0 ? 0 : 1;
}

function progress(done: number, total: number, at: Date): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const end = done === total ? "\n" : "";
  if (process.stderr.isTTY)
    process.stderr.write(`\r${bar} ${done}/${total} ${at.toISOString()}${end}`);
  else if (done === total || done % 10 === 0)
    process.stderr.write(`${bar} ${done}/${total} ${at.toISOString()}\n`);
}
