import { getDb } from "@/db";
import { checkCronAuth } from "@/lib/auth/cronSecret";
import { runHourlyJob } from "@/lib/pipeline/jobs";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";
export const maxDuration = 300;

/** Vercel Cron entry point (vercel.json schedules it hourly). */
export async function GET(request: Request): Promise<Response> {
  const auth = checkCronAuth(request.headers.get("authorization"), process.env.CRON_SECRET);
  if (!auth.ok) return Response.json({ error: auth.error }, { status: 401 });
  const { db } = await getDb();
  try {
    const summary = await runHourlyJob(db, new Date(), "cron");
    return Response.json(summary, { status: 200, headers: { "cache-control": "no-store" } });
  } catch (err) {
    return Response.json(
      { error: `run failed: ${err instanceof Error ? err.message : String(err)}` },
      { status: 500, headers: { "cache-control": "no-store" } },
    );
  }
}
