// VaR and ES backtests: Kupiec (1995), Christoffersen (1998), the Basel traffic light (Basel
// Committee 1996, "Supervisory framework for the use of backtesting…") and Acerbi & Szekely's Z2
// (2014, "Backtesting Expected Shortfall", Risk).
import { fitGarchT, type GarchParams } from "./garch";
import { Prng } from "./prng";
import { riskForecast, sideLoss, type RiskMethod, type Side } from "./riskMethods";
import { binomialCdf, chiSquareCdf } from "./studentT";

/** x ln y with the convention 0 ln 0 = 0. */
const xlogy = (x: number, y: number) => (x === 0 ? 0 : x * Math.log(y));

/** Kupiec's proportion-of-failures LR for x exceptions in T days at exception probability p. */
export function kupiec(x: number, T: number, p: number): { lr: number; pValue: number } {
  const phat = x / T;
  const lr = -2 * (xlogy(T - x, 1 - p) + xlogy(x, p) - xlogy(T - x, 1 - phat) - xlogy(x, phat));
  const v = Math.max(0, lr);
  return { lr: v, pValue: 1 - chiSquareCdf(v, 1) };
}

/** Christoffersen's independence (first-order Markov) and conditional-coverage LR tests. */
export function christoffersen(
  hits: ArrayLike<boolean>,
  p: number,
): { lrInd: number; lrCc: number; pValueInd: number; pValueCc: number } {
  let n00 = 0,
    n01 = 0,
    n10 = 0,
    n11 = 0;
  for (let t = 1; t < hits.length; t++) {
    if (hits[t - 1]) {
      if (hits[t]) n11++;
      else n10++;
    } else if (hits[t]) n01++;
    else n00++;
  }
  const pi01 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
  const pi11 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
  const pi = (n01 + n11) / (n00 + n01 + n10 + n11);
  const lrInd = Math.max(
    0,
    -2 *
      (xlogy(n00 + n10, 1 - pi) +
        xlogy(n01 + n11, pi) -
        xlogy(n00, 1 - pi01) -
        xlogy(n01, pi01) -
        xlogy(n10, 1 - pi11) -
        xlogy(n11, pi11)),
  );
  let x = 0;
  for (let t = 0; t < hits.length; t++) if (hits[t]) x++;
  const lrCc = kupiec(x, hits.length, p).lr + lrInd;
  return {
    lrInd,
    lrCc,
    pValueInd: 1 - chiSquareCdf(lrInd, 1),
    pValueCc: 1 - chiSquareCdf(lrCc, 2),
  };
}

export type Zone = "green" | "yellow" | "red";

export interface TrafficLight {
  zone: Zone;
  plusFactor: number;
  cumulativeProbability: number;
}

/** The Basel plus factors for 5…9 exceptions in 250 days at 99 %; 10 or more: 1.0 (red). */
const BASEL_PLUS = [0.4, 0.5, 0.65, 0.75, 0.85];

/**
 * Basel traffic light (Basel Committee 1996, "Supervisory framework for the use of
 * 'backtesting'…", Table 2) for 99 % VaR: zones by the cumulative binomial probability of the
 * exception count — green below 95 %, red from 99.99 % (0–4 / 5–9 / 10+ for 250 days) — and the
 * table's plus factor for the 250-day count with the largest cumulative probability not above
 * this window's. The framework defines its zones and plus factors for 99 % VaR only; at any other
 * level there is no cited table, so no traffic light (null) is shown.
 */
export function trafficLight(x: number, T: number, p: number): TrafficLight | null {
  if (Math.abs(p - 0.01) > 1e-12) return null;
  const c = binomialCdf(x, T, p);
  if (c < 0.95) return { zone: "green", plusFactor: 0, cumulativeProbability: c };
  if (c >= 0.9999) return { zone: "red", plusFactor: 1, cumulativeProbability: c };
  let plus = BASEL_PLUS[0];
  for (let i = 0; i < BASEL_PLUS.length; i++) {
    if (binomialCdf(5 + i, 250, 0.01) <= c + 1e-12) plus = BASEL_PLUS[i];
  }
  return { zone: "yellow", plusFactor: plus, cumulativeProbability: c };
}

/**
 * Acerbi–Szekely Z2 = Σ L_t·I_t / (T(1 − α)·ES_t) − 1 (Acerbi & Szekely 2014, "Backtesting
 * Expected Shortfall", Risk; losses positive; 0 under the null, > 0 when the tail is heavier than
 * forecast). As the paper prescribes, the null distribution is simulated from the model's own
 * forecasts: in each simulation day t's loss is drawn from that day's forecast distribution
 * (`draws[t]`) and Z2 is recomputed with the same VaR_t and ES_t; the p-value is the share of
 * simulated Z2 at or above the observed one, the critical value their 95 % quantile.
 */
export function z2Test(
  losses: ArrayLike<number>,
  vars: ArrayLike<number>,
  ess: ArrayLike<number>,
  level: number,
  draws: readonly ((rng: Prng) => number)[],
  opts: { simulations?: number; seed?: number } = {},
): { value: number; pValue: number; criticalValue: number } {
  const T = losses.length;
  if (draws.length !== T)
    throw new Error(`z2Test needs one forecast per day: ${draws.length} ≠ ${T}`);
  const stat = (loss: (t: number) => number) => {
    let s = 0;
    for (let t = 0; t < T; t++) {
      const l = loss(t);
      if (l > vars[t]) s += l / ess[t];
    }
    return s / (T * (1 - level)) - 1;
  };
  const value = stat((t) => losses[t]);
  const sims = opts.simulations ?? 2000;
  const rng = new Prng(opts.seed ?? 7);
  const simulated = new Float64Array(sims);
  for (let i = 0; i < sims; i++) simulated[i] = stat((t) => draws[t](rng));
  simulated.sort();
  let above = 0;
  for (let i = 0; i < sims; i++) if (simulated[i] >= value) above++;
  return { value, pValue: above / sims, criticalValue: simulated[Math.floor(0.95 * sims)] };
}

/** Days between cold GARCH re-fits in a rolling backtest. */
const REFIT_EVERY = 20;

export interface SideBacktest {
  side: Side;
  exceptions: number;
  expected: number;
  exceptionDates: string[];
  kupiec: { lr: number; pValue: number };
  christoffersen: { lrInd: number; lrCc: number; pValueInd: number; pValueCc: number };
  /** null at levels with no cited traffic-light table (anything but 99 %). */
  trafficLight: TrafficLight | null;
  z2: { value: number; pValue: number; criticalValue: number };
}

/** A day on which the method could not produce a finite VaR/ES: not a day without exception. */
export interface BacktestError {
  date: string;
  message: string;
}

export interface BacktestPoint {
  date: string;
  /** Long side: VaR, ES and the realized simple-return loss −(e^r − 1). */
  var: number;
  es: number;
  loss: number;
  /** Short side: the realized loss is e^r − 1. */
  shortVar: number;
  shortEs: number;
  shortLoss: number;
}

/**
 * Each side's backtest, and at the top level the figures of the worse side (more exceptions;
 * on a tie the lower Kupiec p-value), which is what the stored columns hold.
 */
export interface BacktestResult extends SideBacktest {
  method: RiskMethod;
  level: number;
  window: number;
  /** Days tested (days with an error are not tested: they are listed in `errors`). */
  days: number;
  testedFrom: string;
  testedTo: string;
  sides: Record<Side, SideBacktest>;
  errors: BacktestError[];
  series: BacktestPoint[];
}

/**
 * Rolling one-day backtests of several methods in one pass: each day's VaR/ES of both sides is
 * estimated from the `window` returns before it and compared with that day's loss of each side.
 * GARCH-based methods share one fit per day, re-estimated daily and warm-started from the
 * previous day's parameters. A method that cannot produce a finite VaR/ES on a day records an
 * error for that day instead of a forecast.
 */
export function rollingBacktests(
  dates: readonly string[],
  returns: ArrayLike<number>,
  opts: {
    methods: readonly RiskMethod[];
    level: number;
    window: number;
    from?: string;
    to?: string;
    seed?: number;
    simulations?: number;
  },
): BacktestResult[] {
  const { methods, level, window } = opts;
  const needsGarch = methods.some((m) => m !== "hs" && m !== "ewma");
  const series = methods.map(() => [] as BacktestPoint[]);
  const draws = methods.map(
    () => ({ long: [], short: [] }) as Record<Side, ((r: Prng) => number)[]>,
  );
  const errors = methods.map(() => [] as BacktestError[]);
  let start: GarchParams | undefined;
  let tested = 0;
  for (let t = window; t < returns.length; t++) {
    if (opts.from && dates[t] < opts.from) continue;
    if (opts.to && dates[t] > opts.to) break;
    tested++;
    const est = Array.prototype.slice.call(returns, t - window, t) as number[];
    let garch = needsGarch
      ? fitGarchT(est, { start, maxEvaluations: start ? 400 : 2000 })
      : undefined;
    // A chain of warm starts can stay in a worse local optimum: every REFIT_EVERY days a cold fit
    // competes, and the higher likelihood wins.
    if (garch && start && (t - window) % REFIT_EVERY === 0) {
      const cold = fitGarchT(est);
      if (cold.logLikelihood > garch.logLikelihood) garch = cold;
    }
    if (garch) start = garch.params;
    methods.forEach((method, i) => {
      if (!Number.isFinite(returns[t])) {
        // The day cannot be scored: an error, never a day without exception.
        errors[i].push({ date: dates[t], message: `the realized return is ${returns[t]}` });
        return;
      }
      let f;
      try {
        f = riskForecast(est, { method, level, garch });
      } catch (e) {
        errors[i].push({ date: dates[t], message: (e as Error).message });
        return;
      }
      const { long, short } = f.estimate.sides;
      series[i].push({
        date: dates[t],
        var: long.var,
        es: long.es,
        loss: sideLoss("long", returns[t]),
        shortVar: short.var,
        shortEs: short.es,
        shortLoss: sideLoss("short", returns[t]),
      });
      draws[i].long.push(f.draw.long);
      draws[i].short.push(f.draw.short);
    });
  }
  if (tested === 0) throw new Error("no days to test: the window is longer than the data");
  return methods.map((method, i) =>
    summarize(method, level, window, series[i], draws[i], errors[i], opts),
  );
}

/** Rolling one-day backtest of one method (see rollingBacktests). */
export function rollingBacktest(
  dates: readonly string[],
  returns: ArrayLike<number>,
  opts: {
    method: RiskMethod;
    level: number;
    window: number;
    from?: string;
    to?: string;
    seed?: number;
    simulations?: number;
  },
): BacktestResult {
  return rollingBacktests(dates, returns, { ...opts, methods: [opts.method] })[0];
}

/** The coverage and ES tests of one side over the tested days. */
export function sideBacktest(
  side: Side,
  level: number,
  points: readonly { date: string; var: number; es: number; loss: number }[],
  draws: readonly ((rng: Prng) => number)[],
  opts: { seed?: number; simulations?: number } = {},
): SideBacktest {
  const T = points.length;
  const hits = points.map((s) => s.loss > s.var);
  const x = hits.filter(Boolean).length;
  const empty = { value: NaN, pValue: NaN, criticalValue: NaN };
  return {
    side,
    exceptions: x,
    expected: T * (1 - level),
    exceptionDates: points.filter((_, i) => hits[i]).map((s) => s.date),
    kupiec: T ? kupiec(x, T, 1 - level) : { lr: NaN, pValue: NaN },
    christoffersen: T
      ? christoffersen(hits, 1 - level)
      : { lrInd: NaN, lrCc: NaN, pValueInd: NaN, pValueCc: NaN },
    trafficLight: T ? trafficLight(x, T, 1 - level) : null,
    z2: T
      ? z2Test(
          points.map((s) => s.loss),
          points.map((s) => s.var),
          points.map((s) => s.es),
          level,
          draws,
          { seed: opts.seed, simulations: opts.simulations },
        )
      : empty,
  };
}

function summarize(
  method: RiskMethod,
  level: number,
  window: number,
  series: BacktestPoint[],
  draws: Record<Side, ((r: Prng) => number)[]>,
  errors: BacktestError[],
  opts: { seed?: number; simulations?: number },
): BacktestResult {
  const sides: Record<Side, SideBacktest> = {
    long: sideBacktest("long", level, series, draws.long, opts),
    short: sideBacktest(
      "short",
      level,
      series.map((s) => ({ date: s.date, var: s.shortVar, es: s.shortEs, loss: s.shortLoss })),
      draws.short,
      opts,
    ),
  };
  const worse =
    sides.short.exceptions > sides.long.exceptions ||
    (sides.short.exceptions === sides.long.exceptions &&
      sides.short.kupiec.pValue < sides.long.kupiec.pValue)
      ? sides.short
      : sides.long;
  const T = series.length;
  return {
    ...worse,
    method,
    level,
    window,
    days: T,
    testedFrom: series[0]?.date ?? errors[0]?.date ?? "",
    testedTo: series[T - 1]?.date ?? errors.at(-1)?.date ?? "",
    sides,
    errors,
    series,
  };
}
