import { marketOverview } from "@/db/queries/api";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.market,
  handler: async ({ db, params }) => {
    const body = await marketOverview(db, params.market);
    return body ? { body, cache: "hourly" } : problem(404, "no such market", "market");
  },
});
export const OPTIONS = preflight;
