import { z } from "zod";
import { getDb } from "@/db";
import { finalizeRun, openRun, recordMarketFailure } from "@/db/queries/runs";
import { checkCronAuth } from "@/lib/auth/cronSecret";
import { configHash } from "@/lib/config";
import { loadConfig } from "@/lib/configFile";
import { sourceFromEnv } from "@/lib/market/sources";
import { recordMarket, runSettingsFromEnv, withLease } from "@/lib/pipeline/run";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";
export const maxDuration = 300;

const noStore = { "cache-control": "no-store" };
const Body = z.object({
  runId: z.number().int().positive().max(2_147_483_647),
  market: z.string(),
});

/**
 * Internal fan-out worker (POSTed by /api/cron/run with the cron secret): computes and records
 * one market of a claimed run, extending the run's lease while it works, then ends the run if
 * it was the last market.
 */
export async function POST(request: Request): Promise<Response> {
  const auth = checkCronAuth(request.headers.get("authorization"), process.env.CRON_SECRET);
  if (!auth.ok) return Response.json({ error: auth.error }, { status: 401 });
  const body = Body.safeParse(await request.json().catch(() => null));
  if (!body.success) {
    return Response.json(
      {
        error: `invalid body: ${body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      },
      { status: 400, headers: noStore },
    );
  }
  const { runId, market } = body.data;
  try {
    const { db } = await getDb();
    const run = await openRun(db, runId);
    if (!run)
      return Response.json(
        { error: `run ${runId} is not open` },
        { status: 409, headers: noStore },
      );
    const config = loadConfig();
    const marketConfig = config.markets.find((m) => m.id === market);
    if (!marketConfig || !run.markets.includes(market)) {
      return Response.json(
        { error: `run ${runId} has no market '${market}'` },
        { status: 400, headers: noStore },
      );
    }
    const settings = runSettingsFromEnv();
    await withLease(db, runId, settings.leaseMs, async () => {
      if (configHash(config) !== run.configHash) {
        await recordMarketFailure(
          db,
          runId,
          market,
          "internal: the configuration changed since the run began",
        );
      } else {
        await recordMarket(db, sourceFromEnv(), config, run, marketConfig, settings.deadlineMs);
      }
    });
    await finalizeRun(db, runId);
    return Response.json({ runId, market }, { status: 200, headers: noStore });
  } catch (err) {
    console.error(`vigil: cron market ${market} of run ${runId}:`, err);
    return Response.json(
      { error: "market failed (details in the server log)" },
      { status: 500, headers: noStore },
    );
  }
}
