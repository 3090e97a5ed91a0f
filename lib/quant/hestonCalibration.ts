/**
 * Heston / Bates calibration by bounded Levenberg–Marquardt (./optimize) with the analytic
 * gradient of the prices (./heston, after Y. Cui, S. del Baño Rollin & G. Germano, EJOR 2017).
 *
 * Objective: ½Σ rᵢ² with rᵢ = (P_model,i − P_mkt,i)/νᵢ ("vega-weighted", the default): νᵢ is the
 * Black-76 vega at the quote's market implied vol, held fixed, so rᵢ is the first-order implied-vol
 * error and the fit is in vol space without inverting model prices inside the loop. "price" uses
 * rᵢ = P_model,i − P_mkt,i (Cui et al.'s and QuantLib's objective; the benchmark's).
 * All options of one maturity share one Gauss–Legendre plan (nodes on [0, W]); W follows the
 * parameters (rounded to powers of 2^{1/4}) and the node count is the adaptive pricer's at the
 * start, so the Jacobian is the exact derivative of the residuals it is used with.
 *
 * The objective is not convex (κ, θ and σ trade off; Bates' jumps against ρ and σ), so several
 * starts are run — the given one and seeded draws around the market's ATM variance — and the
 * lowest cost wins; every start's outcome is reported.
 */
import { black76Vega, type OptionType } from "./black76";
import {
  type BatesParams,
  type HestonParams,
  type MaturityPlan,
  paramKeys,
  paramsOf,
  paramVector,
  planFor,
  type SvModel,
  svPricesOfMaturity,
  truncation,
} from "./heston";
import { impliedVol } from "./impliedVol";
import { leastSquaresCovariance, type Matrix } from "./kalman";
import { isConverged, levenbergMarquardt, type OptStatus } from "./optimize";
import { Prng } from "./prng";

export interface SvQuote {
  t: number;
  forward: number;
  strike: number;
  type: OptionType;
  /** Undiscounted market price (mid), in the forward's currency. */
  price: number;
  /** Bid / ask implied vols, when known (for the inside-spread share). */
  bidIv?: number;
  askIv?: number;
}

export type SvObjective = "vega-weighted" | "price";

export interface SvCalibrationOptions {
  objective?: SvObjective;
  /** First start (default from the quotes' ATM variance). */
  start?: HestonParams | BatesParams;
  /** Number of starts, the first one included (default 4). */
  starts?: number;
  seed?: number;
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  maxIterations?: number;
  /** Quadrature tolerance relative to √(FK) (default 1e-12). */
  tol?: number;
}

export interface SvStartOutcome {
  start: number[];
  x: number[];
  cost: number;
  status: OptStatus;
  iterations: number;
}

export interface SvCalibration {
  model: SvModel;
  objective: SvObjective;
  params: HestonParams | BatesParams;
  status: OptStatus;
  converged: boolean;
  iterations: number;
  evaluations: number;
  /** ½Σr² of the objective. */
  cost: number;
  n: number;
  /** Root-mean-square price error (forward currency). */
  priceRmse: number;
  /** Implied-vol errors of the model prices, in vol points (NaN where a price has no IV). */
  rmseVolPts: number;
  maxErrVolPts: number;
  /** Share of quotes with a bid/ask IV band whose model IV lies inside it (NaN if none has one). */
  insideSpreadShare: number;
  /** Per quote, in input order: model price, model IV and market IV (NaN where none exists). */
  modelPrices: number[];
  modelIvs: number[];
  marketIvs: number[];
  /** Feller ratio 2κθ/σ² (≥ 1: the variance never reaches 0). */
  feller: number;
  /** (JᵀJ)⁻¹σ̂² of the parameters at the optimum (null if not identified). */
  covariance: Matrix | null;
  starts: SvStartOutcome[];
  fitMs: number;
}

/** Default bounds (HESTON_KEYS/BATES_KEYS order). Vol-of-vol and variances allow crypto levels. */
export const DEFAULT_LOWER = [1e-6, 1e-3, 1e-6, 1e-3, -0.999, 0, -2, 1e-3];
export const DEFAULT_UPPER = [10, 50, 10, 10, 0.999, 50, 2, 2];

/**
 * Initial damping (relative to diag JᵀJ). The iteration count on the Cui et al. benchmark depends
 * on it (λ₀ = 1e-3: 61, 1e-2: 23, 0.1: 11, 1: 25, 10: 15 iterations; all reach the true
 * parameters): the first undamped Gauss–Newton steps from a poor start throw κ and ρ far out.
 */
const LAMBDA0 = 0.1;

const now = () =>
  typeof globalThis.performance !== "undefined" ? globalThis.performance.now() : Date.now();

interface Group {
  idx: number[];
  forward: Float64Array;
  strike: Float64Array;
  type: OptionType[];
  t: number;
  n: number; // nodes
}

function groupByMaturity(quotes: SvQuote[]): Group[] {
  const by = new Map<number, number[]>();
  quotes.forEach((q, i) => {
    const g = by.get(q.t);
    if (g) g.push(i);
    else by.set(q.t, [i]);
  });
  return [...by.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, idx]) => ({
      idx,
      t,
      forward: Float64Array.from(idx.map((i) => quotes[i].forward)),
      strike: Float64Array.from(idx.map((i) => quotes[i].strike)),
      type: idx.map((i) => quotes[i].type),
      n: 32,
    }));
}

/** Model prices (and Jacobian rows, nParams each) of all quotes, in quote order. */
function pricesAll(
  model: SvModel,
  x: ArrayLike<number>,
  groups: Group[],
  tol: number,
  out: Float64Array,
  jac?: Float64Array,
): void {
  const np = paramKeys(model).length;
  for (const g of groups) {
    const plan: MaturityPlan = { t: g.t, W: truncation(model, x, g.t, tol), n: g.n };
    const o = new Float64Array(g.idx.length);
    const jg = jac ? new Float64Array(g.idx.length * np) : undefined;
    svPricesOfMaturity(model, x, plan, g.forward, g.strike, g.type, o, jg);
    g.idx.forEach((i, a) => {
      out[i] = o[a];
      if (jac && jg) for (let k = 0; k < np; k++) jac[i * np + k] = jg[a * np + k];
    });
  }
}

/** ATM total-variance rate of the quotes: the IV² of the quote nearest the money, per year. */
function atmVariance(quotes: SvQuote[]): number {
  let best = quotes[0];
  for (const q of quotes) {
    if (Math.abs(Math.log(q.strike / q.forward)) < Math.abs(Math.log(best.strike / best.forward))) {
      best = q;
    }
  }
  const iv = impliedVol(best.price, best.forward, best.strike, best.t, best.type);
  return Number.isFinite(iv) ? iv * iv : 0.04;
}

/** Calibrates Heston or Bates to undiscounted option prices (see the module comment). */
export function calibrateSv(
  model: SvModel,
  quotes: SvQuote[],
  opts: SvCalibrationOptions = {},
): SvCalibration {
  const t0 = now();
  const np = paramKeys(model).length;
  const m = quotes.length;
  const objective = opts.objective ?? "vega-weighted";
  const tol = opts.tol ?? 1e-12;
  const lower = Array.from(opts.lower ?? DEFAULT_LOWER.slice(0, np));
  const upper = Array.from(opts.upper ?? DEFAULT_UPPER.slice(0, np));
  const marketIv = quotes.map((q) => impliedVol(q.price, q.forward, q.strike, q.t, q.type));
  // weights 1/vega at the market IV; quotes without one get the vega of the ATM variance
  const v0 = atmVariance(quotes);
  const weight = quotes.map((q, i) => {
    if (objective === "price") return 1;
    const vol = Number.isFinite(marketIv[i]) ? marketIv[i] : Math.sqrt(v0);
    const vega = black76Vega(q.forward, q.strike, q.t, vol);
    // floor: a far-OTM quote with vega ~0 would otherwise dominate
    return 1 / Math.max(vega, 1e-4 * q.forward * Math.sqrt(q.t));
  });
  const groups = groupByMaturity(quotes);
  const first = opts.start
    ? Array.from(paramVector(model, opts.start))
    : model === "bates"
      ? [v0, 2, v0, 1, -0.3, 0.5, -0.05, 0.1]
      : [v0, 2, v0, 1, -0.3];
  const startList: number[][] = [first];
  const rng = new Prng(opts.seed ?? 13);
  const nStarts = Math.max(1, opts.starts ?? 4);
  while (startList.length < nStarts) {
    const u = () => rng.uniform();
    const s = [
      v0 * (0.3 + 2.7 * u()),
      0.5 + 7.5 * u(),
      v0 * (0.3 + 2.7 * u()),
      0.2 + 2.3 * u(),
      -0.9 + 1.6 * u(),
    ];
    if (model === "bates") s.push(0.05 + 2 * u(), -0.3 + 0.35 * u(), 0.03 + 0.4 * u());
    startList.push(s);
  }
  const priceBuf = new Float64Array(m);
  const jacBuf = new Float64Array(m * np);
  const residuals = (x: Float64Array, out: Float64Array) => {
    pricesAll(model, x, groups, tol, priceBuf);
    for (let i = 0; i < m; i++) out[i] = weight[i] * (priceBuf[i] - quotes[i].price);
  };
  const jacobian = (x: Float64Array, _r: Float64Array, out: Float64Array) => {
    pricesAll(model, x, groups, tol, priceBuf, jacBuf);
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < np; k++) out[i * np + k] = weight[i] * jacBuf[i * np + k];
    }
  };
  const outcomes: SvStartOutcome[] = [];
  let best: { x: Float64Array; cost: number; status: OptStatus; it: number } | null = null;
  let evaluations = 0;
  for (const s of startList) {
    const xs = s.map((v, k) => Math.min(Math.max(v, lower[k]), upper[k]));
    // node counts of this start: the adaptive pricer's at the start point
    for (const g of groups) g.n = planFor(model, xs, g.t, g.forward, g.strike, tol).n;
    const r = levenbergMarquardt(residuals, xs, m, {
      lower,
      upper,
      jacobian,
      maxIterations: opts.maxIterations ?? 100,
      ftol: 1e-14,
      xtol: 1e-12,
      gtol: 1e-14,
      lambda0: LAMBDA0,
    });
    evaluations += r.evaluations;
    outcomes.push({
      start: xs,
      x: Array.from(r.x),
      cost: r.cost,
      status: r.status,
      iterations: r.iterations,
    });
    if (Number.isFinite(r.cost) && (!best || r.cost < best.cost)) {
      best = { x: r.x, cost: r.cost, status: r.status, it: r.iterations };
    }
  }
  const x = best ? best.x : Float64Array.from(startList[0]);
  // diagnostics at the optimum with the node counts refreshed for it
  for (const g of groups) g.n = planFor(model, x, g.t, g.forward, g.strike, tol).n;
  const r = new Float64Array(m);
  const J = new Float64Array(m * np);
  residuals(x, r);
  jacobian(x, r, J);
  const model_ = Float64Array.from(priceBuf);
  let se = 0;
  let ivSe = 0;
  let ivN = 0;
  let maxE = 0;
  let inside = 0;
  let banded = 0;
  const modelIvs: number[] = [];
  quotes.forEach((q, i) => {
    se += (model_[i] - q.price) ** 2;
    const iv = impliedVol(model_[i], q.forward, q.strike, q.t, q.type);
    modelIvs.push(iv);
    if (Number.isFinite(iv) && Number.isFinite(marketIv[i])) {
      const e = Math.abs(iv - marketIv[i]);
      ivSe += e * e;
      ivN++;
      maxE = Math.max(maxE, e);
    }
    if (q.bidIv !== undefined && q.askIv !== undefined) {
      banded++;
      if (iv >= q.bidIv && iv <= q.askIv) inside++;
    }
  });
  const params = paramsOf(model, x);
  return {
    model,
    objective,
    params,
    status: best ? best.status : "non-finite cost",
    converged: best ? isConverged(best.status) : false,
    iterations: best ? best.it : 0,
    evaluations,
    cost: best ? best.cost : NaN,
    n: m,
    priceRmse: Math.sqrt(se / m),
    rmseVolPts: ivN ? 100 * Math.sqrt(ivSe / ivN) : NaN,
    maxErrVolPts: ivN ? 100 * maxE : NaN,
    insideSpreadShare: banded ? inside / banded : NaN,
    modelPrices: Array.from(model_),
    modelIvs,
    marketIvs: marketIv,
    feller: (2 * params.kappa * params.theta) / (params.sigma * params.sigma),
    covariance: leastSquaresCovariance(J, r, m, np),
    starts: outcomes,
    fitMs: now() - t0,
  };
}
