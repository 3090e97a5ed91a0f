import { payloadOf, proposalById } from "@/db/queries/governance";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/proposals/{id}/payload → `{proposalId, updates: [{referenceId, market, updateType,
 * previousValue, newValue, timestamp, additionalData}], payloadHash}`: what reviewers sign.
 */
export const GET = publicGet({
  ...API_ROUTES.proposalPayload,
  handler: async ({ db, params }) => {
    const p = await proposalById(db, params.id);
    if (!p) return problem(404, `proposal ${params.id} does not exist`, "id");
    const { payload, payloadHash } = await payloadOf(db, p);
    // Fixed at creation: a payload never changes, so it may be cached for good.
    return { body: { ...payload, payloadHash }, cache: "immutable" };
  },
});
export const OPTIONS = preflight;
