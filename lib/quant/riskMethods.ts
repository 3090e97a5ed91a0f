// One entry point for VaR / ES by method, for both sides of a position.
//
// Input: daily log returns r (the models — GARCH, EWMA, EVT — are fitted to them). Output: the loss
// of a position as a fraction of its notional, which is a simple return: over a horizon with log
// return x, a long loses −(eˣ − 1) and a short loses eˣ − 1. A perpetual's margin protects both
// sides, so every method reports each side and the margin-relevant figure is the worse one.
import { normalVarEs, ewmaSigma } from "./ewma";
import { fitGpdTail, gpdQuantile, semiParametricSampler, type GpdTail } from "./evt";
import { fitGarchT, simulateGarchLogReturns, type GarchFit, type GarchParams } from "./garch";
import { normCdf } from "./normal";
import { Prng } from "./prng";
import { tQuantile } from "./studentT";
import { historicalVarEs } from "./var";

export const RISK_METHODS = ["hs", "ewma", "garch-t", "fhs", "evt"] as const;
export type RiskMethod = (typeof RISK_METHODS)[number];

export const SIDES = ["long", "short"] as const;
export type Side = (typeof SIDES)[number];

/**
 * Horizons (days) a run computes besides 1 day; a policy's liquidation horizon must be one of
 * them, so that the policy and the targets read the same simulated h-day ES.
 */
export const RISK_HORIZONS = [1, 2, 3, 5, 7, 10] as const;

/** Loss of a side as a fraction of notional for a log return x over the horizon. */
export function sideLoss(side: Side, x: number): number {
  return side === "long" ? -Math.expm1(x) : Math.expm1(x);
}

export interface RiskOptions {
  method: RiskMethod;
  level: number;
  /** Days; > 1 simulates the fitted GARCH (garch-t, fhs, evt). */
  horizon?: number;
  seed?: number;
  /** Simulated paths for multi-day horizons. */
  paths?: number;
  /** A GARCH fit of the same returns to reuse (several methods share one fit). */
  garch?: GarchFit;
  /** Warm start for the GARCH fit. */
  start?: GarchParams;
}

export interface SideVarEs {
  var: number;
  es: number;
}

export interface RiskEstimate {
  /** The worse side's VaR and ES (by ES): the margin-relevant figures. */
  var: number;
  es: number;
  worseSide: Side;
  sides: Record<Side, SideVarEs>;
  method: RiskMethod;
  level: number;
  horizon: number;
  n: number;
  params: Record<string, number | string>;
}

/** The estimate and a sampler of the forecast loss distribution of each side (for Z2's null). */
export interface RiskForecast {
  estimate: RiskEstimate;
  draw: Record<Side, (rng: Prng) => number>;
}

/** A method that cannot produce a finite number for a day or a window. */
export class RiskMethodError extends Error {}

/** Geometric bins of the tail probability: from 1 − α down to (1 − α)·TAIL_DEPTH (a 1-in-100,000-day
 * loss at 99 %). */
const TAIL_BINS = 120;
const TAIL_DEPTH = 1e-3;

/**
 * ES = (1/(1 − α)) ∫₀^{1−α} L(p) dp for the loss L(p) exceeded with probability p (Acerbi &
 * Tasche 2002, ES as the tail mean of the quantile function), by the midpoint rule on geometric
 * bins; the last piece [0, (1 − α)·10⁻³] takes its upper end's value. That cut matters only on the
 * short side of heavy-tailed models (t, GPD with ξ > 0), where E[eˣ] over the tail does not
 * exist: there the reported ES is that of the loss capped at its (1 − α)·10⁻³ quantile.
 */
export function quantileTailMean(loss: (p: number) => number, tailProbability: number): number {
  const { p, w } = tailGrid(tailProbability);
  let s = 0;
  for (let i = 0; i < p.length; i++) s += w[i] * loss(p[i]);
  return s;
}

/** Midpoints and weights (summing to 1) of the geometric bins of quantileTailMean. */
function tailGrid(tailProbability: number): { p: Float64Array; w: Float64Array } {
  const r = Math.pow(TAIL_DEPTH, 1 / TAIL_BINS);
  const p = new Float64Array(TAIL_BINS + 1);
  const w = new Float64Array(TAIL_BINS + 1);
  let hi = tailProbability;
  for (let i = 0; i < TAIL_BINS; i++) {
    const lo = hi * r;
    p[i] = Math.sqrt(lo * hi);
    w[i] = (hi - lo) / tailProbability;
    hi = lo;
  }
  p[TAIL_BINS] = hi;
  w[TAIL_BINS] = hi / tailProbability;
  return { p, w };
}

/**
 * Lognormal (EWMA) closed form: with x ~ N(0, s²) and z the normal α-quantile,
 * long: VaR = 1 − e^(−zs), ES = 1 − e^(s²/2)·Φ(−z − s)/(1 − α);
 * short: VaR = e^(zs) − 1, ES = e^(s²/2)·Φ(s − z)/(1 − α) − 1
 * (from E[eˣ; x ≤ b] = e^(s²/2)·Φ(b/s − s)).
 */
export function lognormalSides(s: number, level: number): Record<Side, SideVarEs> {
  const { var: zs } = normalVarEs(s, level);
  const z = s > 0 ? zs / s : 0;
  // Written as differences of Φ against Φ(−z) itself (not 1 − α), with expm1 for e^(s²/2) − 1,
  // so that a small s does not cancel 1 − (≈ 1) to a few digits.
  const a = normCdf(-z);
  const m1 = Math.expm1((s * s) / 2);
  const lo = normCdf(-z - s);
  const hi = normCdf(s - z);
  return {
    long: { var: -Math.expm1(-zs), es: (a - lo - m1 * lo) / a },
    short: { var: Math.expm1(zs), es: (hi - a + m1 * hi) / a },
  };
}

const sampleSides = (logReturns: ArrayLike<number>, level: number): Record<Side, SideVarEs> => ({
  long: historicalVarEs(
    Array.from(logReturns, (x) => sideLoss("long", x)),
    level,
  ),
  short: historicalVarEs(
    Array.from(logReturns, (x) => sideLoss("short", x)),
    level,
  ),
});

const pick = (xs: ArrayLike<number>) => (rng: Prng) => xs[rng.index(xs.length)];

/**
 * VaR and ES of the h-day loss of each side at `level`:
 * - hs: historical simulation (Acerbi–Tasche estimator) of the overlapping h-day log-return sums,
 *   each turned into the side's simple-return loss;
 * - ewma: RiskMetrics λ = 0.94, normal log returns, √h scaling (RiskMetrics' own rule), the
 *   simple-return losses in closed form (lognormal);
 * - garch-t: GARCH(1,1)-t; one day by the t quantile function, beyond by simulated paths;
 * - fhs: filtered historical simulation — the GARCH σ forecast times resampled standardized
 *   residuals (Barone-Adesi, Giannopoulos & Vosper 1999), beyond one day along simulated paths;
 * - evt: GPD tails of the standardized residuals (each side its own tail) scaled by the σ forecast
 *   (McNeil & Frey 2000); beyond one day the GARCH is simulated with innovations from the fitted
 *   tails joined to the empirical interior (McNeil & Frey 2000, §4) — not FHS's bootstrap.
 * Throws RiskMethodError when a VaR or ES comes out not finite.
 */
export function varEs(returns: ArrayLike<number>, opts: RiskOptions): RiskEstimate {
  return riskForecast(returns, opts).estimate;
}

export function riskForecast(returns: ArrayLike<number>, opts: RiskOptions): RiskForecast {
  const { method, level } = opts;
  const horizon = opts.horizon ?? 1;
  const n = returns.length;
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new Error(`horizon must be a whole number of days ≥ 1, got ${horizon}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(returns[i])) {
      throw new RiskMethodError(`${method}: return ${i} of the window is ${returns[i]}`);
    }
  }
  const out = (
    sides: Record<Side, SideVarEs>,
    params: RiskEstimate["params"],
    draw: RiskForecast["draw"],
  ): RiskForecast => {
    for (const side of SIDES) {
      const v = sides[side];
      if (!Number.isFinite(v.var) || !Number.isFinite(v.es)) {
        throw new RiskMethodError(
          `${method}: ${side} VaR ${v.var} / ES ${v.es} at ${level} over ${horizon} d is not finite`,
        );
      }
    }
    const worseSide: Side = sides.short.es > sides.long.es ? "short" : "long";
    return {
      estimate: {
        var: sides[worseSide].var,
        es: sides[worseSide].es,
        worseSide,
        sides,
        method,
        level,
        horizon,
        n,
        params,
      },
      draw,
    };
  };
  const fromSample = (sums: ArrayLike<number>) => ({
    long: (rng: Prng) => sideLoss("long", sums[rng.index(sums.length)]),
    short: (rng: Prng) => sideLoss("short", sums[rng.index(sums.length)]),
  });
  if (method === "hs") {
    const sums: number[] = [];
    for (let i = 0; i + horizon <= n; i++) {
      let s = 0;
      for (let d = 0; d < horizon; d++) s += returns[i + d];
      sums.push(s);
    }
    if (sums.length === 0) throw new RiskMethodError(`hs: no ${horizon}-day window in ${n} days`);
    return out(sampleSides(sums, level), { sample: sums.length }, fromSample(sums));
  }
  if (method === "ewma") {
    const sigma = ewmaSigma(returns, 0.94);
    const s = sigma * Math.sqrt(horizon);
    return out(
      lognormalSides(s, level),
      { lambda: 0.94, sigma },
      {
        long: (rng) => sideLoss("long", s * rng.normal()),
        short: (rng) => sideLoss("short", s * rng.normal()),
      },
    );
  }
  const g = opts.garch ?? fitGarchT(returns, { start: opts.start });
  const { mu, omega, alpha, beta, nu } = g.params;
  const sigma = g.nextSigma;
  const params: RiskEstimate["params"] = {
    mu,
    omega,
    alpha,
    beta,
    nu,
    nextSigma: sigma,
    fit: g.status,
  };
  const z = g.residuals;
  let tails: { lower: GpdTail; upper: GpdTail } | undefined;
  if (method === "evt") {
    tails = {
      lower: fitGpdTail(
        Array.from(z, (x) => -x),
        0.1,
      ),
      upper: fitGpdTail(z, 0.1),
    };
    Object.assign(params, {
      xiLong: tails.lower.xi,
      gpdBetaLong: tails.lower.beta,
      thresholdLong: tails.lower.threshold,
      xiShort: tails.upper.xi,
      gpdBetaShort: tails.upper.beta,
      thresholdShort: tails.upper.threshold,
      exceedances: tails.lower.exceedances,
    });
  }
  const innovation: (rng: Prng) => number =
    method === "garch-t"
      ? (rng) => rng.standardizedT(nu)
      : method === "fhs"
        ? pick(z)
        : semiParametricSampler(z, tails!.lower, tails!.upper);
  if (horizon > 1) {
    const rng = new Prng(opts.seed ?? 1);
    const paths = opts.paths ?? 100_000;
    const sums = simulateGarchLogReturns(g.params, sigma, horizon, paths, rng, innovation);
    return out(
      sampleSides(sums, level),
      { ...params, paths, seed: opts.seed ?? 1 },
      fromSample(sums),
    );
  }
  const draw = {
    long: (rng: Prng) => sideLoss("long", mu + sigma * innovation(rng)),
    short: (rng: Prng) => sideLoss("short", mu + sigma * innovation(rng)),
  };
  if (method === "fhs") {
    return out(
      sampleSides(
        Array.from(z, (x) => mu + sigma * x),
        level,
      ),
      params,
      draw,
    );
  }
  // One day, by the quantile function of the standardized innovation on each side: zq(side, p)
  // is the standardized move against the side exceeded with probability p.
  const a = 1 - level;
  let zq: (side: Side, p: number) => number;
  if (method === "garch-t") {
    const s = Math.sqrt((nu - 2) / nu);
    const cache = new Map<number, number>();
    zq = (_side, p) => {
      let q = cache.get(p);
      if (q === undefined) cache.set(p, (q = tQuantile(1 - p, nu) * s));
      return q;
    };
  } else {
    zq = (side, p) => gpdQuantile(side === "long" ? tails!.lower : tails!.upper, p);
  }
  // log return against the side: long loses on x = μ − σ·zq, short on x = μ + σ·zq
  const x = (side: Side, p: number) =>
    side === "long" ? mu - sigma * zq(side, p) : mu + sigma * zq(side, p);
  const sides = Object.fromEntries(
    SIDES.map((side) => [
      side,
      {
        var: sideLoss(side, x(side, a)),
        es: quantileTailMean((p) => sideLoss(side, x(side, p)), a),
      },
    ]),
  ) as Record<Side, SideVarEs>;
  return out(sides, params, draw);
}
