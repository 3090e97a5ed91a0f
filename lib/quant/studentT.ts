// Student-t, chi-square and binomial distributions for the risk engine and its backtests.
import { normInv } from "./normal";

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz; Numerical Recipes §6.4). */
function betaCf(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaCf(a, b, x)) / a;
  return 1 - (Math.exp(lnFront) * betaCf(b, a, 1 - x)) / b;
}

/** Student-t density with ν degrees of freedom. */
export function tPdf(x: number, nu: number): number {
  return Math.exp(
    lnGamma((nu + 1) / 2) -
      lnGamma(nu / 2) -
      0.5 * Math.log(nu * Math.PI) -
      ((nu + 1) / 2) * Math.log1p((x * x) / nu),
  );
}

/** Student-t distribution function: F(x) = 1 − ½ I_{ν/(ν+x²)}(ν/2, ½) for x ≥ 0. */
export function tCdf(x: number, nu: number): number {
  const tail = 0.5 * incompleteBeta(nu / (nu + x * x), nu / 2, 0.5);
  return x >= 0 ? 1 - tail : tail;
}

/**
 * Student-t quantile: a Cornish–Fisher start from the normal quantile (Abramowitz & Stegun
 * 26.7.5), then Newton steps on F(x) − p with the exact density, safeguarded by bisection.
 */
export function tQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`t quantile needs p in (0, 1), got ${p}`);
  if (!(nu > 0)) throw new Error(`t quantile needs ν > 0, got ${nu}`);
  if (p < 0.5) return -tQuantile(1 - p, nu);
  const z = normInv(p);
  const z3 = z * z * z;
  const z5 = z3 * z * z;
  let x = z + (z3 + z) / (4 * nu) + (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu);
  if (!Number.isFinite(x) || x <= 0) x = z;
  let lo = 0;
  let hi = Infinity;
  // Work with the upper tail 1 − F to keep precision for p near 1.
  const q = 1 - p;
  for (let i = 0; i < 100; i++) {
    const upper = 0.5 * incompleteBeta(nu / (nu + x * x), nu / 2, 0.5);
    const diff = q - upper; // > 0 → x too large
    if (diff > 0) hi = x;
    else lo = x;
    const step = diff / tPdf(x, nu);
    let next = x + step;
    if (!(next > lo && next < hi)) next = Number.isFinite(hi) ? (lo + hi) / 2 : 2 * x;
    if (Math.abs(next - x) <= 1e-15 * Math.abs(x)) return next;
    x = next;
  }
  return x;
}

/**
 * VaR and ES at `level` of the loss −Z for a standardized (unit-variance) Student-t Z, ν > 2:
 * VaR = q·s and ES = s·f_ν(q)/(1 − α)·(ν + q²)/(ν − 1), with q the t_ν quantile at α and
 * s = √((ν − 2)/ν) (McNeil, Frey & Embrechts 2015, "Quantitative Risk Management", ex. 2.19).
 */
export function standardizedTVarEs(level: number, nu: number): { var: number; es: number } {
  if (!(nu > 2)) throw new Error(`a unit-variance t needs ν > 2, got ${nu}`);
  const q = tQuantile(level, nu);
  const s = Math.sqrt((nu - 2) / nu);
  return { var: q * s, es: ((s * tPdf(q, nu)) / (1 - level)) * ((nu + q * q) / (nu - 1)) };
}

/** Regularized lower incomplete gamma P(a, x) (series for x < a + 1, else continued fraction). */
export function lowerGammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnFront = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return sum * Math.exp(lnFront);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return 1 - Math.exp(lnFront) * h;
}

/** Chi-square distribution function with k degrees of freedom. */
export function chiSquareCdf(x: number, k: number): number {
  return lowerGammaP(k / 2, x / 2);
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space. */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const lnP = Math.log(p);
  const lnQ = Math.log1p(-p);
  const lnNf = lnGamma(n + 1);
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(lnNf - lnGamma(i + 1) - lnGamma(n - i + 1) + i * lnP + (n - i) * lnQ);
  }
  return Math.min(1, sum);
}
