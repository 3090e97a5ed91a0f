import { latestRunPayload } from "@/db/queries/views";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

/** GET /api/v1/runs/latest: the newest run and how fresh its data was. */
export const GET = publicGet({
  ...API_ROUTES.latestRun,
  handler: async ({ db }) => ({ body: await latestRunPayload(db), cache: "hourly" }),
});
export const OPTIONS = preflight;
