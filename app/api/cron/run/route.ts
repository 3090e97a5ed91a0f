import { getDb } from "@/db";
import { checkCronAuth } from "@/lib/auth/cronSecret";
import { fanoutMode, httpDispatch } from "@/lib/pipeline/fanout";
import { runHourlyJob } from "@/lib/pipeline/jobs";
import { CRON_MAX_DURATION_MS, runSettingsFromEnv } from "@/lib/pipeline/run";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";
// Next reads this as a literal; lib/pipeline/run.ts CRON_MAX_DURATION_MS must match it.
export const maxDuration = 300;

const noStore = { "cache-control": "no-store" };

/**
 * Vercel Cron entry point (vercel.json schedules it hourly): claims the slot's run and processes
 * its markets — on Vercel each in its own invocation of /api/cron/market.
 */
export async function GET(request: Request): Promise<Response> {
  const secret = process.env.CRON_SECRET;
  const auth = checkCronAuth(request.headers.get("authorization"), secret);
  if (!auth.ok) return Response.json({ error: auth.error }, { status: 401 });
  try {
    const settings = runSettingsFromEnv();
    const dispatch =
      fanoutMode() === "http"
        ? httpDispatch(new URL("/api/cron/market", request.url), secret!, CRON_MAX_DURATION_MS)
        : undefined;
    const { db } = await getDb();
    const summary = await runHourlyJob(db, new Date(), "cron", { settings, dispatch });
    return Response.json(summary, { status: 200, headers: noStore });
  } catch (err) {
    console.error("vigil: cron run:", err);
    return Response.json(
      { error: "run failed (details in the server log)" },
      { status: 500, headers: noStore },
    );
  }
}
