import type { MarketConfig } from "../config";
import type { DailyPrice } from "../market/types";
import { dailyLogReturns } from "../quant/returns";
import { fitGarchT } from "../quant/garch";
import { RISK_METHODS, varEs } from "../quant/riskMethods";
import { StageError } from "./ingest";
import { rollingBacktests, type BacktestResult } from "../quant/backtests";
import type { RiskMetric } from "./types";

export const ASSESS_LEVELS = [0.99, 0.975] as const;
/** Horizons in days: one day and a 10-day (portfolio-margin style) horizon by simulation. */
export const ASSESS_HORIZONS = [1, 10] as const;
/** Simulated paths per multi-day estimate, and the seed that makes them reproducible. */
const PATHS = 20_000;
const SEED = 1;
/** Days tested by the rolling backtest stored with every run. */
export const BACKTEST_DAYS = 250;

export interface RiskReport {
  metrics: RiskMetric[];
  backtests: BacktestResult[];
}

/**
 * One-day VaR and ES by every method (historical simulation, EWMA, GARCH(1,1)-t, filtered HS,
 * EVT) at 99 % and 97.5 % from the last `historyWindowDays` daily log returns (loss = −return).
 * Returns are only taken between consecutive calendar days; gaps are reported.
 */
export function assess(market: MarketConfig, history: DailyPrice[]): RiskReport {
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
  const metrics = RISK_METHODS.flatMap((method) =>
    ASSESS_HORIZONS.flatMap((horizon) =>
      ASSESS_LEVELS.map((level) => {
        const r = varEs(returns.subarray(from), {
          method,
          level,
          horizon,
          garch,
          paths: PATHS,
          seed: SEED,
        });
        return {
          method,
          level,
          horizonDays: horizon,
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
    ),
  );
  // Backtest: the last BACKTEST_DAYS days, each forecast from the window of returns before it.
  const testFrom = dates[Math.max(n, returns.length - BACKTEST_DAYS)];
  const backtests =
    returns.length > n
      ? rollingBacktests(dates, returns, {
          methods: RISK_METHODS,
          level: 0.99,
          window: n,
          from: testFrom,
          simulations: 1000,
        })
      : [];
  return { metrics, backtests };
}
