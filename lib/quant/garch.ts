// GARCH(1,1) with standardized Student-t innovations (Bollerslev 1986, 1987):
//   r_t = μ + ε_t,  ε_t = σ_t z_t,  σ²_t = ω + α ε²_{t−1} + β σ²_{t−1},  z_t ~ t_ν scaled to unit variance.
import { nelderMead } from "./optimize";
import type { Prng } from "./prng";
import { lnGamma } from "./studentT";

export interface GarchParams {
  mu: number;
  omega: number;
  alpha: number;
  beta: number;
  nu: number;
}

export interface GarchFit {
  params: GarchParams;
  logLikelihood: number;
  /** σ_t of every return in the sample (conditional on the past). */
  sigmas: Float64Array;
  /** Standardized residuals z_t = (r_t − μ)/σ_t. */
  residuals: Float64Array;
  /** One-day-ahead σ after the last return. */
  nextSigma: number;
  evaluations: number;
  status: string;
}

const NU_MIN = 2.05;
const PERSISTENCE_MAX = 0.9999;

/** One-step variance forecast σ²_{t+1} = ω + α(r_t − μ)² + βσ²_t. */
export function garchNextVariance(
  p: GarchParams,
  lastReturn: number,
  lastVariance: number,
): number {
  const e = lastReturn - p.mu;
  return p.omega + p.alpha * e * e + p.beta * lastVariance;
}

/**
 * Negative log-likelihood of the standardized-t GARCH(1,1); σ²_0 = the sample variance. Per
 * observation ℓ_t = c − ½ln σ²_t − k·ln(1 + ε²_t/((ν−2)σ²_t)), k = (ν+1)/2, rewritten as
 * (k − ½)·ln σ²_t − k·ln((ν−2)σ²_t + ε²_t) + k·ln(ν−2); the logarithms of products of 32
 * consecutive terms replace 64 logarithms by 2 (daily variances lie far inside the double range).
 */
function negLogLikelihood(r: ArrayLike<number>, p: GarchParams, v0: number): number {
  const { mu, omega, alpha, beta, nu } = p;
  const c = lnGamma((nu + 1) / 2) - lnGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  const k = (nu + 1) / 2;
  const d = nu - 2;
  const n = r.length;
  let v = v0;
  let sumLnV = 0;
  let sumLnQ = 0;
  let prodV = 1;
  let prodQ = 1;
  for (let t = 0; t < n; t++) {
    const e = r[t] - mu;
    prodV *= v;
    prodQ *= d * v + e * e;
    if ((t & 31) === 31) {
      sumLnV += Math.log(prodV);
      sumLnQ += Math.log(prodQ);
      prodV = 1;
      prodQ = 1;
    }
    v = omega + alpha * e * e + beta * v;
  }
  sumLnV += Math.log(prodV);
  sumLnQ += Math.log(prodQ);
  const ll = n * (c + k * Math.log(d)) + (k - 0.5) * sumLnV - k * sumLnQ;
  return Number.isFinite(ll) ? -ll : Infinity;
}

// Unconstrained coordinates: ω = e^a; persistence α+β = P·logistic(b); α = (α+β)·logistic(c);
// ν = 2.05 + e^d. Every point of R⁴ is a stationary model with finite variance.
const logistic = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

function fromFree(x: ArrayLike<number>, mu: number): GarchParams {
  const persistence = PERSISTENCE_MAX * logistic(x[1]);
  const alpha = persistence * logistic(x[2]);
  return {
    mu,
    omega: Math.exp(x[0]),
    alpha,
    beta: persistence - alpha,
    nu: NU_MIN + Math.exp(x[3]),
  };
}

function toFree(p: GarchParams): number[] {
  const persistence = Math.min(p.alpha + p.beta, PERSISTENCE_MAX * 0.999999);
  return [
    Math.log(p.omega),
    logit(persistence / PERSISTENCE_MAX),
    logit(Math.min(Math.max(p.alpha / persistence, 1e-6), 1 - 1e-6)),
    Math.log(Math.max(p.nu - NU_MIN, 1e-6)),
  ];
}

/**
 * Maximum-likelihood fit (Nelder–Mead on the unconstrained coordinates). μ is the sample mean
 * (estimating it jointly moves VaR by far less than its standard error). `start` warm-starts the
 * search, e.g. from yesterday's fit in a rolling backtest.
 */
export function fitGarchT(
  returns: ArrayLike<number>,
  opts: { start?: GarchParams; maxEvaluations?: number } = {},
): GarchFit {
  const n = returns.length;
  if (n < 50) throw new Error(`GARCH needs at least 50 returns, got ${n}`);
  let mu = 0;
  for (let i = 0; i < n; i++) mu += returns[i];
  mu /= n;
  let v0 = 0;
  for (let i = 0; i < n; i++) v0 += (returns[i] - mu) ** 2;
  v0 /= n;
  const start = opts.start
    ? { ...opts.start, mu }
    : { mu, omega: v0 * 0.05, alpha: 0.08, beta: 0.87, nu: 5 };
  const res = nelderMead((x) => negLogLikelihood(returns, fromFree(x, mu), v0), toFree(start), {
    maxEvaluations: opts.maxEvaluations ?? 2000,
    step: opts.start ? [0.1, 0.2, 0.2, 0.1] : [0.5, 0.5, 0.5, 0.5],
    ftol: 1e-10,
    xtol: 1e-7,
  });
  const params = fromFree(res.x, mu);
  const sigmas = new Float64Array(n);
  const residuals = new Float64Array(n);
  let v = v0;
  for (let t = 0; t < n; t++) {
    sigmas[t] = Math.sqrt(v);
    residuals[t] = (returns[t] - mu) / sigmas[t];
    v = garchNextVariance(params, returns[t], v);
  }
  return {
    params,
    logLikelihood: -res.cost,
    sigmas,
    residuals,
    nextSigma: Math.sqrt(v),
    evaluations: res.evaluations,
    status: res.status,
  };
}

/**
 * Losses (−Σ of h daily log returns) of `paths` simulated h-day paths of the fitted GARCH, from
 * the one-day-ahead σ. Innovations: standardized t (parametric), or resampled from `residuals`
 * (filtered historical simulation, Barone-Adesi et al. 1999).
 */
export function simulateGarchLosses(
  p: GarchParams,
  nextSigma: number,
  horizon: number,
  paths: number,
  rng: Prng,
  residuals?: ArrayLike<number>,
): Float64Array {
  const nRes = residuals?.length ?? 0;
  const draw = residuals ? (g: Prng) => residuals[g.index(nRes)] : undefined;
  return simulateGarchLogReturns(p, nextSigma, horizon, paths, rng, draw).map((s) => -s);
}

/**
 * Σ of h daily log returns on `paths` simulated paths of the fitted GARCH from the one-day-ahead
 * σ, with innovations from `draw` (default: the fitted standardized t).
 */
export function simulateGarchLogReturns(
  p: GarchParams,
  nextSigma: number,
  horizon: number,
  paths: number,
  rng: Prng,
  draw: (rng: Prng) => number = (g) => g.standardizedT(p.nu),
): Float64Array {
  const out = new Float64Array(paths);
  for (let i = 0; i < paths; i++) {
    let v = nextSigma * nextSigma;
    let sum = 0;
    for (let d = 0; d < horizon; d++) {
      const e = Math.sqrt(v) * draw(rng);
      sum += p.mu + e;
      v = p.omega + p.alpha * e * e + p.beta * v;
    }
    out[i] = sum;
  }
  return out;
}
