import { marketList } from "@/db/queries/api";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.markets,
  handler: async ({ db }) => ({ body: { markets: await marketList(db) }, cache: "hourly" }),
});
export const OPTIONS = preflight;
