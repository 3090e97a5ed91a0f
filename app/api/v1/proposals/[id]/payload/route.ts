import { getDb } from "@/db";
import { payloadOf, proposalById } from "@/db/queries/governance";
import { json, parseId, problem } from "@/lib/api/problem";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/proposals/{id}/payload → `{proposalId, updates: [{referenceId, market, updateType,
 * previousValue, newValue, timestamp, additionalData}], payloadHash}`: what reviewers sign.
 */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  const id = parseId((await ctx.params).id);
  if (id === null) return problem(404, "no such proposal", "id");
  const { db } = await getDb();
  const p = await proposalById(db, id);
  if (!p) return problem(404, `proposal ${id} does not exist`, "id");
  const { payload, payloadHash } = await payloadOf(db, p);
  // Fixed at creation: a payload never changes, so it may be cached for good.
  return json({ ...payload, payloadHash }, 200, {
    "cache-control": "public, max-age=3600, s-maxage=86400, immutable",
  });
}
