import type { MarketConfig } from "../config";
import type { DailyPrice } from "../market/types";
import { dailyLogReturns } from "../quant/returns";
import { fitGarchT } from "../quant/garch";
import { RISK_METHODS, varEs } from "../quant/riskMethods";
import { StageError } from "./ingest";
import type { RiskMetric } from "./types";

export const ASSESS_LEVELS = [0.99, 0.975] as const;

/**
 * One-day VaR and ES by every method (historical simulation, EWMA, GARCH(1,1)-t, filtered HS,
 * EVT) at 99 % and 97.5 % from the last `historyWindowDays` daily log returns (loss = −return).
 * Returns are only taken between consecutive calendar days; gaps are reported.
 */
export function assess(market: MarketConfig, history: DailyPrice[]): RiskMetric[] {
  const { dates, returns, gaps } = dailyLogReturns(
    history.map((h) => h.day),
    history.map((h) => h.price),
  );
  const n = Math.min(market.historyWindowDays, returns.length);
  if (n < 100) {
    throw new StageError(
      `only ${returns.length} daily returns available (need at least 100)`,
      "failed",
    );
  }
  const from = returns.length - n;
  const losses = Array.from(returns.subarray(from), (r) => -r);
  const windowDates = dates.slice(from);
  let worst = 0;
  for (let i = 1; i < n; i++) if (losses[i] > losses[worst]) worst = i;
  const windowFrom = windowDates[0];
  const windowTo = windowDates[n - 1];
  const sources = [...new Set(history.filter((h) => h.day >= windowFrom).map((h) => h.source))];
  // One GARCH(1,1)-t fit serves the garch-t, fhs and evt estimates of this window.
  const garch = fitGarchT(returns.subarray(from));
  return RISK_METHODS.flatMap((method) =>
    ASSESS_LEVELS.map((level) => {
      const r = varEs(returns.subarray(from), { method, level, garch });
      return {
        method,
        level,
        horizonDays: 1,
        var: r.var,
        es: r.es,
        sampleSize: n,
        windowFrom,
        windowTo,
        details: {
          worstLoss: losses[worst],
          worstLossDay: windowDates[worst],
          gaps: gaps.filter((g) => g.to >= windowFrom),
          historySources: sources,
          params: r.params,
        },
      };
    }),
  );
}
