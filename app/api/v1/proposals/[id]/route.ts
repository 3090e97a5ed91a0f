import { proposalById } from "@/db/queries/api";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.proposal,
  handler: async ({ db, params }) => {
    const body = await proposalById(db, params.id);
    return body ? { body, cache: "live" } : problem(404, "no such proposal", "id");
  },
});
export const OPTIONS = preflight;
