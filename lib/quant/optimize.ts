/**
 * Small dense optimizers for calibration: Levenberg–Marquardt for bounded nonlinear least squares
 * and Nelder–Mead for derivative-free minimisation. Written here rather than taken from a package
 * (see docs/methodology-surface.md for the measured comparison); pure, deterministic.
 *
 * Levenberg–Marquardt (K. Levenberg 1944; D. Marquardt 1963; J. Moré, "The Levenberg–Marquardt
 * algorithm: implementation and theory", 1978): minimise ½‖r(x)‖² subject to lower ≤ x ≤ upper.
 * Each step solves (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr on the free variables (those not held at a bound by
 * a gradient pointing out of the box), projects x + δ onto the box, and accepts it when the cost
 * falls, updating λ from the gain ratio ϱ (H. B. Nielsen 1999: λ ← λ·max(1/3, 1 − (2ϱ − 1)³)),
 * otherwise rejects it and raises λ ← λ·ν, ν ← 2ν.
 * Analytic Jacobians are used when given, forward differences otherwise.
 *
 * Nelder–Mead (J. Nelder & R. Mead 1965) with the dimension-adaptive coefficients of F. Gao &
 * L. Han (2012), and bounds by projecting every trial point onto the box.
 */

export type OptStatus =
  | "converged: small cost change"
  | "converged: small step"
  | "converged: small gradient"
  | "converged: simplex size"
  | "max iterations"
  | "max evaluations"
  | "non-finite cost";

export interface OptResult {
  x: Float64Array;
  /** Final cost: ½‖r‖² for least squares, f(x) for Nelder–Mead. */
  cost: number;
  iterations: number;
  evaluations: number;
  status: OptStatus;
}

export function isConverged(status: OptStatus): boolean {
  return status.startsWith("converged");
}

/** r(x) written into `out` (length m). */
export type ResidualFn = (x: Float64Array, out: Float64Array) => void;
/** Jacobian ∂r_i/∂x_j written row-major into `out` (length m·n); `r` holds r(x). */
export type JacobianFn = (x: Float64Array, r: Float64Array, out: Float64Array) => void;

export interface LmOptions {
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  jacobian?: JacobianFn;
  maxIterations?: number;
  /** Stop when the relative cost decrease of an accepted step is below this. */
  ftol?: number;
  /** Stop when the step is below xtol·(‖x‖ + xtol). */
  xtol?: number;
  /** Stop when the projected gradient's max norm is below this. */
  gtol?: number;
  lambda0?: number;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function sumSq(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}

/** Forward-difference Jacobian that stays inside the box. */
export function finiteDifferenceJacobian(
  f: ResidualFn,
  m: number,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
): JacobianFn {
  const rp = new Float64Array(m);
  return (x, r, out) => {
    const n = x.length;
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      let h = 1.4901161193847656e-8 * Math.max(Math.abs(xj), 1);
      if (xj + h > upper[j]) h = -h;
      x[j] = xj + h;
      f(x, rp);
      x[j] = xj;
      for (let i = 0; i < m; i++) out[i * n + j] = (rp[i] - r[i]) / h;
    }
  };
}

/** Solves the symmetric positive definite system A x = b in place (Cholesky); false if not SPD. */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / ljj;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  return true;
}

/** Bounded Levenberg–Marquardt: minimises ½‖r(x)‖², r: ℝⁿ → ℝᵐ. */
export function levenbergMarquardt(
  f: ResidualFn,
  x0: ArrayLike<number>,
  m: number,
  opts: LmOptions = {},
): OptResult {
  const n = x0.length;
  const lower = opts.lower ?? new Array<number>(n).fill(-Infinity);
  const upper = opts.upper ?? new Array<number>(n).fill(Infinity);
  const maxIt = opts.maxIterations ?? 200;
  const ftol = opts.ftol ?? 1e-12;
  const xtol = opts.xtol ?? 1e-10;
  const gtol = opts.gtol ?? 1e-12;
  const jac = opts.jacobian ?? finiteDifferenceJacobian(f, m, lower, upper);
  const x = new Float64Array(n);
  for (let j = 0; j < n; j++) x[j] = clamp(x0[j], lower[j], upper[j]);
  const r = new Float64Array(m);
  const rTrial = new Float64Array(m);
  const xTrial = new Float64Array(n);
  const J = new Float64Array(m * n);
  const JtJ = new Float64Array(n * n);
  const g = new Float64Array(n);
  const free = new Int32Array(n);
  const A = new Float64Array(n * n);
  const rhs = new Float64Array(n);
  f(x, r);
  let evals = 1;
  let cost = 0.5 * sumSq(r);
  if (!Number.isFinite(cost)) {
    return { x, cost, iterations: 0, evaluations: evals, status: "non-finite cost" };
  }
  let lambda = opts.lambda0 ?? 1e-3;
  let nu = 2;
  let status: OptStatus = "max iterations";
  let it = 0;
  let needJ = true;
  for (; it < maxIt; it++) {
    if (needJ) {
      jac(x, r, J);
      evals += opts.jacobian ? 0 : n;
      JtJ.fill(0);
      g.fill(0);
      for (let i = 0; i < m; i++) {
        const ri = r[i];
        const row = i * n;
        for (let j = 0; j < n; j++) {
          const Jij = J[row + j];
          if (Jij === 0) continue;
          g[j] += Jij * ri;
          for (let k = 0; k <= j; k++) JtJ[j * n + k] += Jij * J[row + k];
        }
      }
      for (let j = 0; j < n; j++) for (let k = 0; k < j; k++) JtJ[k * n + j] = JtJ[j * n + k];
      needJ = false;
    }
    // free variables: not pinned at a bound by a gradient pointing outwards
    let nf = 0;
    let gmax = 0;
    for (let j = 0; j < n; j++) {
      const pinned = (x[j] <= lower[j] && g[j] > 0) || (x[j] >= upper[j] && g[j] < 0);
      if (!pinned) {
        free[nf++] = j;
        gmax = Math.max(gmax, Math.abs(g[j]));
      }
    }
    if (nf === 0 || gmax <= gtol * Math.max(1, cost)) {
      status = "converged: small gradient";
      break;
    }
    for (let a = 0; a < nf; a++) {
      const ja = free[a];
      for (let b = 0; b < nf; b++) A[a * nf + b] = JtJ[ja * n + free[b]];
      const d = JtJ[ja * n + ja];
      A[a * nf + a] = d + lambda * Math.max(d, 1e-12);
      rhs[a] = -g[ja];
    }
    if (!choleskySolve(A, rhs, nf)) {
      lambda *= nu;
      nu *= 2;
      continue;
    }
    xTrial.set(x);
    let stepNorm = 0;
    let xNorm = 0;
    for (let a = 0; a < nf; a++) {
      const j = free[a];
      xTrial[j] = clamp(x[j] + rhs[a], lower[j], upper[j]);
    }
    for (let j = 0; j < n; j++) {
      stepNorm += (xTrial[j] - x[j]) ** 2;
      xNorm += x[j] * x[j];
    }
    stepNorm = Math.sqrt(stepNorm);
    xNorm = Math.sqrt(xNorm);
    f(xTrial, rTrial);
    evals++;
    const costTrial = 0.5 * sumSq(rTrial);
    // predicted decrease of the (projected) step under the linear model
    let pred = 0;
    for (let a = 0; a < nf; a++) {
      const j = free[a];
      const dj = xTrial[j] - x[j];
      pred -= g[j] * dj;
      let q = 0;
      for (let b = 0; b < nf; b++) q += JtJ[j * n + free[b]] * (xTrial[free[b]] - x[free[b]]);
      pred -= 0.5 * dj * q;
    }
    if (Number.isFinite(costTrial) && costTrial < cost) {
      const rho = pred > 0 ? (cost - costTrial) / pred : 1;
      const rel = (cost - costTrial) / Math.max(cost, 1e-300);
      x.set(xTrial);
      r.set(rTrial);
      cost = costTrial;
      needJ = true;
      lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
      nu = 2;
      if (rel < ftol || cost === 0) {
        status = "converged: small cost change";
        it++;
        break;
      }
      if (stepNorm <= xtol * (xNorm + xtol)) {
        status = "converged: small step";
        it++;
        break;
      }
    } else {
      if (stepNorm <= xtol * (xNorm + xtol)) {
        status = "converged: small step";
        break;
      }
      lambda *= nu;
      nu *= 2;
      if (lambda > 1e16) {
        status = "converged: small step";
        break;
      }
    }
  }
  return { x, cost, iterations: it, evaluations: evals, status };
}

export interface NelderMeadOptions {
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  /** Initial simplex edge per coordinate (default 5 % of |x0| or 0.05). */
  step?: ArrayLike<number>;
  maxEvaluations?: number;
  /** Stop when the spread of f over the simplex is below ftol·(|f_best| + ftol)… */
  ftol?: number;
  /** …and the simplex diameter below xtol. */
  xtol?: number;
}

/** Nelder–Mead minimisation of f over the box [lower, upper] (trial points projected). */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  opts: NelderMeadOptions = {},
): OptResult {
  const n = x0.length;
  const lower = opts.lower ?? new Array<number>(n).fill(-Infinity);
  const upper = opts.upper ?? new Array<number>(n).fill(Infinity);
  const maxEval = opts.maxEvaluations ?? 400 * n;
  const ftol = opts.ftol ?? 1e-12;
  const xtol = opts.xtol ?? 1e-10;
  // Gao & Han (2012) adaptive coefficients
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;
  const pts: Float64Array[] = [];
  const fv: number[] = [];
  let evals = 0;
  const evalAt = (p: Float64Array): number => {
    for (let j = 0; j < n; j++) p[j] = clamp(p[j], lower[j], upper[j]);
    evals++;
    const v = f(p);
    return Number.isNaN(v) ? Infinity : v;
  };
  for (let i = 0; i <= n; i++) {
    const p = new Float64Array(n);
    for (let j = 0; j < n; j++) p[j] = x0[j];
    if (i > 0) {
      const j = i - 1;
      const s = opts.step ? opts.step[j] : x0[j] !== 0 ? 0.05 * Math.abs(x0[j]) : 0.05;
      p[j] = p[j] + s > upper[j] ? p[j] - s : p[j] + s;
    }
    pts.push(p);
    fv.push(evalAt(p));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Float64Array(n);
  const xr = new Float64Array(n);
  const xe = new Float64Array(n);
  const xc = new Float64Array(n);
  let it = 0;
  let status: OptStatus = "max evaluations";
  while (evals < maxEval) {
    it++;
    order.sort((a, b) => fv[a] - fv[b]);
    const best = order[0];
    const worst = order[n];
    const second = order[n - 1];
    let diam = 0;
    for (let i = 1; i <= n; i++) {
      for (let j = 0; j < n; j++) diam = Math.max(diam, Math.abs(pts[order[i]][j] - pts[best][j]));
    }
    const spread = fv[worst] - fv[best];
    if (spread <= ftol * (Math.abs(fv[best]) + ftol) && diam <= xtol) {
      status = "converged: simplex size";
      break;
    }
    if (diam <= 1e-15 * (1 + Math.abs(pts[best][0]))) {
      status = "converged: simplex size";
      break;
    }
    centroid.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j] += pts[order[i]][j] / n;
    for (let j = 0; j < n; j++) xr[j] = centroid[j] + alpha * (centroid[j] - pts[worst][j]);
    const fr = evalAt(xr);
    if (fr < fv[best]) {
      for (let j = 0; j < n; j++) xe[j] = centroid[j] + beta * (xr[j] - centroid[j]);
      const fe = evalAt(xe);
      if (fe < fr) {
        pts[worst].set(xe);
        fv[worst] = fe;
      } else {
        pts[worst].set(xr);
        fv[worst] = fr;
      }
      continue;
    }
    if (fr < fv[second]) {
      pts[worst].set(xr);
      fv[worst] = fr;
      continue;
    }
    const outside = fr < fv[worst];
    for (let j = 0; j < n; j++) {
      xc[j] = outside
        ? centroid[j] + gamma * (xr[j] - centroid[j])
        : centroid[j] - gamma * (centroid[j] - pts[worst][j]);
    }
    const fc = evalAt(xc);
    if (fc < (outside ? fr : fv[worst])) {
      pts[worst].set(xc);
      fv[worst] = fc;
      continue;
    }
    // shrink towards the best point
    for (let i = 1; i <= n; i++) {
      const p = pts[order[i]];
      for (let j = 0; j < n; j++) p[j] = pts[best][j] + delta * (p[j] - pts[best][j]);
      fv[order[i]] = evalAt(p);
    }
  }
  let bi = 0;
  for (let i = 1; i <= n; i++) if (fv[i] < fv[bi]) bi = i;
  return {
    x: Float64Array.from(pts[bi]),
    cost: fv[bi],
    iterations: it,
    evaluations: evals,
    status: Number.isFinite(fv[bi]) ? status : "non-finite cost",
  };
}
