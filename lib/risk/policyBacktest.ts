// Policy backtest (pre-execution simulation): replays a parameter's policy day by day over a
// recorded history as if every proposal the guardrails allowed had been executed at once, and
// counts the days the value in force fell short (docs/methodology.md §4c). Pure: the caller
// passes the history (lib/pipeline/policyBacktest loads it).
import type { ParameterConfig } from "../config";
import { applyGuardrails } from "../governance/policy";
import { riskForecast } from "../quant/riskMethods";
import { ewmaSigmaPath } from "../quant/ewma";
import { parameterTarget, type LiquidityAddOn, type TargetDerivation } from "./policies";

export interface BacktestPoint {
  date: string;
  /** The policy's target from the evidence up to the end of the previous day. */
  target: number;
  /** The parameter in force during `date` (after that morning's allowed change, if any). */
  value: number;
}

export interface PolicyBacktest {
  market: string;
  parameter: string;
  days: number;
  series: BacktestPoint[];
  /** Days on which the guardrails kept the value from the (out-of-dead-band) target. */
  guardrailBindings: number;
  shortfalls: string[];
  shortfallRate: number;
}

export interface BacktestHistory {
  /** Consecutive calendar days and the daily log return ending on each, oldest first. */
  dates: readonly string[];
  returns: Float64Array;
  /** Funding per 8-hour period by UTC day, oldest first (funding-cap only). */
  funding?: { date: string; rates: number[] }[];
}

export interface BacktestOptions {
  market: string;
  parameter: ParameterConfig;
  /** The maintenance margin's parameter: the initial margin's floor reads its target. */
  maintenance?: ParameterConfig;
  history: BacktestHistory;
  /** Days of evidence before each day: daily returns, or funding days for the funding cap. */
  windowDays: number;
  /** ISO dates: the first and last day replayed. */
  from: string;
  to: string;
  liquidity: LiquidityAddOn;
  /** Simulated paths of the GARCH methods' multi-day ES (HS needs none). */
  paths?: number;
}

const DAY_HOURS = 24;

/**
 * Shortfall of the value in force on a day, per kind:
 * - margins and the scan range: the day's |simple return| exceeded it;
 * - collateral haircut: the day's fall (a long's loss, 1 − e^r) exceeded it;
 * - vol shock: the relative change of the EWMA volatility over the policy's horizon, ending that
 *   day, exceeded it (the vol analogue of a move leaving the range);
 * - funding cap: a funding of that day was clamped (|funding| > cap).
 */
export function isShortfall(
  kind: ParameterConfig["policy"]["kind"],
  value: number,
  day: { r?: number; volChange?: number; funding?: number[] },
): boolean {
  switch (kind) {
    case "es-margin":
    case "es-initial-margin":
    case "scan-range":
      return Math.abs(Math.expm1(day.r ?? 0)) > value;
    case "es-haircut":
      return -Math.expm1(day.r ?? 0) > value;
    case "vol-shock":
      return (day.volChange ?? 0) > value;
    case "funding-cap":
      return (day.funding ?? []).some((f) => Math.abs(f) > value);
  }
}

/** The backtest, and the last day's derivation (its formula with that day's numbers). */
export function policyBacktest(o: BacktestOptions): {
  backtest: PolicyBacktest;
  lastDerivation: TargetDerivation;
} {
  const p = o.parameter;
  const policy = p.policy;
  const { dates, returns } = o.history;
  const series: BacktestPoint[] = [];
  const shortfalls: string[] = [];
  let bindings = 0;
  let value = p.genesisValue;
  let lastChange = -Infinity;
  let lastDerivation: TargetDerivation | undefined;

  // The days replayed and, per day, the evidence before it and what the day did.
  const fundingDays = o.history.funding ?? [];
  const isFunding = policy.kind === "funding-cap";
  const dayList = isFunding ? fundingDays.map((f) => f.date) : dates;
  const sigma = policy.kind === "vol-shock" ? ewmaSigmaPath(returns, policy.ewmaLambda) : undefined;
  for (let i = 0; i < dayList.length; i++) {
    const date = dayList[i];
    if (date < o.from || date > o.to) continue;
    if (i < o.windowDays) continue; // not enough evidence before this day
    const derivation = dayTarget(o, i);
    lastDerivation = derivation;
    const outcome = applyGuardrails({
      current: value,
      target: derivation.target,
      min: p.min,
      max: p.max,
      step: policy.step,
      guardrails: policy.guardrails,
      hoursSinceLastChange: (i - lastChange) * DAY_HOURS,
      hoursSinceLastReject: Infinity,
    });
    const first = outcome.trace[0];
    const bounded = first.check === "target-bounds" ? first.after : derivation.target;
    const outsideDeadBand = outcome.trace.some((s) => s.check === "dead-band" && s.passed);
    if (outsideDeadBand && (outcome.proposed ?? value) !== bounded) bindings++;
    if (outcome.proposed !== null) {
      value = outcome.proposed;
      lastChange = i;
    }
    series.push({ date, target: derivation.target, value });
    const h = policy.kind === "vol-shock" ? policy.horizonDays : 1;
    const day = isFunding
      ? { funding: fundingDays[i].rates }
      : {
          r: returns[i],
          volChange:
            sigma && i - h >= 0 && sigma[i - h] > 0
              ? Math.abs(sigma[i] / sigma[i - h] - 1)
              : undefined,
        };
    if (isShortfall(policy.kind, value, day)) shortfalls.push(date);
  }
  if (series.length === 0 || !lastDerivation)
    throw new Error(
      `no day between ${o.from} and ${o.to} has ${o.windowDays} days of evidence before it`,
    );
  return {
    backtest: {
      market: o.market,
      parameter: p.name,
      days: series.length,
      series,
      guardrailBindings: bindings,
      shortfalls,
      shortfallRate: shortfalls.length / series.length,
    },
    lastDerivation,
  };
}

/** The policy's target for day i from the evidence of the `windowDays` days before it. */
function dayTarget(o: BacktestOptions, i: number): TargetDerivation {
  const policy = o.parameter.policy;
  if (policy.kind === "funding-cap") {
    const rates = (o.history.funding ?? []).slice(i - o.windowDays, i).flatMap((f) => f.rates);
    return parameterTarget(policy, {
      liquidity: o.liquidity,
      returns: [],
      funding: rates,
      atmVol: null,
    });
  }
  const window = o.history.returns.subarray(i - o.windowDays, i);
  const ctx = { liquidity: o.liquidity, returns: window, funding: [], atmVol: null };
  if (policy.kind === "scan-range" || policy.kind === "vol-shock")
    return parameterTarget(policy, ctx);
  const es = (q: { method: typeof policy.method; level: number; liquidationHorizonDays: number }) =>
    riskForecast(window, {
      method: q.method,
      level: q.level,
      horizon: q.liquidationHorizonDays,
      paths: o.paths ?? 2000,
      seed: 1,
    }).estimate;
  const e = es(policy);
  let maintenanceTarget: number | undefined;
  if (policy.kind === "es-initial-margin") {
    const m = o.maintenance?.policy;
    if (m?.kind !== "es-margin")
      throw new Error("the initial margin's backtest needs the maintenance margin's policy");
    maintenanceTarget = parameterTarget(m, {
      ...ctx,
      es: { worse: es(m).es, long: NaN, method: m.method },
    }).target;
  }
  return parameterTarget(policy, {
    ...ctx,
    es: { worse: e.es, long: e.sides.long.es, method: e.method },
    maintenanceTarget,
  });
}
