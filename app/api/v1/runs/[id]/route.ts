import { runById, runFinished } from "@/db/queries/api";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.run,
  handler: async ({ db, params }) => {
    const body = await runById(db, params.id);
    if (!body) return problem(404, "no such run", "id");
    return { body, cache: runFinished(body.run.status) ? "immutable" : "live" };
  },
});
export const OPTIONS = preflight;
