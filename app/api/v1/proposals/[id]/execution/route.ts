import { recordExecution } from "@/db/queries/governance";
import { ExecutionBody } from "@/lib/api/governance";
import { json } from "@/lib/api/problem";
import { committeeMutation } from "@/lib/auth/mutation";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/proposals/{id}/execution `{executedAt, txHash?, note?}` by an executor → 201: the
 * approved proposal's values take effect at `executedAt` (which starts their minimum delay).
 */
export const POST = committeeMutation(
  { roles: ["executor"], body: ExecutionBody },
  async ({ db, member, input, id }) => {
    const e = await recordExecution(db, {
      proposalId: id,
      executedBy: member.address,
      executedAt: input.executedAt,
      txHash: input.txHash ?? null,
      note: input.note ?? null,
    });
    return json(
      {
        id: e.id,
        proposalId: e.proposalId,
        executedBy: e.executedBy,
        executedAt: e.executedAt.toISOString(),
        txHash: e.txHash,
        note: e.note,
      },
      201,
    );
  },
);
