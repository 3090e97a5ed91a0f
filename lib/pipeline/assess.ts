import type { MarketConfig } from "../config";
import type { DailyPrice } from "../market/types";
import { dailyLogReturns } from "../quant/returns";
import { fitGarchT } from "../quant/garch";
import { RISK_METHODS, varEs } from "../quant/riskMethods";
import { StageError } from "./ingest";
import { rollingBacktests, type BacktestResult } from "../quant/backtests";
import {
  shockGrid,
  spotShockLadder,
  worstMoves,
  type ShockCell,
  type WorstMove,
} from "../quant/stress";
import type { SurfaceFit } from "../quant/surface";
import { parameterTargets, type ParameterTarget } from "../risk/targets";
import type { RiskMetric } from "./types";

export const ASSESS_LEVELS = [0.99, 0.975] as const;
/**
 * Horizons in days: one day, the policy's liquidation horizon and a 10-day (portfolio-margin
 * style) horizon; beyond one day by simulation.
 */
const assessHorizons = (market: MarketConfig) => [
  ...new Set([1, ...market.parameters.map((p) => p.policy.liquidationHorizonDays), 10]),
];
/** Simulated paths per multi-day estimate, and the seed that makes them reproducible. */
const PATHS = 20_000;
const SEED = 1;
/** Days tested by the rolling backtest stored with every run. */
export const BACKTEST_DAYS = 250;

/** Horizons of the worst historical moves reported by the stress test. */
export const STRESS_HORIZONS = [1, 3, 7, 10] as const;

export interface StressReport {
  worstMoves: WorstMove[];
  /** Short one-coin ATM straddle per expiry, revalued on the published surface. */
  straddles: { expiry: number; t: number; worst: ShockCell; worstFractionOfForward: number }[];
}

export interface RiskReport {
  metrics: RiskMetric[];
  backtests: BacktestResult[];
  stress: StressReport;
  targets: ParameterTarget[];
}

/**
 * One-day VaR and ES by every method (historical simulation, EWMA, GARCH(1,1)-t, filtered HS,
 * EVT) at 99 % and 97.5 % from the last `historyWindowDays` daily log returns (loss = −return).
 * Returns are only taken between consecutive calendar days; gaps are reported.
 */
export function assess(
  market: MarketConfig,
  history: DailyPrice[],
  surface?: SurfaceFit,
): RiskReport {
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
    assessHorizons(market).flatMap((horizon) =>
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
  const spotShocks = spotShockLadder(market.stress.spotStep, market.stress.spotMax);
  const straddles = (surface?.slices ?? []).map((sl) => {
    const legs = (["call", "put"] as const).map((type) => ({
      quantity: -1,
      strike: sl.forward,
      t: sl.t,
      forward: sl.forward,
      type,
    }));
    const { worst } = shockGrid(legs, surface!.impliedVol, spotShocks, market.stress.volShocks);
    return {
      expiry: sl.expiry ?? NaN,
      t: sl.t,
      worst,
      worstFractionOfForward: worst.loss / sl.forward,
    };
  });
  const policy = market.parameters[0].policy;
  const targets = parameterTargets(metrics, {
    method: policy.method,
    liquidationHorizonDays: policy.liquidationHorizonDays,
    liquidityAddOn: policy.liquidityAddOn,
  });
  return {
    metrics,
    backtests,
    stress: { worstMoves: worstMoves(dates, returns, STRESS_HORIZONS), straddles },
    targets,
  };
}
