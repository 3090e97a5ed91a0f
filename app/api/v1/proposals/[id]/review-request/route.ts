import { getDb } from "@/db";
import { payloadOf, proposalById } from "@/db/queries/governance";
import { ReviewRequestQuery } from "@/lib/api/governance";
import { invalid, json, parseId, problem } from "@/lib/api/problem";
import { authEnv } from "@/lib/auth/env";
import { reviewTypedData } from "@/lib/governance/review";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/proposals/{id}/review-request?decision=approve|reject&comment=…&issuedAt=… →
 * the EIP-712 typed data a reviewer signs (`domain`, `types`, `primaryType`, `message`).
 */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const id = parseId((await ctx.params).id);
  if (id === null) return problem(404, "no such proposal", "id");
  const q = ReviewRequestQuery.safeParse(
    Object.fromEntries(new URL(req.url).searchParams.entries()),
  );
  if (!q.success) return invalid(q.error.issues);
  const { db } = await getDb();
  const p = await proposalById(db, id);
  if (!p) return problem(404, `proposal ${id} does not exist`, "id");
  const { payloadHash } = await payloadOf(db, p);
  const typed = reviewTypedData({
    chainId: authEnv().SIWE_CHAIN_ID,
    proposalId: id,
    payloadHash,
    decision: q.data.decision,
    comment: q.data.comment,
    issuedAt: q.data.issuedAt ?? Math.floor(Date.now() / 1000),
  });
  return json(typed, 200, { "cache-control": "no-store" });
}
