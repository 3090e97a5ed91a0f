/**
 * Change-point detection on standardized innovations (./kalman): the two-sided tabular CUSUM of
 * E. S. Page, "Continuous inspection schemes", Biometrika 41 (1954) 100-115, and Bayesian online
 * change-point detection (`bocpd`, below).
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

export interface BocpdOptions {
  /** Constant hazard: prior probability of a change at each step (default 1/250). */
  hazard?: number;
  /** Prior variance of a segment's mean, in units of the (unit) noise variance (default 4). */
  priorVar?: number;
}

export interface BocpdResult {
  /** Change points: the first index of each new segment, in time order. */
  flagged: number[];
  /** Most probable run length after each step. */
  mapRunLength: number[];
  /** P(r = i | all data) after the last step. */
  posterior: number[];
}

/**
 * Bayesian online change-point detection (R. P. Adams & D. J. C. MacKay, arXiv:0710.3742, 2007,
 * Algorithm 1) for a standardized series: within a segment z_t ~ N(μ, 1), with μ ~ N(0, τ²) drawn
 * afresh at each change, and a constant hazard H. The run-length posterior P(r_t | z_1..t) is
 * propagated exactly (conjugate normal: after r observations with sum S the predictive is
 * N(S/(r + 1/τ²), 1 + 1/(r + 1/τ²))). Rule: when the most probable run length drops, a change is
 * flagged at t − r*_t (the start of the run it now believes in), once per location.
 * Missing values (null/NaN) leave the posterior unchanged. O(n²) time for n steps.
 */
export function bocpd(z: ArrayLike<number | null>, opts: BocpdOptions = {}): BocpdResult {
  const H = opts.hazard ?? 1 / 250;
  const prec0 = 1 / (opts.priorVar ?? 4);
  if (!(H > 0 && H < 1)) throw new Error("bocpd: hazard must be in (0, 1)");
  if (!(prec0 > 0 && Number.isFinite(prec0))) throw new Error("bocpd: priorVar must be positive");
  let prob = [1]; // P(r = i)
  let sums = [0]; // Σz over the run of length i
  const flagged: number[] = [];
  const mapRunLength: number[] = [];
  let prevMap = 0;
  for (let t = 0; t < z.length; t++) {
    const v = z[t];
    if (v !== null && Number.isFinite(v)) {
      const n = prob.length;
      const next = new Array<number>(n + 1).fill(0);
      const nextSums = new Array<number>(n + 1);
      let cp = 0;
      for (let r = 0; r < n; r++) {
        const prec = r + prec0;
        const mean = sums[r] / prec;
        const varp = 1 + 1 / prec;
        const pred = Math.exp((-0.5 * (v - mean) ** 2) / varp) / Math.sqrt(2 * Math.PI * varp);
        next[r + 1] = prob[r] * pred * (1 - H);
        cp += prob[r] * pred * H;
        nextSums[r + 1] = sums[r] + v;
      }
      next[0] = cp;
      nextSums[0] = 0;
      const total = next.reduce((s, p) => s + p, 0);
      prob = next.map((p) => p / total);
      sums = nextSums;
    }
    let map = 0;
    for (let r = 1; r < prob.length; r++) if (prob[r] > prob[map]) map = r;
    mapRunLength.push(map);
    if (map < prevMap) {
      const at = t - map + 1; // the run of length map covers steps t−map+1 … t
      if (flagged.length === 0 || at > flagged[flagged.length - 1]) flagged.push(at);
    }
    prevMap = map;
  }
  return { flagged, mapRunLength, posterior: prob };
}
