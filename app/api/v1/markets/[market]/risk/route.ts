import { marketExists, riskSeries } from "@/db/queries/api";
import { toCsv } from "@/lib/api/csv";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES, RISK_CSV } from "@/lib/api/routes";
import { RISK_LIMIT_MAX } from "@/lib/api/schemas";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.risk,
  handler: async ({ db, params, query }) => {
    if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to))
      return problem(400, "from: must not be after to", "from");
    if (!(await marketExists(db, params.market))) return problem(404, "no such market", "market");
    const { resolution, truncated, series } = await riskSeries(
      db,
      params.market,
      query,
      RISK_LIMIT_MAX,
    );
    if (query.format === "json")
      return { body: { market: params.market, resolution, truncated, series }, cache: "hourly" };
    return {
      csv: toCsv(RISK_CSV, series),
      filename: `${params.market.replace(":", "-")}-risk.csv`,
      cache: "hourly",
    };
  },
});
export const OPTIONS = preflight;
