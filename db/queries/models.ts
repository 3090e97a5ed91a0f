// Stored Heston/Bates fits of a market's earlier runs: warm starts and the Kalman filter's input
// (lib/pipeline/models, lib/risk/svRegime). Bounded: the newest `limit` runs before the as-of time.
import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { SvHistory } from "../../lib/pipeline/models";
import type { Matrix } from "../../lib/quant/kalman";
import type { Db } from "../client";
import { runs, surfaces } from "../schema";

export async function svHistory(
  db: Db,
  marketId: string,
  asOf: Date,
  limit = 200,
): Promise<SvHistory> {
  const out: SvHistory = { heston: [], bates: [] };
  for (const model of ["heston", "bates"] as const) {
    const rows = await db
      .select({
        runId: surfaces.runId,
        asOf: runs.asOf,
        params: sql<Record<string, number> | null>`${surfaces.diagnostics}->'params'`,
        covariance: sql<Matrix | null>`${surfaces.diagnostics}->'covariance'`,
        rmseVolPts: sql<number | null>`(${surfaces.diagnostics}->>'rmseVolPts')::float8`,
      })
      .from(surfaces)
      .innerJoin(runs, eq(runs.id, surfaces.runId))
      .where(and(eq(surfaces.marketId, marketId), eq(surfaces.model, model), lt(runs.asOf, asOf)))
      .orderBy(desc(runs.asOf), desc(runs.id))
      .limit(limit);
    out[model] = rows.reverse().map((r) => ({
      runId: r.runId,
      asOf: r.asOf.toISOString(),
      params: r.params ?? null,
      covariance: r.covariance ?? null,
      rmseVolPts: r.rmseVolPts === null ? null : Number(r.rmseVolPts),
    }));
  }
  return out;
}
