import { getDb } from "@/db";
import { latestRunPayload } from "@/db/queries/views";

export const dynamic = "force-dynamic";

/** GET /api/v1/runs/latest: the newest run and how fresh its data was (public, read-only). */
export async function GET(): Promise<Response> {
  const { db } = await getDb();
  return Response.json(await latestRunPayload(db), {
    headers: { "cache-control": "public, max-age=30, stale-while-revalidate=300" },
  });
}
