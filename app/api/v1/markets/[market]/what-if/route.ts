import { parameterStates } from "@/db/queries/parameters";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";
import { loadConfig } from "@/lib/configFile";
import { whatIf, WhatIfError } from "@/lib/pipeline/whatIf";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/markets/{market}/what-if?parameter=…&method=…&level=…&horizonDays=…&referencePositionUsd=…
 * → the policy's target with those knobs, the guardrail outcome against the value in force and
 * the policy backtest (lib/api/whatIf for the schemas, lib/pipeline/whatIf for the computation).
 */
export const GET = publicGet({
  ...API_ROUTES.whatIf,
  handler: async ({ db, params, query }) => {
    const market = loadConfig().markets.find((m) => m.id === params.market);
    if (!market) return problem(404, "no such market", "market");
    const now = Date.now();
    const state = (await parameterStates(db, market.id, new Date(now))).find(
      (s) => s.name === query.parameter,
    );
    try {
      return { body: await whatIf(market, query, state, now), cache: "none" };
    } catch (e) {
      if (e instanceof WhatIfError) return problem(400, `${e.field}: ${e.message}`, e.field);
      throw e;
    }
  },
});
export const OPTIONS = preflight;
