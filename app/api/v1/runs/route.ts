import { runPage } from "@/db/queries/api";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.runs,
  handler: async ({ db, query }) => ({ body: await runPage(db, query), cache: "hourly" }),
});
export const OPTIONS = preflight;
