import { marketExists, publishedSurface } from "@/db/queries/api";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.surface,
  handler: async ({ db, params, query }) => {
    if (!(await marketExists(db, params.market))) return problem(404, "no such market", "market");
    const body = await publishedSurface(db, params.market, query.run);
    if (!body)
      return problem(
        404,
        "no published surface for this market and run",
        query.run ? "run" : "market",
      );
    // A named run's surface never changes; "the latest" does when the next run lands.
    return { body, cache: query.run ? "immutable" : "hourly" };
  },
});
export const OPTIONS = preflight;
