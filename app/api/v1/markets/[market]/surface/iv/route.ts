import { marketExists, publishedSurface } from "@/db/queries/api";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";
import { evaluateRepresentation } from "@/lib/quant/surface";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.surfaceIv,
  handler: async ({ db, params, query }) => {
    if (!(await marketExists(db, params.market))) return problem(404, "no such market", "market");
    const surface = await publishedSurface(db, params.market, query.run);
    if (!surface)
      return problem(
        404,
        "no published surface for this market and run",
        query.run ? "run" : "market",
      );
    const rep = surface.representation;
    const expiry = Date.parse(query.expiry);
    const i = rep.slices.findIndex((s) => s.expiry === expiry);
    if (i < 0) return problem(404, "expiry: not a fitted expiry of this surface", "expiry");
    const { forward } = rep.slices[i];
    const k = Math.log(query.strike / forward);
    const iv = evaluateRepresentation(rep, i, k);
    return {
      body: {
        market: params.market,
        runId: surface.runId,
        expiry: new Date(expiry).toISOString(),
        strike: query.strike,
        forward,
        logMoneyness: k,
        iv: Number.isFinite(iv) && iv > 0 ? iv : null,
      },
      cache: query.run ? "immutable" : "hourly",
    };
  },
});
export const OPTIONS = preflight;
