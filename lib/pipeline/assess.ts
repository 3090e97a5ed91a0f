import { isEsPolicy, type EsPolicy, type MarketConfig } from "../config";
import type { DailyPrice } from "../market/types";
import { dailyLogReturns } from "../quant/returns";
import { fitGarchT } from "../quant/garch";
import {
  RISK_METHODS,
  RiskMethodError,
  riskForecast,
  sideLoss,
  type RiskMethod,
} from "../quant/riskMethods";
import { StageError } from "./ingest";
import { rollingBacktests, trafficLight, type BacktestResult } from "../quant/backtests";
import {
  shockGrid,
  spotShockLadder,
  worstMoves,
  type DroppedCell,
  type ShockCell,
  type WorstMove,
} from "../quant/stress";
import type { SurfaceFit } from "../quant/surface";
import { qualify, type Qualification } from "../risk/qualification";
import type { RiskMetric } from "./types";

export const ASSESS_LEVELS = [0.99, 0.975] as const;
/** The policies whose targets read the risk report's ES, with their parameter names. */
const esPolicies = (market: MarketConfig): (EsPolicy & { parameter: string })[] =>
  market.parameters.flatMap((p) =>
    isEsPolicy(p.policy) ? [{ ...p.policy, parameter: p.name }] : [],
  );
/**
 * (level, horizon) pairs estimated by every method: the standard levels over one day and a 10-day
 * (portfolio-margin style) horizon, and each ES policy's own level over its own horizon (e.g.
 * 99.5 % over 3 days for the initial margin); beyond one day by simulation, so the grid is kept to
 * what is read.
 */
const assessPairs = (market: MarketConfig): { level: number; horizon: number }[] => {
  const pairs = [
    ...[1, 10].flatMap((horizon) => ASSESS_LEVELS.map((level) => ({ level, horizon }))),
    ...esPolicies(market).map((p) => ({ level: p.level, horizon: p.liquidationHorizonDays })),
  ];
  return pairs.filter(
    (p, i) => pairs.findIndex((q) => q.level === p.level && q.horizon === p.horizon) === i,
  );
};
/** Simulated paths per multi-day estimate, and the seed that makes them reproducible. */
const PATHS = 20_000;
const SEED = 1;
/** Days tested by the rolling backtest stored with every run. */
export const BACKTEST_DAYS = 250;

/** Horizons of the worst historical moves reported by the stress test. */
export const STRESS_HORIZONS = [1, 3, 7, 10] as const;

export interface StressReport {
  worstMoves: WorstMove[];
  /**
   * Short one-coin ATM straddle per expiry, revalued on the published surface; cells the surface
   * cannot price are dropped with the reason (worst is null when none could be revalued).
   */
  straddles: {
    expiry: number;
    t: number;
    worst: ShockCell | null;
    worstFractionOfForward: number | null;
    dropped: DroppedCell[];
  }[];
}

export interface RiskReport {
  metrics: RiskMetric[];
  /** Estimates a method could not produce (not finite, too few exceedances…), with the reason. */
  methodErrors: { method: RiskMethod; level: number; horizonDays: number; message: string }[];
  backtests: BacktestResult[];
  stress: StressReport;
  /** Per ES-based parameter: which method drives it, why, and the model-risk spread. */
  qualification: (Qualification & { parameter: string })[];
}

/**
 * VaR and ES of both sides by every method (historical simulation, EWMA, GARCH(1,1)-t, filtered
 * HS, EVT) at 99 % and 97.5 % over each horizon, from the last `historyWindowDays` daily log
 * returns; losses are simple returns (long −(eʳ − 1), short eʳ − 1) and each metric's var/es are
 * the worse side's. Returns are only taken between consecutive calendar days; gaps are reported.
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
  const windowReturns = returns.subarray(from);
  const windowDates = dates.slice(from);
  // The worst daily loss of either side in the window.
  let worst = { loss: -Infinity, day: "", side: "long" as "long" | "short" };
  for (let i = 0; i < n; i++) {
    for (const side of ["long", "short"] as const) {
      const l = sideLoss(side, windowReturns[i]);
      if (l > worst.loss) worst = { loss: l, day: windowDates[i], side };
    }
  }
  const windowFrom = windowDates[0];
  const windowTo = windowDates[n - 1];
  const sources = [...new Set(history.filter((h) => h.day >= windowFrom).map((h) => h.source))];
  // One GARCH(1,1)-t fit serves the garch-t, fhs and evt estimates of this window.
  const garch = fitGarchT(windowReturns);
  const methodErrors: RiskReport["methodErrors"] = [];
  const metrics: RiskMetric[] = [];
  for (const method of RISK_METHODS) {
    for (const { level, horizon } of assessPairs(market)) {
      let r;
      try {
        r = riskForecast(windowReturns, {
          method,
          level,
          horizon,
          garch,
          paths: PATHS,
          seed: SEED,
        }).estimate;
      } catch (e) {
        // A method that cannot estimate (RiskMethodError, an EVT tail too thin) is reported.
        if (!(e instanceof RiskMethodError) && !(e instanceof Error)) throw e;
        methodErrors.push({ method, level, horizonDays: horizon, message: e.message });
        continue;
      }
      metrics.push({
        method,
        level,
        horizonDays: horizon,
        var: r.var,
        es: r.es,
        sampleSize: n,
        windowFrom,
        windowTo,
        details: {
          worseSide: r.worseSide,
          sides: r.sides,
          worstLoss: worst.loss,
          worstLossDay: worst.day,
          worstLossSide: worst.side,
          gaps: gaps.filter((g) => g.to >= windowFrom),
          historySources: sources,
          params: r.params,
        },
      });
    }
  }
  // Backtest at each policy's level: the last BACKTEST_DAYS days, each forecast from the window of
  // returns before it.
  const testFrom = dates[Math.max(n, returns.length - BACKTEST_DAYS)];
  // Only at levels the Basel traffic light covers (99 %): qualification needs a green zone, so at
  // any other level (the initial margin's 99.5 %) no method can qualify and the backtest would be
  // computed for nothing; the rationale then says "no backtest" and the most conservative drives.
  const levels = [...new Set(esPolicies(market).map((p) => p.level))].filter(
    (level) => trafficLight(0, BACKTEST_DAYS, 1 - level) !== null,
  );
  const backtests =
    returns.length > n
      ? levels.flatMap((level) =>
          rollingBacktests(dates, returns, {
            methods: RISK_METHODS,
            level,
            window: n,
            from: testFrom,
            simulations: 1000,
          }),
        )
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
    const { worst, dropped } = shockGrid(
      legs,
      surface!.impliedVol,
      spotShocks,
      market.stress.volShocks,
    );
    return {
      expiry: sl.expiry ?? NaN,
      t: sl.t,
      worst,
      worstFractionOfForward: worst ? worst.loss / sl.forward : null,
      dropped,
    };
  });
  const qualification = esPolicies(market).map((policy) => ({
    parameter: policy.parameter,
    ...qualify({ backtests, metrics, policy, methods: RISK_METHODS }),
  }));
  return {
    metrics,
    methodErrors,
    backtests,
    stress: { worstMoves: worstMoves(dates, returns, STRESS_HORIZONS), straddles },
    qualification,
  };
}
