import { backtestDetails, marketBacktests, marketExists } from "@/db/queries/api";
import { toCsv } from "@/lib/api/csv";
import { problem } from "@/lib/api/problem";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES, BACKTEST_CSV } from "@/lib/api/routes";

export const dynamic = "force-dynamic";

export const GET = publicGet({
  ...API_ROUTES.backtests,
  handler: async ({ db, params, query }) => {
    if (!(await marketExists(db, params.market))) return problem(404, "no such market", "market");
    const { runId, asOf, rows } = await marketBacktests(db, params.market, query);
    const tests = rows.map((b) => ({ row: b, details: backtestDetails(b.details) }));
    if (query.format === "csv")
      return {
        csv: toCsv(
          BACKTEST_CSV,
          tests.flatMap(({ row, details }) =>
            details.series.map((d) => ({ method: row.method, level: row.level, ...d })),
          ),
        ),
        filename: `${params.market.replace(":", "-")}-backtests.csv`,
        cache: "hourly",
      };
    return {
      body: {
        market: params.market,
        runId,
        asOf: asOf?.toISOString() ?? null,
        backtests: tests.map(({ row: b, details }) => ({
          method: b.method,
          level: b.level,
          estimationWindow: b.estimationWindow,
          days: b.days,
          testedFrom: b.testedFrom,
          testedTo: b.testedTo,
          exceptions: b.exceptions,
          expected: b.expected,
          kupiecPValue: b.kupiecPValue,
          christoffersenIndPValue: b.christoffersenIndPValue,
          christoffersenCcPValue: b.christoffersenCcPValue,
          zone: b.zone,
          plusFactor: b.plusFactor,
          z2: b.z2,
          z2PValue: b.z2PValue,
          side: details.side,
          exceptionDates: details.exceptionDates,
        })),
      },
      cache: "hourly",
    };
  },
});
export const OPTIONS = preflight;
