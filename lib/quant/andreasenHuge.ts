/**
 * Arbitrage-free volatility interpolation by one-step implicit finite differences: J. Andreasen &
 * B. Huge, "Volatility interpolation", Risk (March 2011) 76-79.
 *
 * Work in forward-normalised terms, x = K/F_T, c(x, T) = C(K, T)/F_T (rate 0, deterministic
 * forward), so that every expiry shares one strike grid and Dupire's equation reads
 * ∂c/∂T = ½σ²(x, T)x²∂²c/∂x². Between consecutive expiries T_{i−1} < T_i the local vol is a
 * function of strike only, σ_i(x), and one implicit Euler step (or `substeps` equal steps) of size
 * Δt = T_i − T_{i−1} maps the previous slice to the next:
 *     (I − ½Δt σ_i² x² D_xx) c_i = c_{i−1},   c_0 = (1 − x)⁺,
 * D_xx the three-point second difference on the non-uniform grid, c = 1 − x and c = 0 at the ends.
 * The matrix is an M-matrix, so (their argument) by induction every c_i is discretely convex in x
 * (no butterfly arbitrage) and c_i ≥ c_{i−1} (no calendar arbitrage) — on the grid, exactly, and
 * for the piecewise-linear interpolant in x between nodes and in T (an implicit step of size
 * t − T_{i−1} < Δt with σ_i). σ_i is piecewise linear in k = ln x through a few nodes and beyond
 * them flat or growing as √(k/k_edge) up to a cap (see hatWeights); its log-values are fitted per interval by Levenberg–Marquardt with the analytic
 * Jacobian (forward-mode through the tridiagonal solves), shortest expiry first.
 *
 * Numerically the scheme is written for the time value q = c − (1 − x)⁺, which equals the
 * normalised out-of-the-money option price: then the right-hand side is non-negative, the Thomas
 * algorithm on the M-matrix only adds non-negative terms, and wing prices of 1e-30 keep their
 * relative accuracy (no 1 − x cancellation).
 */
import { levenbergMarquardt, type OptStatus } from "./optimize";

export interface AhGrid {
  /** Log-moneyness nodes, ascending, with k = 0 among them. */
  k: Float64Array;
  x: Float64Array;
  /** Index of the k = 0 node. */
  atm: number;
  /** 1/h_left, 1/h_right and x²/(h_left + h_right) per node (interior nodes). */
  ihl: Float64Array;
  ihr: Float64Array;
  geo: Float64Array;
}

export interface GridOptions {
  /** Grid spans k ∈ [−range, range]. */
  range: number;
  /** Spacing at the money. */
  h0?: number;
  /** Largest spacing for |k| ≤ 1.5 and beyond. */
  hInner?: number;
  hOuter?: number;
}

/** Builds the strike grid: a graded grid around k = 0 plus the given nodes (quote strikes). */
export function buildGrid(extraK: ArrayLike<number>, opts: GridOptions): AhGrid {
  const h0 = opts.h0 ?? 0.004;
  const hIn = opts.hInner ?? 0.02;
  const hOut = opts.hOuter ?? 0.1;
  const L = opts.range;
  const spacing = (k: number) =>
    Math.min(h0 * Math.sqrt(1 + (k / 0.1) ** 2), Math.abs(k) <= 1.5 ? hIn : hOut);
  const base: number[] = [0];
  for (let k = 0; k < L;) {
    k = Math.min(k + spacing(k), L);
    base.push(k);
  }
  for (let k = 0; k > -L;) {
    k = Math.max(k - spacing(k), -L);
    base.push(k);
  }
  const extra = Array.from(extraK).filter((k) => Math.abs(k) < L - 1e-9);
  const all = [...base, ...extra].sort((a, b) => a - b);
  const ks: number[] = [];
  const isExtra = new Set(extra);
  for (const k of all) {
    const last = ks[ks.length - 1];
    if (ks.length && k - last < 1e-7) {
      // keep a quote node (or 0) over a generated one
      if (isExtra.has(k) && last !== 0) ks[ks.length - 1] = k;
      continue;
    }
    ks.push(k);
  }
  return gridFromK(ks);
}

/**
 * The grid on given ascending nodes (which must include k = 0): how a stored grid is rebuilt to
 * evaluate and check a stored surface.
 */
export function gridFromK(ks: ArrayLike<number>): AhGrid {
  const n = ks.length;
  const k = Float64Array.from(ks);
  const x = k.map(Math.exp);
  const ihl = new Float64Array(n);
  const ihr = new Float64Array(n);
  const geo = new Float64Array(n);
  for (let j = 1; j < n - 1; j++) {
    const hl = x[j] - x[j - 1];
    const hr = x[j + 1] - x[j];
    ihl[j] = 1 / hl;
    ihr[j] = 1 / hr;
    geo[j] = (x[j] * x[j]) / (hl + hr);
  }
  return { k, x, atm: k.indexOf(0), ihl, ihr, geo };
}

/** Index of the node equal to k (nearest node). */
export function nodeIndex(grid: AhGrid, k: number): number {
  let lo = 0;
  let hi = grid.k.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid.k[mid] <= k) lo = mid;
    else hi = mid;
  }
  return Math.abs(grid.k[lo] - k) <= Math.abs(grid.k[hi] - k) ? lo : hi;
}

/** Tridiagonal system of one implicit step, factorised once and reused for several right sides. */
export class ImplicitStep {
  readonly n: number;
  private lo: Float64Array;
  private cp: Float64Array;
  private md: Float64Array;
  /** α_j = Δt σ_j² x_j²/(h_l + h_r). */
  readonly alpha: Float64Array;

  constructor(private readonly grid: AhGrid) {
    this.n = grid.k.length;
    this.lo = new Float64Array(this.n);
    this.cp = new Float64Array(this.n);
    this.md = new Float64Array(this.n);
    this.alpha = new Float64Array(this.n);
  }

  /** Sets α from local vols per node and the step size, and factorises. */
  factor(sigma: ArrayLike<number>, dt: number): void {
    const { ihl, ihr, geo } = this.grid;
    const n = this.n;
    const { lo, cp, md, alpha } = this;
    cp[0] = 0;
    md[0] = 1;
    for (let j = 1; j < n - 1; j++) {
      const a = dt * sigma[j] * sigma[j] * geo[j];
      alpha[j] = a;
      const l = -a * ihl[j];
      const u = -a * ihr[j];
      const d = 1 + a * (ihl[j] + ihr[j]);
      const m = d - l * cp[j - 1];
      lo[j] = l;
      md[j] = m;
      cp[j] = u / m;
    }
    alpha[0] = alpha[n - 1] = 0;
  }

  /** Solves A out = rhs with q = 0 at both ends (rhs and out may alias). */
  solve(rhs: Float64Array, out: Float64Array): void {
    const n = this.n;
    const { lo, cp, md } = this;
    out[0] = 0;
    for (let j = 1; j < n - 1; j++) out[j] = (rhs[j] - lo[j] * out[j - 1]) / md[j];
    out[n - 1] = 0;
    for (let j = n - 2; j >= 1; j--) out[j] -= cp[j] * out[j + 1];
  }

  /** One step of the time value: A q_new = q_old + α·D²(1 − x)⁺ (non-zero at the ATM node only). */
  stepTimeValue(qOld: Float64Array, qNew: Float64Array): void {
    qNew.set(qOld);
    qNew[this.grid.atm] += this.alpha[this.grid.atm];
    this.solve(qNew, qNew);
  }
}

/** x-second difference (without the 2/(h_l + h_r) factor) of c = q + (1 − x)⁺ at node j. */
function lapC(grid: AhGrid, q: Float64Array, j: number): number {
  const v = (q[j + 1] - q[j]) * grid.ihr[j] - (q[j] - q[j - 1]) * grid.ihl[j];
  return j === grid.atm ? v + 1 : v;
}

/**
 * Piecewise-linear (in k) interpolation weights of parameter nodes at every grid node, and beyond
 * the outer nodes a fixed growth factor g of the outer node's σ (1 = flat).
 */
export interface Hat {
  left: Int32Array;
  w: Float64Array;
  /** σ_j = g_j·(interpolated σ); absent = all 1. */
  g?: Float64Array;
}

export interface HatOptions {
  /**
   * Beyond the outermost node k_e, σ(k) = σ(k_e)·min(cap, √(k/k_e)): local variance linear in k,
   * the short-expiry local vol of a total variance linear in k (Lee's wing, via the harmonic-mean
   * relation of H. Berestycki, J. Busca & I. Florent, Quant. Finance 2 (2002) 61-69). 1 = flat.
   */
  wingCap?: number;
}

export function hatWeights(grid: AhGrid, nodes: ArrayLike<number>, opts: HatOptions = {}): Hat {
  const n = grid.k.length;
  const P = nodes.length;
  const left = new Int32Array(n);
  const w = new Float64Array(n);
  const cap = P >= 2 ? (opts.wingCap ?? 1) : 1;
  const g = cap > 1 ? new Float64Array(n).fill(1) : undefined;
  let p = 0;
  for (let j = 0; j < n; j++) {
    const k = grid.k[j];
    if (P === 1 || k <= nodes[0]) {
      left[j] = 0;
      w[j] = 0;
      if (g && nodes[0] < 0 && k < nodes[0]) g[j] = Math.min(cap, Math.sqrt(k / nodes[0]));
      continue;
    }
    if (k >= nodes[P - 1]) {
      left[j] = P - 2;
      w[j] = 1;
      if (g && nodes[P - 1] > 0) g[j] = Math.min(cap, Math.sqrt(k / nodes[P - 1]));
      continue;
    }
    while (p < P - 2 && k >= nodes[p + 1]) p++;
    left[j] = p;
    w[j] = (k - nodes[p]) / (nodes[p + 1] - nodes[p]);
  }
  return g ? { left, w, g } : { left, w };
}

function sigmaAt(hat: Hat, s: ArrayLike<number>, out: Float64Array): void {
  for (let j = 0; j < out.length; j++) {
    const l = hat.left[j];
    const w = hat.w[j];
    const v = w === 0 ? s[l] : (1 - w) * s[l] + w * s[l + 1];
    out[j] = hat.g ? hat.g[j] * v : v;
  }
}

/** Time values after `substeps` implicit steps of total size dt from q0 with local vols s. */
export function propagate(
  grid: AhGrid,
  hat: Hat,
  s: ArrayLike<number>,
  q0: Float64Array,
  dt: number,
  substeps: number,
): Float64Array {
  const n = grid.k.length;
  const sig = new Float64Array(n);
  sigmaAt(hat, s, sig);
  const st = new ImplicitStep(grid);
  st.factor(sig, dt / substeps);
  let q = Float64Array.from(q0);
  for (let i = 0; i < substeps; i++) {
    const next = new Float64Array(n);
    st.stepTimeValue(q, next);
    q = next;
  }
  return q;
}

export interface AhIntervalTarget {
  /** Step size T_i − T_{i−1}. */
  dt: number;
  /** Grid node of each quote, target normalised OTM price, vega (normalised, per unit vol). */
  nodes: Int32Array;
  price: Float64Array;
  vega: Float64Array;
  /** Residual weight of each quote (applied to the vega-scaled price error, i.e. vol error). */
  weight: Float64Array;
  /** Local-vol parameter nodes (k) and start values. */
  paramK: Float64Array;
  start: Float64Array;
  /** Weight of the second-difference smoothness penalty on ln σ. */
  smooth: number;
  substeps: number;
  /** Use forward differences instead of the analytic Jacobian (for the optimizer comparison). */
  finiteDifference?: boolean;
  /** How σ continues beyond the outer parameter nodes (see hatWeights). */
  hat?: HatOptions;
}

export interface AhIntervalFit {
  localVol: Float64Array;
  q: Float64Array;
  status: OptStatus;
  iterations: number;
  evaluations: number;
}

const LN_SIG_MIN = Math.log(0.01);
const LN_SIG_MAX = Math.log(8);

/** Fits one interval's local vols (in ln σ) so that the propagated slice matches the quotes. */
export function fitInterval(grid: AhGrid, q0: Float64Array, tg: AhIntervalTarget): AhIntervalFit {
  const n = grid.k.length;
  const P = tg.paramK.length;
  const nq = tg.nodes.length;
  const nSmooth = P >= 3 ? P - 2 : 0;
  const m = nq + nSmooth;
  const S = tg.substeps;
  const hat = hatWeights(grid, tg.paramK, tg.hat);
  const sig = new Float64Array(n);
  const step = new ImplicitStep(grid);
  // forward states q^0..q^S of the last evaluation
  const states = Array.from({ length: S + 1 }, () => new Float64Array(n));
  states[0].set(q0);
  const s = new Float64Array(P);
  let cached: Float64Array | null = null;
  const forward = (x: Float64Array) => {
    for (let p = 0; p < P; p++) s[p] = Math.exp(x[p]);
    sigmaAt(hat, s, sig);
    step.factor(sig, tg.dt / S);
    for (let i = 0; i < S; i++) step.stepTimeValue(states[i], states[i + 1]);
    cached = Float64Array.from(x);
  };
  const same = (x: Float64Array) => {
    if (!cached) return false;
    for (let p = 0; p < P; p++) if (cached[p] !== x[p]) return false;
    return true;
  };
  const res = (x: Float64Array, out: Float64Array) => {
    forward(x);
    const q = states[S];
    for (let i = 0; i < nq; i++) {
      out[i] = (tg.weight[i] * (q[tg.nodes[i]] - tg.price[i])) / tg.vega[i];
    }
    for (let p = 0; p < nSmooth; p++) out[nq + p] = tg.smooth * (x[p] - 2 * x[p + 1] + x[p + 2]);
  };
  const dq = new Float64Array(n);
  const rhs = new Float64Array(n);
  const dqs = Array.from({ length: P }, () => new Float64Array(n));
  const jac = (x: Float64Array, _r: Float64Array, J: Float64Array) => {
    if (!same(x)) forward(x);
    for (const d of dqs) d.fill(0);
    const alpha = step.alpha;
    for (let i = 0; i < S; i++) {
      const qn = states[i + 1];
      for (let p = 0; p < P; p++) {
        // A dq_new = dq_old + dα ∘ L(c_new), dα_j = 2α_j·hat_p(k_j)·s_p/σ_j
        const d = dqs[p];
        rhs.set(d);
        for (let j = 1; j < n - 1; j++) {
          const l = hat.left[j];
          const w = hat.w[j];
          let h = 0;
          if (l === p) h = w === 0 ? 1 : 1 - w;
          else if (l + 1 === p) h = w;
          if (h === 0) continue;
          if (hat.g) h *= hat.g[j];
          rhs[j] += ((2 * alpha[j] * h * s[p]) / sig[j]) * lapC(grid, qn, j);
        }
        step.solve(rhs, dq);
        d.set(dq);
      }
    }
    J.fill(0);
    for (let i = 0; i < nq; i++) {
      const f = tg.weight[i] / tg.vega[i];
      for (let p = 0; p < P; p++) J[i * P + p] = f * dqs[p][tg.nodes[i]];
    }
    for (let p = 0; p < nSmooth; p++) {
      J[(nq + p) * P + p] = tg.smooth;
      J[(nq + p) * P + p + 1] = -2 * tg.smooth;
      J[(nq + p) * P + p + 2] = tg.smooth;
    }
  };
  const x0 = Array.from(tg.start, (v) => Math.min(LN_SIG_MAX, Math.max(LN_SIG_MIN, Math.log(v))));
  const r = levenbergMarquardt(res, x0, m, {
    jacobian: tg.finiteDifference ? undefined : jac,
    lower: new Array<number>(P).fill(LN_SIG_MIN),
    upper: new Array<number>(P).fill(LN_SIG_MAX),
    maxIterations: 60,
    ftol: 1e-8,
    xtol: 1e-8,
  });
  if (!same(r.x)) forward(r.x);
  return {
    localVol: Float64Array.from(r.x, Math.exp),
    q: Float64Array.from(states[S]),
    status: r.status,
    iterations: r.iterations,
    evaluations: r.evaluations,
  };
}

/** Discrete butterfly check of a slice: nodes (within kLo..kHi) where ∂²c/∂x² < −tol. */
export function gridButterflyViolations(
  grid: AhGrid,
  q: Float64Array,
  kLo = -Infinity,
  kHi = Infinity,
): number {
  let v = 0;
  for (let j = 1; j < grid.k.length - 1; j++) {
    if (grid.k[j] < kLo || grid.k[j] > kHi) continue;
    // jump of the slope dc/dx at node j, relative to the scale of the slopes involved
    const jump = lapC(grid, q, j);
    if (jump < -1e-12 || !(q[j] >= 0)) v++;
  }
  return v;
}

/** Nodes (within kLo..kHi) where the later slice is below the earlier one. */
export function gridCalendarViolations(
  grid: AhGrid,
  q1: Float64Array,
  q2: Float64Array,
  kLo = -Infinity,
  kHi = Infinity,
): number {
  let v = 0;
  for (let j = 0; j < grid.k.length; j++) {
    if (grid.k[j] < kLo || grid.k[j] > kHi) continue;
    if (q2[j] < q1[j] * (1 - 1e-12) - 1e-300) v++;
  }
  return v;
}

/** Normalised OTM price at k by linear interpolation of c in x (arbitrage-free between nodes). */
export function interpolateOtm(grid: AhGrid, q: Float64Array, k: number): number {
  const n = grid.k.length;
  if (k <= grid.k[0] || k >= grid.k[n - 1]) return 0;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid.k[mid] <= k) lo = mid;
    else hi = mid;
  }
  const x = Math.exp(k);
  const w = (x - grid.x[lo]) / (grid.x[hi] - grid.x[lo]);
  // c is linear in x between nodes, and so is (1 − x)⁺ unless the segment straddles x = 1, which
  // it cannot (x = 1 is a node): interpolating q is interpolating c
  return (1 - w) * q[lo] + w * q[hi];
}

/**
 * Dupire's local variance of the scheme itself, σ²_D = ∂_t c / (½x²∂²c/∂x²), on the grid nodes at
 * τ ∈ (0, Δt] into an interval that starts from the time values q0 with local vols s (the
 * surface between and at expiries is q(τ) = (I − (τ/S)L)^{−S}q0, L = ½σ²x²D_xx, S substeps).
 * Differentiating, ∂q/∂τ = (I − (τ/S)L)^{−1}L c(τ) exactly (L commutes with the resolvent), so
 *   σ²_D = (I − (τ/S)L)^{−1}[σ² g] / g,   g = ½x²D_xx c(τ),
 * one more tridiagonal solve: this is the continuous-time Markov (local-vol) diffusion whose
 * marginals are the published surface's at every t (B. Dupire, "Pricing with a smile", Risk 7
 * (1994) 18-20), not the scheme's step vol σ, which differs (an implicit step of size Δt is the
 * diffusion run for an exponentially distributed time of mean Δt). Where g is negligible (far
 * wings, boundaries) σ² is returned.
 */
export function dupireLocalVarianceOnGrid(
  grid: AhGrid,
  hat: Hat,
  s: ArrayLike<number>,
  q0: Float64Array,
  tau: number,
  substeps: number,
): Float64Array {
  const n = grid.k.length;
  const q = propagate(grid, hat, s, q0, tau, substeps);
  const sig = new Float64Array(n);
  sigmaAt(hat, s, sig);
  const g = new Float64Array(n);
  const rhs = new Float64Array(n);
  let gMax = 0;
  for (let j = 1; j < n - 1; j++) {
    g[j] = grid.geo[j] * lapC(grid, q, j);
    rhs[j] = sig[j] * sig[j] * g[j];
    if (g[j] > gMax) gMax = g[j];
  }
  const st = new ImplicitStep(grid);
  st.factor(sig, tau / substeps);
  const dq = new Float64Array(n);
  st.solve(rhs, dq);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const v = g[j] > 1e-13 * gMax ? dq[j] / g[j] : sig[j] * sig[j];
    out[j] = Number.isFinite(v) && v > 0 ? v : sig[j] * sig[j];
  }
  return out;
}
