import { payloadOf, proposalById } from "@/db/queries/governance";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";
import { authEnv } from "@/lib/auth/env";
import { reviewTypedData } from "@/lib/governance/review";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/proposals/{id}/review-request?decision=approve|reject&comment=…&issuedAt=… →
 * the EIP-712 typed data a reviewer signs (`domain`, `types`, `primaryType`, `message`).
 */
export const GET = publicGet({
  ...API_ROUTES.reviewRequest,
  handler: async ({ db, params, query }) => {
    const p = await proposalById(db, params.id);
    if (!p) return problem(404, `proposal ${params.id} does not exist`, "id");
    const { payloadHash } = await payloadOf(db, p);
    const typed = reviewTypedData({
      chainId: authEnv().SIWE_CHAIN_ID,
      proposalId: params.id,
      payloadHash,
      decision: query.decision,
      comment: query.comment,
      issuedAt: query.issuedAt ?? Math.floor(Date.now() / 1000),
    });
    return { body: typed, cache: "none" };
  },
});
export const OPTIONS = preflight;
