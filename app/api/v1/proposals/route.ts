import { proposalPage } from "@/db/queries/api";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.proposals,
  handler: async ({ db, query }) => ({ body: await proposalPage(db, query), cache: "live" }),
});
export const OPTIONS = preflight;
