import type { MarketConfig } from "../config";
import type { DailyPrice } from "../market/types";
import { dailyLogReturns } from "../quant/returns";
import { historicalVarEs } from "../quant/var";
import { StageError } from "./ingest";
import type { RiskMetric } from "./types";

export const ASSESS_LEVELS = [0.99, 0.975] as const;

/**
 * Historical-simulation VaR and ES at 1 day from the last `historyWindowDays` daily log returns
 * (loss = −return). Returns are only taken between consecutive calendar days; gaps are reported.
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
  return ASSESS_LEVELS.map((level) => {
    const { var: v, es } = historicalVarEs(losses, level);
    return {
      method: "hs" as const,
      level,
      horizonDays: 1,
      var: v,
      es,
      sampleSize: n,
      windowFrom,
      windowTo,
      details: {
        worstLoss: losses[worst],
        worstLossDay: windowDates[worst],
        gaps: gaps.filter((g) => g.to >= windowFrom),
        historySources: sources,
      },
    };
  });
}
