import { getDb } from "@/db";
import { parameterStates } from "@/db/queries/parameters";
import { invalid, json, parseMarketId, problem } from "@/lib/api/problem";
import { WhatIfQuerySchema } from "@/lib/api/whatIf";
import { DEFAULT_CONFIG } from "@/lib/config";
import { whatIf, WhatIfError } from "@/lib/pipeline/whatIf";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/markets/{market}/what-if?parameter=…&method=…&level=…&horizonDays=…&referencePositionUsd=…
 * → the policy's target with those knobs, the guardrail outcome against the value in force and
 * the policy backtest (lib/api/whatIf for the schemas, lib/pipeline/whatIf for the computation).
 */
export async function GET(req: Request, ctx: { params: Promise<{ market: string }> }) {
  const id = parseMarketId((await ctx.params).market);
  const market = id ? DEFAULT_CONFIG.markets.find((m) => m.id === id) : undefined;
  if (!market) return problem(404, "unknown market");
  const q = WhatIfQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!q.success) return invalid(q.error.issues);
  const now = Date.now();
  const { db } = await getDb();
  const state = (await parameterStates(db, market.id, new Date(now))).find(
    (s) => s.name === q.data.parameter,
  );
  try {
    return json(await whatIf(market, q.data, state, now), 200, { "cache-control": "no-store" });
  } catch (e) {
    if (e instanceof WhatIfError) return problem(400, `${e.field}: ${e.message}`, e.field);
    return problem(400, "the policy cannot be evaluated with these knobs on the recorded history");
  }
}
