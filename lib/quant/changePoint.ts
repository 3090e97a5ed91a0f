/**
 * Change-point detection on standardized innovations (./kalman): the two-sided tabular CUSUM of
 * E. S. Page, "Continuous inspection schemes", Biometrika 41 (1954) 100-115.
 *
 * For a series z_t that is N(0, 1) while nothing changes:
 *   S⁺_t = max(0, S⁺_{t−1} + z_t − k),   S⁻_t = max(0, S⁻_{t−1} − z_t − k),   S±_0 = 0,
 * and t is flagged when S⁺_t > h or S⁻_t > h; both sums then restart from 0, so a lasting shift is
 * flagged again after about h/(δ − k) steps and each flag marks one detection.
 * k (the drift, or reference value) is half the shift δ (in standard deviations) the rule is
 * tuned to detect; h is the decision threshold. The defaults k = 0.5, h = 5 detect a 1σ shift
 * after about 10 steps on average, and the in-control average run length to a false alarm is
 * about 930 steps one-sided, about 465 two-sided (D. C. Montgomery, "Introduction to statistical
 * quality control", table of ARLs for the tabular CUSUM, k = 0.5, h = 5).
 * Missing values (null or NaN) leave the sums unchanged.
 */

export interface CusumOptions {
  /** Drift (reference value) in standard deviations, ≥ 0 (default 0.5). */
  k?: number;
  /** Decision threshold in standard deviations, > 0 (default 5). */
  h?: number;
}

export interface CusumResult {
  /** Indices flagged (the sum crossed h there). */
  flagged: number[];
  /** Direction of each flag: +1 upward shift, −1 downward. */
  direction: Array<1 | -1>;
  /** The sums after each step (before the restart at a flag). */
  upper: number[];
  lower: number[];
}

/** Two-sided CUSUM of a standardized series (see the module comment). */
export function cusum(z: ArrayLike<number | null>, opts: CusumOptions = {}): CusumResult {
  const k = opts.k ?? 0.5;
  const h = opts.h ?? 5;
  if (!(k >= 0 && Number.isFinite(k))) throw new Error("cusum: k must be a non-negative number");
  if (!(h > 0 && Number.isFinite(h))) throw new Error("cusum: h must be a positive number");
  let sp = 0;
  let sm = 0;
  const flagged: number[] = [];
  const direction: Array<1 | -1> = [];
  const upper: number[] = [];
  const lower: number[] = [];
  for (let t = 0; t < z.length; t++) {
    const v = z[t];
    if (v !== null && Number.isFinite(v)) {
      sp = Math.max(0, sp + v - k);
      sm = Math.max(0, sm - v - k);
    }
    upper.push(sp);
    lower.push(sm);
    if (sp > h || sm > h) {
      flagged.push(t);
      direction.push(sp > h ? 1 : -1);
      sp = 0;
      sm = 0;
    }
  }
  return { flagged, direction, upper, lower };
}

/**
 * CUSUM of each component of a vector series (e.g. the Kalman filter's standardized innovations,
 * one component per parameter). A step without innovations (null) is skipped.
 * Returns per component the flagged indices, and their union in time order.
 */
export function cusumComponents(
  series: Array<ArrayLike<number> | null>,
  opts: CusumOptions = {},
): { byComponent: CusumResult[]; flagged: number[] } {
  const dim = series.find((v) => v !== null)?.length ?? 0;
  const byComponent: CusumResult[] = [];
  for (let c = 0; c < dim; c++) {
    byComponent.push(
      cusum(
        series.map((v) => (v === null ? null : v[c])),
        opts,
      ),
    );
  }
  const flagged = [...new Set(byComponent.flatMap((r) => r.flagged))].sort((a, b) => a - b);
  return { byComponent, flagged };
}
