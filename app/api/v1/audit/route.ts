import { z } from "zod";
import { getDb } from "@/db";
import { auditPage } from "@/db/queries/audit";
import { invalid, json } from "@/lib/api/problem";

export const dynamic = "force-dynamic";

const Query = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * GET /api/v1/audit?after=<seq>&limit=<1..1000> → `{events, next}`: the hash-chained audit events
 * after a sequence number, oldest first; `next` is the `after` of the following page (null at
 * the end). Recompute the chain as docs/governance.md says.
 */
export async function GET(req: Request) {
  const q = Query.safeParse(Object.fromEntries(new URL(req.url).searchParams.entries()));
  if (!q.success) return invalid(q.error.issues);
  const { db } = await getDb();
  const events = await auditPage(db, q.data.after, q.data.limit + 1);
  const page = events.slice(0, q.data.limit);
  return json({ events: page, next: events.length > q.data.limit ? page.at(-1)!.seq : null }, 200, {
    "cache-control": "public, max-age=10, s-maxage=30, stale-while-revalidate=300",
  });
}
