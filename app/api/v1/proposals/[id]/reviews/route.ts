import { recordReview } from "@/db/queries/governance";
import { ReviewBody } from "@/lib/api/governance";
import { json } from "@/lib/api/problem";
import { authEnv } from "@/lib/auth/env";
import { committeeMutation } from "@/lib/auth/mutation";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/proposals/{id}/reviews `{decision, comment, issuedAt, signature}` with the session
 * cookie → 201 and the stored review. The signature must be the signed-in reviewer's, over the
 * typed data of `review-request` for the same values.
 */
export const POST = committeeMutation(
  { roles: ["reviewer"], body: ReviewBody },
  async ({ db, member, input, id }) => {
    const r = await recordReview(db, {
      proposalId: id,
      reviewer: member.address as `0x${string}`,
      decision: input.decision,
      comment: input.comment,
      issuedAt: input.issuedAt,
      signature: input.signature as `0x${string}`,
      chainId: authEnv().SIWE_CHAIN_ID,
    });
    return json(
      {
        id: r.review.id,
        proposalId: r.review.proposalId,
        reviewer: r.review.memberAddress,
        decision: r.review.decision,
        comment: r.review.comment,
        commentHash: r.review.commentHash,
        payloadHash: r.review.payloadHash,
        issuedAt: r.review.issuedAt.toISOString(),
        chainId: r.review.chainId,
        signature: r.review.signature,
        proposalStatus: r.status,
        approvals: r.approvals,
        rejections: r.rejections,
        quorum: r.quorum,
      },
      201,
    );
  },
);
