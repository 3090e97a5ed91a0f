/**
 * Calibrated model parameters through time: a Kalman filter (R. E. Kalman, "A new approach to
 * linear filtering and prediction problems", 1960) over the parameter vectors of successive
 * calibrations, and the calibration covariance that serves as its measurement noise.
 *
 * State x_t = the "true" parameters, a random walk: x_t = x_{t−1} + w_t, w_t ~ N(0, Q).
 * Measurement z_t = x_t + ε_t, ε_t ~ N(0, R_t), with R_t the calibration's own covariance
 * (JᵀJ)⁻¹σ̂² at step t (see `leastSquaresCovariance`), so a poorly identified fit moves the
 * filtered state little. Missing steps (z_t = null) are predicted only.
 * Recursions (e.g. A. Harvey, "Forecasting, structural time series models and the Kalman filter",
 * 1989, §3.2; J. Durbin & S. J. Koopman, "Time series analysis by state space methods", §4.3):
 *   predict  P⁻ = P + Q;                         (x⁻ = x)
 *   innovate v = z − x⁻,  S = P⁻ + R;
 *   update   K = P⁻ S⁻¹,  x = x⁻ + K v,  P = (I − K) P⁻ (I − K)ᵀ + K R Kᵀ (Joseph form, stays SPD).
 * Standardized innovations: e = L⁻¹ v with S = L Lᵀ (Cholesky), i.i.d. N(0, I) when the model is
 * right; they feed the change-point rule of ./changePoint.
 * Pure; matrices are row-major number[][] at the interface.
 */

export type Matrix = number[][];

/** Cholesky factor L (lower, S = L Lᵀ) of a symmetric positive definite matrix; null if not SPD. */
export function cholesky(a: Matrix): Matrix | null {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let d = a[j][j];
    for (let k = 0; k < j; k++) d -= l[j][k] * l[j][k];
    if (!(d > 0)) return null;
    l[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      l[i][j] = s / l[j][j];
    }
  }
  return l;
}

/** Inverse of a symmetric positive definite matrix by its Cholesky factor; null if not SPD. */
export function invertSpd(a: Matrix): Matrix | null {
  const n = a.length;
  const l = cholesky(a);
  if (!l) return null;
  const inv: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const y = new Array<number>(n);
  for (let c = 0; c < n; c++) {
    // L y = e_c, then Lᵀ x = y
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i][k] * y[k];
      y[i] = s / l[i][i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i];
      for (let k = i + 1; k < n; k++) s -= l[k][i] * inv[k][c];
      inv[i][c] = s / l[i][i];
    }
  }
  // symmetrise the round-off
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) inv[i][j] = inv[j][i] = 0.5 * (inv[i][j] + inv[j][i]);
  }
  return inv;
}

/**
 * Covariance of nonlinear least-squares estimates, (JᵀJ)⁻¹σ̂² with σ̂² = ‖r‖²/(m − n), from the
 * Jacobian J (m×n, row-major, at the optimum) and the residuals r (length m). Null when m ≤ n or
 * JᵀJ is singular (a parameter not identified by the data).
 */
export function leastSquaresCovariance(
  jacobian: ArrayLike<number>,
  residuals: ArrayLike<number>,
  m: number,
  n: number,
): Matrix | null {
  if (m <= n) return null;
  const jtj: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < n; a++) {
      const ja = jacobian[i * n + a];
      for (let b = 0; b <= a; b++) jtj[a][b] += ja * jacobian[i * n + b];
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) jtj[b][a] = jtj[a][b];
  const inv = invertSpd(jtj);
  if (!inv) return null;
  let rss = 0;
  for (let i = 0; i < m; i++) rss += residuals[i] * residuals[i];
  const s2 = rss / (m - n);
  return inv.map((row) => row.map((v) => v * s2));
}

export interface KalmanOptions {
  /** Prior state and covariance (both or neither); default: the first measurement and its
   *  covariance start the filter (no innovation is reported for that step). */
  x0?: number[];
  p0?: Matrix;
  /** Process noise Q of the random walk per step (n×n). */
  q: Matrix;
}

export interface KalmanStep {
  /** Filtered state and covariance after step t. */
  x: number[];
  p: Matrix;
  /** Innovation z − x⁻ and its covariance S; null for a missing measurement. */
  innovation: number[] | null;
  innovationCov: Matrix | null;
  /** L⁻¹v with S = LLᵀ: N(0, I) under the model; null for a missing measurement. */
  standardized: number[] | null;
}

const add = (a: Matrix, b: Matrix): Matrix => a.map((r, i) => r.map((v, j) => v + b[i][j]));
const matmul = (a: Matrix, b: Matrix): Matrix =>
  a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: Matrix): Matrix => a[0].map((_, j) => a.map((r) => r[j]));

/**
 * Kalman filter over parameter vectors `z` (one per step, or null when the calibration failed)
 * with measurement covariances `r` (same length; the calibrations' covariances).
 * Throws on shape errors or a non-SPD innovation covariance.
 */
export function kalmanFilter(
  z: Array<number[] | null>,
  r: Array<Matrix | null>,
  opts: KalmanOptions,
): KalmanStep[] {
  if (z.length !== r.length) throw new Error("kalmanFilter: z and r differ in length");
  const first = z.findIndex((v) => v !== null);
  const n = opts.x0?.length ?? (first >= 0 ? z[first]!.length : opts.q.length);
  if (opts.q.length !== n) throw new Error("kalmanFilter: Q has the wrong size");
  // a prior needs both x0 and p0; otherwise the first measurement starts the filter
  let x: number[] | null = opts.x0 && opts.p0 ? [...opts.x0] : null;
  let p: Matrix | null = opts.x0 && opts.p0 ? opts.p0.map((row) => [...row]) : null;
  const out: KalmanStep[] = [];
  for (let t = 0; t < z.length; t++) {
    const zt = z[t];
    const rt = r[t];
    if (zt && zt.length !== n) throw new Error(`kalmanFilter: z[${t}] has the wrong size`);
    if (x === null || p === null) {
      // no prior given: start from the first measurement (diffuse initialisation)
      if (!zt || !rt) {
        out.push({ x: [], p: [], innovation: null, innovationCov: null, standardized: null });
        continue;
      }
      x = [...zt];
      p = rt.map((row) => [...row]);
      out.push({
        x: [...x],
        p: p.map((row) => [...row]),
        innovation: null,
        innovationCov: null,
        standardized: null,
      });
      continue;
    }
    const pPred = add(p, opts.q);
    if (!zt || !rt) {
      p = pPred;
      out.push({
        x: [...x],
        p: p.map((row) => [...row]),
        innovation: null,
        innovationCov: null,
        standardized: null,
      });
      continue;
    }
    const v = zt.map((zi, i) => zi - x![i]);
    const s = add(pPred, rt);
    const sInv = invertSpd(s);
    const l = cholesky(s);
    if (!sInv || !l) throw new Error(`kalmanFilter: innovation covariance not SPD at step ${t}`);
    const k = matmul(pPred, sInv);
    x = x.map((xi, i) => xi + k[i].reduce((acc, kij, j) => acc + kij * v[j], 0));
    const ik = k.map((row, i) => row.map((kij, j) => (i === j ? 1 : 0) - kij));
    p = add(matmul(matmul(ik, pPred), transpose(ik)), matmul(matmul(k, rt), transpose(k)));
    // forward substitution L e = v
    const e = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let acc = v[i];
      for (let j = 0; j < i; j++) acc -= l[i][j] * e[j];
      e[i] = acc / l[i][i];
    }
    out.push({
      x: [...x],
      p: p.map((row) => [...row]),
      innovation: v,
      innovationCov: s,
      standardized: e,
    });
  }
  return out;
}
