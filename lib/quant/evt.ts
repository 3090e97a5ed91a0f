// Peaks over threshold: a generalized Pareto tail fitted by maximum likelihood to the largest
// standardized losses (McNeil & Frey 2000, "Estimation of tail-related risk measures for
// heteroscedastic financial time series: an extreme value approach", J. Empirical Finance 7).
import { nelderMead } from "./optimize";

export interface GpdTail {
  threshold: number;
  xi: number;
  beta: number;
  exceedances: number;
  n: number;
}

/** GPD negative log-likelihood of exceedances y > 0 (ξ → 0 is the exponential limit). */
function gpdNll(y: ArrayLike<number>, xi: number, beta: number): number {
  if (!(beta > 0)) return Infinity;
  let s = 0;
  if (Math.abs(xi) < 1e-9) {
    for (let i = 0; i < y.length; i++) s += y[i] / beta;
    return y.length * Math.log(beta) + s;
  }
  for (let i = 0; i < y.length; i++) {
    const z = 1 + (xi * y[i]) / beta;
    if (z <= 0) return Infinity;
    s += Math.log(z);
  }
  return y.length * Math.log(beta) + (1 + 1 / xi) * s;
}

/** Fits the tail above the (1 − tailFraction) sample quantile of the losses. */
export function fitGpdTail(losses: ArrayLike<number>, tailFraction = 0.1): GpdTail {
  const sorted = Float64Array.from(losses).sort();
  const n = sorted.length;
  const k = Math.floor(n * tailFraction);
  if (k < 20) throw new Error(`EVT needs at least 20 exceedances, got ${k} of ${n}`);
  const threshold = sorted[n - k - 1];
  const y = sorted.subarray(n - k).map((x) => x - threshold);
  let mean = 0;
  for (let i = 0; i < k; i++) mean += y[i];
  mean /= k;
  const res = nelderMead((x) => gpdNll(y, x[0], Math.exp(x[1])), [0.1, Math.log(mean)], {
    lower: [-0.5, -50],
    upper: [0.95, 50],
    maxEvaluations: 1000,
  });
  return { threshold, xi: res.x[0], beta: Math.exp(res.x[1]), exceedances: k, n };
}

/**
 * VaR and ES at `level` from the fitted tail (McNeil & Frey 2000, eqs. 6 and 7):
 * VaR = u + β/ξ·(((1 − α)·n/k)^(−ξ) − 1),  ES = VaR/(1 − ξ) + (β − ξu)/(1 − ξ).
 */
export function gpdVarEs(tail: GpdTail, level: number): { var: number; es: number } {
  const { threshold: u, xi, beta, exceedances: k, n } = tail;
  const ratio = ((1 - level) * n) / k;
  if (ratio >= 1) throw new Error(`level ${level} is not beyond the EVT threshold`);
  const v = Math.abs(xi) < 1e-9 ? u - beta * Math.log(ratio) : u + (beta / xi) * (ratio ** -xi - 1);
  return { var: v, es: v / (1 - xi) + (beta - xi * u) / (1 - xi) };
}

/**
 * The loss exceeded with probability p (p ≤ k/n, inside the fitted tail):
 * u + β/ξ·((p·n/k)^(−ξ) − 1) (McNeil & Frey 2000, eq. 6 with 1 − α = p).
 */
export function gpdQuantile(tail: GpdTail, p: number): number {
  const { threshold: u, xi, beta, exceedances: k, n } = tail;
  const ratio = (p * n) / k;
  return Math.abs(xi) < 1e-9 ? u - beta * Math.log(ratio) : u + (beta / xi) * (ratio ** -xi - 1);
}

/**
 * Draws from the semi-parametric distribution of McNeil & Frey (2000, §2.3 and §4, used there
 * for their k-day horizons): the empirical distribution of the standardized residuals between the
 * two thresholds and a GPD fitted to each tail beyond them. `lower` is fitted to −z (the losses of
 * a long position) and `upper` to z.
 */
export function semiParametricSampler(
  z: ArrayLike<number>,
  lower: GpdTail,
  upper: GpdTail,
): (rng: { uniform(): number }) => number {
  const sorted = Float64Array.from(z).sort();
  const n = sorted.length;
  const pL = lower.exceedances / lower.n;
  const pU = upper.exceedances / upper.n;
  return (rng) => {
    const u = rng.uniform();
    if (u < pL) return -gpdQuantile(lower, u);
    if (u > 1 - pU) return gpdQuantile(upper, 1 - u);
    // interior: the empirical quantile function (a resampled residual, as in FHS)
    return sorted[Math.min(n - 1, Math.floor(u * n))];
  };
}
