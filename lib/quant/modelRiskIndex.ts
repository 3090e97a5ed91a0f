/**
 * The model-risk index: the dispersion of the basket's prices across models fitted to the same
 * vanilla quotes (./exoticBasket).
 *
 * Per claim, over the M models' prices p_m with Monte Carlo standard errors e_m:
 *  - mean p̄, range max − min, the sample standard deviation s (M − 1 in the denominator);
 *  - relativeRange = (max − min)/|p̄| and relativeStd = s/|p̄| (scale-free: prices are per unit of
 *    forward and a common rescaling of all prices leaves them unchanged);
 *  - noiseStd = √(mean e_m²), the dispersion that Monte Carlo noise alone would produce, and
 *    excessRelativeStd = √(max(s² − noiseStd², 0))/|p̄|, the part of the dispersion beyond noise
 *    (s² estimates the true dispersion plus mean e², independent errors);
 *  - significant: whether the range exceeds 3 × √(e_max² + e_min²) (the two extreme models
 *    disagree by more than three standard errors of their difference).
 * The summary index is the mean over claims of excessRelativeStd (0 when the models agree within
 * noise), reported beside the mean relativeRange. A claim whose mean price is 0 contributes 0
 * when all prices are 0, and is otherwise reported with an infinite relative dispersion.
 */

export interface ModelPrice {
  price: number;
  /** Monte Carlo standard error (0 for exact prices). */
  stdError?: number;
}

export interface ClaimDispersion {
  models: number;
  mean: number;
  min: number;
  max: number;
  /** Model holding the min and the max. */
  minModel: string;
  maxModel: string;
  range: number;
  std: number;
  relativeRange: number;
  relativeStd: number;
  noiseStd: number;
  excessRelativeStd: number;
  significant: boolean;
}

export interface ModelRiskIndex {
  claims: Record<string, ClaimDispersion>;
  /** Mean over claims of excessRelativeStd. */
  index: number;
  /** Mean over claims of relativeRange. */
  meanRelativeRange: number;
}

export interface ModelRiskResult {
  result: ModelRiskIndex | null;
  reason?: string;
}

/**
 * The index from prices[model][claim]. Every model must price every claim of the first model;
 * at least two models are needed.
 */
export function modelRiskIndex(
  prices: Record<string, Record<string, ModelPrice>>,
): ModelRiskResult {
  if (prices === null || typeof prices !== "object") {
    return { result: null, reason: "invalid input: prices must be an object" };
  }
  const models = Object.keys(prices);
  if (models.length < 2) return { result: null, reason: "invalid input: need at least two models" };
  const claimIds = Object.keys(prices[models[0]] ?? {});
  if (claimIds.length === 0) return { result: null, reason: "invalid input: no claims" };
  const claims: Record<string, ClaimDispersion> = {};
  let sumIdx = 0;
  let sumRange = 0;
  for (const c of claimIds) {
    const ps: number[] = [];
    const es: number[] = [];
    for (const m of models) {
      const q = prices[m]?.[c];
      if (!q || !Number.isFinite(q.price)) {
        return { result: null, reason: `invalid input: ${m} has no finite price for ${c}` };
      }
      const e = q.stdError ?? 0;
      if (!(e >= 0 && e < Infinity)) {
        return { result: null, reason: `invalid input: ${m} ${c} stdError must be >= 0` };
      }
      ps.push(q.price);
      es.push(e);
    }
    const M = ps.length;
    const mean = ps.reduce((a, b) => a + b, 0) / M;
    let iMin = 0;
    let iMax = 0;
    for (let i = 1; i < M; i++) {
      if (ps[i] < ps[iMin]) iMin = i;
      if (ps[i] > ps[iMax]) iMax = i;
    }
    const range = ps[iMax] - ps[iMin];
    // identical prices are exactly no dispersion (the rounded mean would leave ~1e-17)
    const std = range === 0 ? 0 : Math.sqrt(ps.reduce((a, p) => a + (p - mean) ** 2, 0) / (M - 1));
    const noiseStd = Math.sqrt(es.reduce((a, e) => a + e * e, 0) / M);
    const excess = Math.sqrt(Math.max(std * std - noiseStd * noiseStd, 0));
    const scale = Math.abs(mean);
    const rel = (v: number) => (v === 0 ? 0 : scale > 0 ? v / scale : Infinity);
    const d: ClaimDispersion = {
      models: M,
      mean,
      min: ps[iMin],
      max: ps[iMax],
      minModel: models[iMin],
      maxModel: models[iMax],
      range,
      std,
      relativeRange: rel(range),
      relativeStd: rel(std),
      noiseStd,
      excessRelativeStd: rel(excess),
      significant: range > 3 * Math.hypot(es[iMin], es[iMax]),
    };
    claims[c] = d;
    sumIdx += d.excessRelativeStd;
    sumRange += d.relativeRange;
  }
  return {
    result: {
      claims,
      index: sumIdx / claimIds.length,
      meanRelativeRange: sumRange / claimIds.length,
    },
  };
}
