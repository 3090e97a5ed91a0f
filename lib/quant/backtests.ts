// VaR and ES backtests: Kupiec (1995), Christoffersen (1998), the Basel traffic light (Basel
// Committee 1996, "Supervisory framework for the use of backtesting…") and Acerbi & Szekely's Z2
// (2014, "Backtesting Expected Shortfall", Risk).
import { fitGarchT, type GarchParams } from "./garch";
import { Prng } from "./prng";
import { varEs, type RiskMethod } from "./riskMethods";
import { binomialCdf, chiSquareCdf, tQuantile, standardizedTVarEs } from "./studentT";

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

/** The Basel plus factors for 5…9 exceptions in 250 days at 99 %; 10 or more: 1.0 (red). */
const BASEL_PLUS = [0.4, 0.5, 0.65, 0.75, 0.85];

/**
 * Basel traffic light for any window: zones by the cumulative binomial probability of the
 * exception count — green below 95 %, red from 99.99 % (which reproduces 0–4 / 5–9 / 10+ for
 * 250 days at 1 %). In the yellow zone the plus factor is the Basel table's entry for the
 * 250-day count with the largest cumulative probability not above this window's.
 */
export function trafficLight(
  x: number,
  T: number,
  p: number,
): { zone: Zone; plusFactor: number; cumulativeProbability: number } {
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
 * Acerbi–Szekely Z2 = Σ L_t·I_t / (T(1 − α)·ES_t) − 1 (losses positive; 0 under the null, > 0 when
 * the tail is heavier than forecast). Critical value and p-value by simulation under the null with
 * a Student-t(5) tail: exceptions occur with probability 1 − α each day and their size relative to
 * ES is that of a t₅ beyond its α-quantile.
 */
export function z2Test(
  losses: ArrayLike<number>,
  vars: ArrayLike<number>,
  ess: ArrayLike<number>,
  level: number,
  opts: { simulations?: number; seed?: number } = {},
): { value: number; pValue: number; criticalValue: number } {
  const T = losses.length;
  let s = 0;
  for (let t = 0; t < T; t++) if (losses[t] > vars[t]) s += losses[t] / ess[t];
  const value = s / (T * (1 - level)) - 1;
  const sims = opts.simulations ?? 2000;
  const rng = new Prng(opts.seed ?? 7);
  const nu = 5;
  const { es: esZ } = standardizedTVarEs(level, nu);
  const scale = Math.sqrt((nu - 2) / nu);
  const draws = new Float64Array(sims);
  for (let i = 0; i < sims; i++) {
    let sum = 0;
    for (let t = 0; t < T; t++) {
      if (rng.uniform() < 1 - level) {
        const u = level + (1 - level) * rng.uniform();
        sum += (tQuantile(Math.min(u, 1 - 1e-16), nu) * scale) / esZ;
      }
    }
    draws[i] = sum / (T * (1 - level)) - 1;
  }
  draws.sort();
  let above = 0;
  for (let i = 0; i < sims; i++) if (draws[i] >= value) above++;
  return { value, pValue: above / sims, criticalValue: draws[Math.floor(0.95 * sims)] };
}

/** Days between cold GARCH re-fits in a rolling backtest. */
const REFIT_EVERY = 20;

export interface BacktestResult {
  method: RiskMethod;
  level: number;
  window: number;
  days: number;
  testedFrom: string;
  testedTo: string;
  exceptions: number;
  expected: number;
  exceptionDates: string[];
  kupiec: { lr: number; pValue: number };
  christoffersen: { lrInd: number; lrCc: number; pValueInd: number; pValueCc: number };
  trafficLight: { zone: Zone; plusFactor: number; cumulativeProbability: number };
  z2: { value: number; pValue: number; criticalValue: number };
  series: { date: string; var: number; es: number; loss: number }[];
}

/**
 * Rolling one-day backtests of several methods in one pass: each day's VaR/ES is estimated from
 * the `window` returns before it and compared with that day's loss. GARCH-based methods share one
 * fit per day, re-estimated daily and warm-started from the previous day's parameters.
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
  const series = methods.map(() => [] as BacktestResult["series"]);
  let start: GarchParams | undefined;
  for (let t = window; t < returns.length; t++) {
    if (opts.from && dates[t] < opts.from) continue;
    if (opts.to && dates[t] > opts.to) break;
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
      const r = varEs(est, { method, level, garch });
      series[i].push({ date: dates[t], var: r.var, es: r.es, loss: -returns[t] });
    });
  }
  if (series[0].length === 0)
    throw new Error("no days to test: the window is longer than the data");
  return methods.map((method, i) => summarize(method, level, window, series[i], opts));
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
  },
): BacktestResult {
  return rollingBacktests(dates, returns, { ...opts, methods: [opts.method] })[0];
}

function summarize(
  method: RiskMethod,
  level: number,
  window: number,
  series: BacktestResult["series"],
  opts: { seed?: number; simulations?: number },
): BacktestResult {
  const hits = series.map((s) => s.loss > s.var);
  const x = hits.filter(Boolean).length;
  const T = series.length;
  return {
    method,
    level,
    window,
    days: T,
    testedFrom: series[0].date,
    testedTo: series[T - 1].date,
    exceptions: x,
    expected: T * (1 - level),
    exceptionDates: series.filter((_, i) => hits[i]).map((s) => s.date),
    kupiec: kupiec(x, T, 1 - level),
    christoffersen: christoffersen(hits, 1 - level),
    trafficLight: trafficLight(x, T, 1 - level),
    z2: z2Test(
      series.map((s) => s.loss),
      series.map((s) => s.var),
      series.map((s) => s.es),
      level,
      { seed: opts.seed, simulations: opts.simulations },
    ),
    series,
  };
}
