/**
 * Raw SVI slices (J. Gatheral, "A parsimonious arbitrage-free implied volatility
 * parameterization", Global Derivatives 2004; Gatheral & Jacquier, "Arbitrage-free SVI volatility
 * surfaces", Quantitative Finance 14 (2014)):
 *     w(k) = a + b·(ρ(k − m) + √((k − m)² + σ²)),   k = ln(K/F), w = total implied variance σ_BS²·T.
 * Butterfly arbitrage: the density of the slice is non-negative iff Durrleman's
 *     g(k) = (1 − k·w'/(2w))² − (w'²/4)·(1/w + 1/4) + w''/2 ≥ 0
 * (together with w > 0 and d₊(k) → −∞ as k → ∞, which SVI with b(1+|ρ|) ≤ 2 satisfies).
 *
 * Calibration by the quasi-explicit method (S. De Marco & C. Martini / Zeliade Systems,
 * "Quasi-explicit calibration of Gatheral's SVI model", Zeliade white paper 2009): with
 * y = (k − m)/σ, w = a + d·y + c·√(y² + 1), c = bσ, d = ρbσ, so for fixed (m, σ) the fit is a
 * linear least-squares problem in (a, c, d) on the polytope 0 ≤ |d| ≤ c, |d| ≤ 4σ − c,
 * a_min ≤ a ≤ a_max, solved exactly here (active-set enumeration of the 3-variable convex QP);
 * the outer problem over (m, σ) is two-dimensional and solved by Nelder–Mead from a few starts.
 * An optional Levenberg–Marquardt polish then refines all five parameters on the vol residuals
 * with the analytic Jacobian.
 */
import { levenbergMarquardt, nelderMead, type OptStatus } from "./optimize";

export interface SviParams {
  a: number;
  b: number;
  rho: number;
  m: number;
  sigma: number;
}

/** Total implied variance w(k) of a raw SVI slice. */
export function sviW(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/** w'(k). */
export function sviW1(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.b * (p.rho + x / Math.sqrt(x * x + p.sigma * p.sigma));
}

/** w''(k). */
export function sviW2(p: SviParams, k: number): number {
  const x = k - p.m;
  const r = Math.sqrt(x * x + p.sigma * p.sigma);
  return (p.b * p.sigma * p.sigma) / (r * r * r);
}

/** Durrleman's g(k) from w, w', w'' at one k (any smooth slice). */
export function durrlemanG(k: number, w: number, w1: number, w2: number): number {
  const u = 1 - (k * w1) / (2 * w);
  return u * u - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/** g(k) of a raw SVI slice. */
export function sviG(p: SviParams, k: number): number {
  return durrlemanG(k, sviW(p, k), sviW1(p, k), sviW2(p, k));
}

/** Dense uniform grid of n points on [lo, hi]. */
export function kGrid(lo = -1.5, hi = 1.5, n = 601): Float64Array {
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = lo + ((hi - lo) * i) / (n - 1);
  return g;
}

/** Number of grid points where the slice has a negative density (g < −tol) or w ≤ 0. */
export function sviButterflyViolations(p: SviParams, grid: ArrayLike<number>, tol = 1e-9): number {
  let v = 0;
  for (let i = 0; i < grid.length; i++) {
    const k = grid[i];
    const w = sviW(p, k);
    if (!(w > 0) || !(sviG(p, k) >= -tol)) v++;
  }
  return v;
}

/** Minimum of w(k) over ℝ: a + bσ√(1 − ρ²). */
export function sviMinW(p: SviParams): number {
  return p.a + p.b * p.sigma * Math.sqrt(Math.max(0, 1 - p.rho * p.rho));
}

// ---------------------------------------------------------------------------------------------
// Quasi-explicit calibration

/** Solves the small dense system M z = v (Gaussian elimination, partial pivoting). */
function solveDense(M: number[][], v: number[]): number[] | null {
  const n = v.length;
  const a = M.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-300) return null;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = c + 1; r < n; r++) {
      const f = a[r][c] / a[c][c];
      if (f === 0) continue;
      for (let q = c; q <= n; q++) a[r][q] -= f * a[c][q];
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let q = r + 1; q < n; q++) s -= a[r][q] * z[q];
    z[r] = s / a[r][r];
  }
  return z;
}

// Constraint rows G·(a, c, d) ≤ h of the inner problem (h filled per call).
const G_ROWS = [
  [0, -1, 1], // d ≤ c
  [0, -1, -1], // −d ≤ c
  [0, 1, 1], // c + d ≤ 4σ
  [0, 1, -1], // c − d ≤ 4σ
  [1, 0, 0], // a ≤ aMax
  [-1, 0, 0], // −a ≤ −aMin
];
const SUBSETS: number[][] = (() => {
  const out: number[][] = [];
  const n = G_ROWS.length;
  for (let i = 0; i < n; i++) {
    out.push([i]);
    for (let j = i + 1; j < n; j++) {
      out.push([i, j]);
      for (let l = j + 1; l < n; l++) out.push([i, j, l]);
    }
  }
  return out;
})();

export interface InnerResult {
  a: number;
  c: number;
  d: number;
  /** Weighted sum of squared residuals. */
  sse: number;
}

/**
 * For fixed (m, σ): the weighted least-squares (a, c, d) on the Zeliade polytope, exactly (the
 * optimum of a convex QP lies in the relative interior of one face: every face with at most three
 * active constraints is tried and the best feasible equality-constrained optimum kept).
 */
export function sviInnerFit(
  k: ArrayLike<number>,
  w: ArrayLike<number>,
  weights: ArrayLike<number>,
  m: number,
  sigma: number,
  aMin: number,
  aMax: number,
): InnerResult {
  // normal equations H z = q for z = (a, c, d), basis (1, √(y²+1), y)
  const H = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const q = [0, 0, 0];
  let ww = 0;
  for (let i = 0; i < k.length; i++) {
    const y = (k[i] - m) / sigma;
    const f = [1, Math.sqrt(y * y + 1), y];
    const wi = weights[i] * weights[i];
    for (let r = 0; r < 3; r++) {
      q[r] += wi * f[r] * w[i];
      for (let c = 0; c < 3; c++) H[r][c] += wi * f[r] * f[c];
    }
    ww += wi * w[i] * w[i];
  }
  const h = [0, 0, 4 * sigma, 4 * sigma, aMax, -aMin];
  const feasible = (z: number[]) =>
    G_ROWS.every((g, i) => g[0] * z[0] + g[1] * z[1] + g[2] * z[2] <= h[i] + 1e-12);
  // sse(z) = zᵀHz − 2qᵀz + Σ w_i² w_i²
  const sse = (z: number[]) => {
    let s = ww;
    for (let r = 0; r < 3; r++) {
      s -= 2 * q[r] * z[r];
      for (let c = 0; c < 3; c++) s += z[r] * H[r][c] * z[c];
    }
    return Math.max(s, 0);
  };
  let best: number[] | null = null;
  let bestS = Infinity;
  const free = solveDense(H, q);
  if (free && feasible(free)) {
    best = free;
    bestS = sse(free);
  } else {
    for (const S of SUBSETS) {
      const n = 3 + S.length;
      const M: number[][] = [];
      const v: number[] = [];
      for (let r = 0; r < 3; r++) {
        M.push([...H[r], ...S.map((s) => G_ROWS[s][r])]);
        v.push(q[r]);
      }
      for (const s of S) {
        M.push([...G_ROWS[s], ...new Array<number>(S.length).fill(0)]);
        v.push(h[s]);
      }
      const z = solveDense(M, v);
      if (!z || z.length !== n) continue;
      const x = z.slice(0, 3);
      if (!x.every(Number.isFinite) || !feasible(x)) continue;
      const s = sse(x);
      if (s < bestS) {
        bestS = s;
        best = x;
      }
    }
  }
  if (!best) return { a: 0, c: 0, d: 0, sse: Infinity };
  return { a: best[0], c: best[1], d: best[2], sse: bestS };
}

export interface SviFitOptions {
  /** Lower bound on a (default −max w: SVI smiles of short crypto expiries need a < 0). */
  aMin?: number;
  /** Bounds on σ (default [1e-4, 2]). */
  sigmaMin?: number;
  sigmaMax?: number;
  /** Refine all five parameters on vol residuals with Levenberg–Marquardt (default true). */
  polish?: boolean;
  /** Maturity, needed for the vol-residual polish. */
  t?: number;
  /** Vol-space weights for the polish (default: the w-space weights × 2σ_i T). */
  volWeights?: ArrayLike<number>;
}

export interface SviFit {
  params: SviParams;
  /** Weighted SSE in total variance of the quasi-explicit stage. */
  sse: number;
  evaluations: number;
  status: OptStatus;
}

const toParams = (m: number, sigma: number, r: InnerResult): SviParams => {
  const b = r.c / sigma;
  return { a: r.a, b, rho: r.c > 0 ? Math.max(-1, Math.min(1, r.d / r.c)) : 0, m, sigma };
};

/**
 * Quasi-explicit SVI fit of total variances w_i at log-moneyness k_i with weights (residuals are
 * weights_i·(w_model − w_i)).
 */
export function fitSviQuasiExplicit(
  k: ArrayLike<number>,
  w: ArrayLike<number>,
  weights: ArrayLike<number>,
  opts: SviFitOptions = {},
): SviFit {
  const n = k.length;
  let kMin = Infinity;
  let kMax = -Infinity;
  let wMax = 0;
  let iMin = 0;
  for (let i = 0; i < n; i++) {
    kMin = Math.min(kMin, k[i]);
    kMax = Math.max(kMax, k[i]);
    wMax = Math.max(wMax, w[i]);
    if (w[i] < w[iMin]) iMin = i;
  }
  const aMin = opts.aMin ?? -wMax;
  const sMin = opts.sigmaMin ?? 1e-4;
  const sMax = opts.sigmaMax ?? 2;
  const span = Math.max(kMax - kMin, 1e-3);
  const lower = [kMin - span, Math.log(sMin)];
  const upper = [kMax + span, Math.log(sMax)];
  const obj = (x: Float64Array) => sviInnerFit(k, w, weights, x[0], Math.exp(x[1]), aMin, wMax).sse;
  let best: { x: Float64Array; cost: number } | null = null;
  let evals = 0;
  let status: OptStatus = "max evaluations";
  const starts = [
    [k[iMin], Math.log(0.1 * span + 1e-3)],
    [k[iMin], Math.log(0.5 * span + 1e-3)],
    [0.5 * (kMin + kMax), Math.log(0.25 * span + 1e-3)],
  ];
  for (const s of starts) {
    const r = nelderMead(obj, s, {
      lower,
      upper,
      step: [0.1 * span, 0.5],
      maxEvaluations: 300,
      ftol: 1e-10,
      xtol: 1e-7,
    });
    evals += r.evaluations;
    if (!best || r.cost < best.cost) {
      best = r;
      status = r.status;
    }
  }
  const m = best!.x[0];
  const sigma = Math.exp(best!.x[1]);
  const inner = sviInnerFit(k, w, weights, m, sigma, aMin, wMax);
  let params = toParams(m, sigma, inner);
  let sse = inner.sse;
  if ((opts.polish ?? true) && opts.t && opts.t > 0) {
    const t = opts.t;
    const vol = Array.from(w, (wi) => Math.sqrt(Math.max(wi, 0) / t));
    const vw = opts.volWeights ?? Array.from(weights, (wt, i) => wt * 2 * vol[i] * t);
    const pol = polishSvi(k, vol, vw, t, params);
    evals += pol.evaluations;
    if (pol.improved) {
      params = pol.params;
      status = pol.status;
      sse = 0;
      for (let i = 0; i < n; i++) sse += (weights[i] * (sviW(params, k[i]) - w[i])) ** 2;
    }
  }
  return { params, sse, evaluations: evals, status };
}

/**
 * Levenberg–Marquardt on vol residuals v_i·(√(w(k_i)/T) − σ_i) over all five raw parameters with
 * the analytic Jacobian (bounds b ≥ 0, |ρ| < 1, σ > 0; no arbitrage constraint).
 */
export function polishSvi(
  k: ArrayLike<number>,
  vol: ArrayLike<number>,
  volWeights: ArrayLike<number>,
  t: number,
  start: SviParams,
): { params: SviParams; improved: boolean; evaluations: number; status: OptStatus } {
  const n = k.length;
  const FLOOR = 1e-12;
  const P = (x: Float64Array): SviParams => ({ a: x[0], b: x[1], rho: x[2], m: x[3], sigma: x[4] });
  const res = (x: Float64Array, out: Float64Array) => {
    const p = P(x);
    for (let i = 0; i < n; i++) {
      out[i] = volWeights[i] * (Math.sqrt(Math.max(sviW(p, k[i]), FLOOR) / t) - vol[i]);
    }
  };
  const jac = (x: Float64Array, _r: Float64Array, J: Float64Array) => {
    const [, b, rho, m, sigma] = x;
    const p = P(x);
    for (let i = 0; i < n; i++) {
      const w = sviW(p, k[i]);
      const dv = w > FLOOR ? volWeights[i] / (2 * Math.sqrt(w * t)) : 0;
      const y = k[i] - m;
      const r = Math.sqrt(y * y + sigma * sigma);
      J[i * 5] = dv;
      J[i * 5 + 1] = dv * (rho * y + r);
      J[i * 5 + 2] = dv * b * y;
      J[i * 5 + 3] = dv * b * (-rho - y / r);
      J[i * 5 + 4] = (dv * b * sigma) / r;
    }
  };
  const x0 = [start.a, start.b, start.rho, start.m, start.sigma];
  const r0 = new Float64Array(n);
  res(Float64Array.from(x0), r0);
  let c0 = 0;
  for (let i = 0; i < n; i++) c0 += r0[i] * r0[i];
  const out = levenbergMarquardt(res, x0, n, {
    jacobian: jac,
    lower: [-Infinity, 0, -0.9999, -Infinity, 1e-5],
    upper: [Infinity, Infinity, 0.9999, Infinity, Infinity],
    maxIterations: 100,
    ftol: 1e-10,
  });
  const params = P(out.x);
  const improved = 2 * out.cost < c0 && sviMinW(params) > 0;
  return { params, improved, evaluations: out.evaluations, status: out.status };
}
