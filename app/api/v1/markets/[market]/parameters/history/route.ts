import { marketExists, parameterHistory } from "@/db/queries/api";
import { toCsv } from "@/lib/api/csv";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES, PARAMETER_HISTORY_CSV } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.parameterHistory,
  handler: async ({ db, params, query }) => {
    if (!(await marketExists(db, params.market))) return problem(404, "no such market", "market");
    const body = await parameterHistory(db, params.market);
    if (query.format === "json") return { body, cache: "live" };
    const rows = body.parameters.flatMap((p) =>
      p.values.map((v) => ({
        name: p.name,
        unit: p.unit,
        value: v.value,
        effectiveAt: v.effectiveAt,
        source: v.source,
        proposalId: v.proposalId,
        executionId: v.execution?.id,
        executedAt: v.execution?.executedAt,
        executor: v.execution?.executor,
        txHash: v.execution?.txHash,
      })),
    );
    return {
      csv: toCsv(PARAMETER_HISTORY_CSV, rows),
      filename: `${params.market.replace(":", "-")}-parameters.csv`,
      cache: "live",
    };
  },
});
export const OPTIONS = preflight;
