/**
 * The volatility surface of one chain: fit, diagnostics and evaluation, for four representations.
 *  - "published": Andreasen & Huge (2011) one-step implicit finite-difference local-vol surface
 *    (./andreasenHuge): arbitrage-free by construction on its grid, fitted expiry by expiry.
 *  - "svi": raw SVI per slice by the quasi-explicit method plus an LM polish, unconstrained
 *    (a diagnostic: its butterfly and calendar violations are counted, not prevented).
 *  - "ssvi": one power-law SSVI surface inside Gatheral–Jacquier's arbitrage-free set.
 *  - "essvi": eSSVI slice by slice with butterfly and (checked) calendar constraints.
 * Diagnostics: quotes used, RMSE and max error in vol points against the mid IV, share of fitted
 * vols inside the bid–ask IV band, butterfly violations on a dense k grid in [−1.5, 1.5]
 * (Durrleman's g for the SVI family, discrete convexity of call prices for the grid surface),
 * calendar violations of every adjacent pair (on the grid and beyond), fit time, optimizer status;
 * and the same measures for Deribit's mark IV on the same quotes. See docs/methodology-surface.md.
 */
import {
  buildGrid,
  dupireLocalVarianceOnGrid,
  fitInterval,
  gridFromK,
  gridButterflyViolations,
  gridCalendarViolations,
  hatWeights,
  interpolateOtm,
  nodeIndex,
  propagate,
  type AhGrid,
  type Hat,
} from "./andreasenHuge";
import { black76Price, black76Vega } from "./black76";
import { essviToSvi, essviW, fitEssvi } from "./essvi";
import { impliedVol } from "./impliedVol";
import { choleskySolve, isConverged, type OptStatus } from "./optimize";
import { fitSsvi, isotonic, powerLawPhi, ssviSliceToSvi, ssviW } from "./ssvi";
import { fitSviQuasiExplicit, kGrid, sviButterflyViolations, sviW, type SviParams } from "./svi";

/** The quotes of one expiry, as numbers (lib/quant knows nothing about markets). */
export interface SliceQuotes {
  /** Time to expiry in years. */
  t: number;
  forward: number;
  /** Expiry instant (ms), carried through for display. */
  expiry?: number;
  /** ln(K/F) per quote; OTM side: puts for k < 0, calls for k ≥ 0. */
  k: number[];
  midIv: number[];
  bidIv: number[];
  askIv: number[];
  /** Deribit's mark IV per quote (NaN where absent). */
  markIv?: number[];
}

export type SurfaceModel = "published" | "svi" | "ssvi" | "essvi";
export const SURFACE_MODELS: readonly SurfaceModel[] = ["published", "svi", "ssvi", "essvi"];

export type Weighting = "uniform" | "spread" | "sqrt-spread";

export interface FitOptions {
  model: SurfaceModel;
  /** Residual weights from the bid–ask IV spread (default "sqrt-spread"). */
  weighting?: Weighting;
  /** Slices with fewer usable quotes are left out (default 5). */
  minQuotes?: number;
  /** Published surface: implicit steps per interval, quotes per local-vol node, max nodes. */
  substeps?: number;
  /** Implicit steps of the first interval, from the payoff (default max(2, substeps)). */
  firstSubsteps?: number;
  quotesPerNode?: number;
  maxNodes?: number;
  /** Published surface: weight of the penalty on second differences of ln σ (default 0.0075). */
  smooth?: number;
  /**
   * Published surface: wing targets beyond each outermost quote (see wingTargets): how many per
   * side (default 1; 0 = none), spaced by the mean spacing of how many outermost quotes (default
   * 8), at the mean of quadratics through the outermost m quotes for m in wingWindows (default
   * [6, 8, 10, 12]; [8] is the single quadratic of before), and their weight relative to the
   * slice's median quote weight (default 0.5).
   */
  wingQuotes?: number;
  wingFit?: number;
  wingWindows?: readonly number[];
  wingWeight?: number;
  /** Published surface: cap of the local vol's √(k/k_edge) growth beyond its outer nodes (default 2; 1 = flat). */
  wingCap?: number;
  /** Finite-difference instead of analytic Jacobians in the published fit (comparison only). */
  finiteDifference?: boolean;
}

export interface SliceFit {
  t: number;
  forward: number;
  expiry?: number;
  params: Record<string, unknown>;
  n: number;
  rmseVolPts: number;
  maxErrVolPts: number;
  insideSpreadShare: number;
  /** Grid points of k ∈ [−1.5, 1.5] with negative density (0 = free of butterfly arbitrage). */
  butterflyViolations: number;
  status: string;
  /** The quotes used (ascending k) and the fitted IV at each (for charts). */
  k: number[];
  fitIv: number[];
  /** Deribit mark against mid on the same quotes, and the fit against the mark. */
  markRmseVolPts?: number;
  fitVsMarkRmseVolPts?: number;
}

export interface MarkDiagnostics {
  rmseVolPts: number;
  maxErrVolPts: number;
  insideSpreadShare: number;
  /** Slices whose mark IVs give non-convex call prices at the listed strikes. */
  butterflyViolations: number;
  /** Adjacent pairs whose mark total variances cross on their common strike range. */
  calendarViolations: number;
}

export interface SurfaceDiagnostics {
  n: number;
  rmseVolPts: number;
  maxErrVolPts: number;
  insideSpreadShare: number;
  /** Slices with any butterfly violation on the dense grid. */
  butterflyViolations: number;
  /** Adjacent expiry pairs that cross, on the grid or beyond. */
  calendarViolations: number;
  fitMs: number;
  status: string;
  /** Set by the pipeline for the published surface (stored with it, charted on the market page). */
  outOfSample?: OutOfSampleScore;
  representation?: PublishedRepresentation | null;
}

export interface SurfaceFit {
  model: SurfaceModel;
  slices: SliceFit[];
  surface: SurfaceDiagnostics;
  mark?: MarkDiagnostics;
  /** Slices left out (too few quotes). */
  skipped: { t: number; n: number }[];
  /**
   * The published (Andreasen–Huge) surface itself: its strike grid and, per fitted expiry, the
   * time values on it — enough to evaluate the surface exactly at any strike of those expiries
   * (evaluateRepresentation) and to re-check it for arbitrage (representationViolations).
   */
  representation?: PublishedRepresentation;
  /** Total implied variance and implied vol of the fitted surface at (k, t) (not serialised). */
  totalVariance: (k: number, t: number) => number;
  impliedVol: (k: number, t: number) => number;
  /**
   * Published surface only: Dupire local variance at time t > 0 and log-moneyness k (of that
   * time's forward), written into out; the local-vol diffusion whose marginals are this surface
   * (for Monte Carlo of path-dependent claims; not serialised).
   */
  localVariance?: (t: number, k: ArrayLike<number>, out: Float64Array) => void;
}

export interface PublishedRepresentation {
  kind: "andreasen-huge";
  /** Strike grid in log-moneyness ln(K/F), ascending, with 0 among the nodes. */
  gridK: number[];
  /** Per fitted expiry (ascending t): normalised OTM option prices on the grid at expiry. */
  slices: { t: number; expiry?: number; forward: number; timeValues: number[] }[];
}

/**
 * Implied vol of a stored published surface at log-moneyness k of one fitted expiry: the OTM
 * price linearly interpolated in K (as the surface does) and inverted; NaN where it has no
 * invertible price (beyond the grid, or no time value left).
 */
export function evaluateRepresentation(
  rep: PublishedRepresentation,
  sliceIndex: number,
  k: number,
): number {
  const s = rep.slices[sliceIndex];
  if (!s) return NaN;
  const grid = gridFromK(rep.gridK);
  return publishedIv(interpolateOtm(grid, Float64Array.from(s.timeValues), k), k, s.t);
}

/**
 * The arbitrage checks run on a stored representation: nodes with negative density (butterfly) per
 * slice within |k| ≤ 1.5, and adjacent expiry pairs whose time values cross anywhere on the grid.
 */
export function representationViolations(rep: PublishedRepresentation): {
  butterfly: number[];
  calendar: number;
} {
  const grid = gridFromK(rep.gridK);
  const qs = rep.slices.map((s) => Float64Array.from(s.timeValues));
  let calendar = 0;
  for (let i = 1; i < qs.length; i++) {
    if (gridCalendarViolations(grid, qs[i - 1], qs[i]) > 0) calendar++;
  }
  return { butterfly: qs.map((q) => gridButterflyViolations(grid, q, -1.5, 1.5)), calendar };
}

const BUTTERFLY_GRID = kGrid(-1.5, 1.5, 601);
const CAL_WIDE: Float64Array = (() => {
  const pts = Array.from(BUTTERFLY_GRID);
  for (let v = 1.55; v <= 50; v *= 1.05) pts.push(v, -v);
  return Float64Array.from(pts.sort((a, b) => a - b));
})();

const now = (): number =>
  typeof globalThis.performance !== "undefined" ? globalThis.performance.now() : Date.now();

interface Prepared {
  t: number;
  forward: number;
  expiry?: number;
  k: number[];
  mid: number[];
  bid: number[];
  ask: number[];
  mark: number[];
  /** Vol-space residual weights. */
  weight: number[];
}

function prepare(s: SliceQuotes, weighting: Weighting): Prepared {
  const keep: number[] = [];
  for (let i = 0; i < s.k.length; i++) {
    if ([s.k[i], s.midIv[i], s.bidIv[i], s.askIv[i]].every(Number.isFinite) && s.midIv[i] > 0) {
      keep.push(i);
    }
  }
  keep.sort((a, b) => s.k[a] - s.k[b]);
  const k = keep.map((i) => s.k[i]);
  const mid = keep.map((i) => s.midIv[i]);
  const bid = keep.map((i) => s.bidIv[i]);
  const ask = keep.map((i) => s.askIv[i]);
  const mark = keep.map((i) => (s.markIv ? s.markIv[i] : NaN));
  const spreads = keep.map((_, j) => Math.max(ask[j] - bid[j], 1e-4));
  const sorted = [...spreads].sort((a, b) => a - b);
  const med = sorted.length ? sorted[sorted.length >> 1] : 1;
  const weight = spreads.map((sp) => {
    const r = med / Math.max(sp, 0.25 * med);
    return weighting === "uniform" ? 1 : weighting === "spread" ? r : Math.sqrt(r);
  });
  return { t: s.t, forward: s.forward, expiry: s.expiry, k, mid, bid, ask, mark, weight };
}

/** Error statistics of fitted vols against one slice's quotes. */
function errorStats(p: Prepared, fit: ArrayLike<number>) {
  let se = 0;
  let maxE = 0;
  let inside = 0;
  for (let i = 0; i < p.k.length; i++) {
    const e = Number.isFinite(fit[i]) ? fit[i] - p.mid[i] : Infinity;
    se += e * e;
    maxE = Math.max(maxE, Math.abs(e));
    if (fit[i] >= p.bid[i] && fit[i] <= p.ask[i]) inside++;
  }
  return { se, maxE, inside, n: p.k.length };
}

/** ATM total variance of a slice: linear interpolation of mid total variance at k = 0. */
function atmTotalVariance(p: Prepared): number {
  const w = p.mid.map((v) => v * v * p.t);
  return interpLinear(p.k, w, 0);
}

function interpLinear(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 1 || x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  let j = 1;
  while (xs[j] < x) j++;
  const w = (x - xs[j - 1]) / (xs[j] - xs[j - 1]);
  return ys[j - 1] + w * (ys[j] - ys[j - 1]);
}

/** Normalised (F = 1) out-of-the-money Black price and vega at log-moneyness k. */
function otmPrice(k: number, t: number, vol: number): number {
  return black76Price(1, Math.exp(k), t, vol, k < 0 ? "put" : "call");
}

function ivOfOtm(q: number, k: number, t: number): number {
  if (!(q > 0)) return 0;
  const v = impliedVol(q, 1, Math.exp(k), t, k < 0 ? "put" : "call");
  return Number.isFinite(v) ? v : q > 0.5 ? Infinity : 0;
}

/**
 * The implied vol of a normalised OTM price, or NaN when the price cannot be inverted (no time
 * value left on the grid, or above the no-arbitrage bound): what the surface publishes. The
 * fitting start values use ivOfOtm's 0 / ∞ clamps; nothing published does.
 */
function publishedIv(q: number, k: number, t: number): number {
  if (!(q > 0)) return NaN;
  const v = impliedVol(q, 1, Math.exp(k), t, k < 0 ? "put" : "call");
  return Number.isFinite(v) && v > 0 ? v : NaN;
}

// ---------------------------------------------------------------------------------------------
// Mark IV diagnostics

function markButterflyViolation(p: Prepared): boolean {
  const xs: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < p.k.length; i++) {
    if (!(p.mark[i] > 0)) continue;
    const x = Math.exp(p.k[i]);
    xs.push(x);
    cs.push(otmPrice(p.k[i], p.t, p.mark[i]) + Math.max(1 - x, 0));
  }
  let prevSlope = -1;
  for (let i = 1; i < xs.length; i++) {
    if (xs[i] - xs[i - 1] < 1e-12) continue;
    const slope = (cs[i] - cs[i - 1]) / (xs[i] - xs[i - 1]);
    if (slope < prevSlope - 1e-10 || slope > 1e-10) return true;
    prevSlope = slope;
  }
  return false;
}

function markCalendarViolation(a: Prepared, b: Prepared): boolean {
  const ka: number[] = [];
  const wa: number[] = [];
  const kb: number[] = [];
  const wb: number[] = [];
  a.k.forEach((k, i) => a.mark[i] > 0 && (ka.push(k), wa.push(a.mark[i] ** 2 * a.t)));
  b.k.forEach((k, i) => b.mark[i] > 0 && (kb.push(k), wb.push(b.mark[i] ** 2 * b.t)));
  if (ka.length < 2 || kb.length < 2) return false;
  const lo = Math.max(ka[0], kb[0]);
  const hi = Math.min(ka[ka.length - 1], kb[kb.length - 1]);
  for (const k of [...ka, ...kb]) {
    if (k < lo || k > hi) continue;
    if (interpLinear(kb, wb, k) < interpLinear(ka, wa, k) * (1 - 1e-12)) return true;
  }
  return false;
}

function markDiagnostics(ps: Prepared[]): MarkDiagnostics | undefined {
  if (!ps.some((p) => p.mark.some((v) => v > 0))) return undefined;
  let se = 0;
  let n = 0;
  let maxE = 0;
  let inside = 0;
  for (const p of ps) {
    p.mark.forEach((m, i) => {
      if (!(m > 0)) return;
      const e = m - p.mid[i];
      se += e * e;
      maxE = Math.max(maxE, Math.abs(e));
      n++;
      if (m >= p.bid[i] && m <= p.ask[i]) inside++;
    });
  }
  let cal = 0;
  for (let i = 1; i < ps.length; i++) if (markCalendarViolation(ps[i - 1], ps[i])) cal++;
  return {
    rmseVolPts: 100 * Math.sqrt(se / Math.max(n, 1)),
    maxErrVolPts: 100 * maxE,
    insideSpreadShare: inside / Math.max(n, 1),
    butterflyViolations: ps.filter(markButterflyViolation).length,
    calendarViolations: cal,
  };
}

function markVsMid(p: Prepared): number | undefined {
  let se = 0;
  let n = 0;
  p.mark.forEach((m, i) => {
    if (m > 0) {
      se += (m - p.mid[i]) ** 2;
      n++;
    }
  });
  return n ? 100 * Math.sqrt(se / n) : undefined;
}

function fitVsMark(p: Prepared, fit: ArrayLike<number>): number | undefined {
  let se = 0;
  let n = 0;
  p.mark.forEach((m, i) => {
    if (m > 0 && Number.isFinite(fit[i])) {
      se += (m - fit[i]) ** 2;
      n++;
    }
  });
  return n ? 100 * Math.sqrt(se / n) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parametric slices (SVI family): shared diagnostics and evaluation

interface ParametricResult {
  /** w_i(k) per slice. */
  w: ((k: number) => number)[];
  svi: SviParams[];
  params: Record<string, unknown>[];
  status: string[];
  /** Total variance at (k, t) between and beyond the slices. */
  totalVariance: (k: number, t: number) => number;
}

/** Linear interpolation in total variance between slices (flat implied vol beyond the ends). */
function interpolateSlices(ts: number[], w: ((k: number) => number)[]) {
  return (k: number, t: number): number => {
    const n = ts.length;
    if (n === 0) return NaN;
    if (t <= ts[0]) return (w[0](k) * t) / ts[0];
    if (t >= ts[n - 1]) return (w[n - 1](k) * t) / ts[n - 1];
    let j = 1;
    while (ts[j] < t) j++;
    const a = (t - ts[j - 1]) / (ts[j] - ts[j - 1]);
    return (1 - a) * w[j - 1](k) + a * w[j](k);
  };
}

/** A pair crosses if the later slice is below the earlier one on the wide grid or asymptotically. */
function sviPairCrosses(p1: SviParams, p2: SviParams): boolean {
  for (let i = 0; i < CAL_WIDE.length; i++) {
    const k = CAL_WIDE[i];
    const w1 = sviW(p1, k);
    if (sviW(p2, k) < w1 - 1e-12 * Math.max(1, Math.abs(w1))) return true;
  }
  // beyond |k| = 50 both are linear with slopes b(1 ± ρ)
  const tol = 1e-12;
  return (
    p2.b * (1 + p2.rho) < p1.b * (1 + p1.rho) - tol ||
    p2.b * (1 - p2.rho) < p1.b * (1 - p1.rho) - tol
  );
}

function fitParametric(model: "svi" | "ssvi" | "essvi", ps: Prepared[]): ParametricResult {
  const ts = ps.map((p) => p.t);
  if (model === "svi") {
    const fits = ps.map((p) => {
      const w = p.mid.map((v) => v * v * p.t);
      const wWeights = p.mid.map((v, i) => p.weight[i] / (2 * v * p.t));
      return fitSviQuasiExplicit(p.k, w, wWeights, { t: p.t, volWeights: p.weight });
    });
    const svi = fits.map((f) => f.params);
    const w = svi.map((q) => (k: number) => sviW(q, k));
    return {
      w,
      svi,
      params: svi.map((q) => ({ ...q })),
      status: fits.map((f) => f.status),
      totalVariance: interpolateSlices(ts, w),
    };
  }
  if (model === "ssvi") {
    const fit = fitSsvi(
      ps.map((p) => ({
        t: p.t,
        theta: atmTotalVariance(p),
        k: p.k,
        vol: p.mid,
        weights: p.weight,
      })),
    );
    const { rho, eta, gamma } = fit.params;
    const svi = fit.thetas.map((th) => ssviSliceToSvi(th, powerLawPhi(th, eta, gamma), rho));
    const w = svi.map((q) => (k: number) => sviW(q, k));
    const thetaAt = (t: number) => {
      if (t <= ts[0]) return (fit.thetas[0] * t) / ts[0];
      if (t >= ts[ts.length - 1]) return (fit.thetas[ts.length - 1] * t) / ts[ts.length - 1];
      return interpLinear(ts, fit.thetas, t);
    };
    return {
      w,
      svi,
      params: fit.thetas.map((theta) => ({ theta, rho, eta, gamma })),
      status: ps.map(() => fit.status),
      totalVariance: (k, t) => {
        const th = thetaAt(t);
        return ssviW(k, th, powerLawPhi(th, eta, gamma), rho);
      },
    };
  }
  const fit = fitEssvi(
    ps.map((p) => ({
      t: p.t,
      thetaAtm: atmTotalVariance(p),
      k: p.k,
      vol: p.mid,
      weights: p.weight,
    })),
  );
  const w = fit.slices.map((q) => (k: number) => essviW(q, k));
  return {
    w,
    svi: fit.slices.map(essviToSvi),
    params: fit.slices.map((q) => ({ ...q })),
    status: fit.status,
    totalVariance: interpolateSlices(ts, w),
  };
}

// ---------------------------------------------------------------------------------------------
// Published surface: Andreasen–Huge

interface AhState {
  grid: AhGrid;
  ts: number[];
  hats: Hat[];
  localVols: Float64Array[];
  qs: Float64Array[];
  /** Implicit steps per interval. */
  substeps: number[];
  paramK: Float64Array[];
  status: OptStatus[];
}

function nodeCount(n: number, perNode: number, maxNodes: number): number {
  return Math.max(1, Math.min(maxNodes, Math.round(n / perNode)));
}

/**
 * Least-squares quadratic through (x, y), evaluated at x0 (normal equations, centred and scaled
 * for conditioning); NaN when the points do not determine one (fewer than 3 distinct x).
 */
function quadraticAt(xs: number[], ys: number[], x0: number): number {
  const c = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sc = Math.max(...xs.map((x) => Math.abs(x - c)), 1e-12);
  const a = new Float64Array(9);
  const b = new Float64Array(3);
  xs.forEach((x, i) => {
    const u = (x - c) / sc;
    const p = [1, u, u * u];
    for (let r = 0; r < 3; r++) {
      b[r] += ys[i] * p[r];
      for (let q = 0; q < 3; q++) a[r * 3 + q] += p[r] * p[q];
    }
  });
  if (!choleskySolve(a, b, 3)) return NaN;
  const u0 = (x0 - c) / sc;
  return b[0] + b[1] * u0 + b[2] * u0 * u0;
}

interface WingTargets {
  k: number[];
  mid: number[];
  weight: number[];
}

/**
 * Targets beyond each outermost quote of a slice: `count` points spaced by the mean spacing of
 * the outermost `fit` quotes, at the mean of the total variances of least-squares quadratics in k
 * through the outermost m quotes, m over `windows` (capped at the slice's quotes): averaging the
 * extrapolation over estimation windows lowers its variance (M. H. Pesaran & A. Pick, "Forecast
 * combination across estimation windows", J. Bus. Econ. Stat. 29 (2011) 307-318). Kept between
 * the outermost quote's total variance and that plus 2·|Δk| (Lee's moment formula bounds the wing
 * slope of total variance by 2: R. Lee, "The moment formula for implied volatility at extreme
 * strikes", Math. Finance 14 (2004) 469-480).
 */
function wingTargets(
  p: Prepared,
  count: number,
  fit: number,
  windows: readonly number[],
  weight: number,
): WingTargets {
  const out: WingTargets = { k: [], mid: [], weight: [] };
  const n = p.k.length;
  if (count <= 0 || windows.length === 0 || n < Math.max(fit, 3)) return out;
  const medW = [...p.weight].sort((a, b) => a - b)[n >> 1];
  const outer = (side: number, m: number) =>
    Array.from({ length: m }, (_, j) => (side > 0 ? n - m + j : j));
  for (const side of [-1, 1]) {
    const edge = side > 0 ? n - 1 : 0;
    const ks = outer(side, fit).map((i) => p.k[i]);
    const step = (ks[fit - 1] - ks[0]) / (fit - 1);
    const wEdge = p.mid[edge] * p.mid[edge] * p.t;
    const quads = windows.map((m) => {
      const idx = outer(side, Math.max(3, Math.min(m, n)));
      return {
        ks: idx.map((i) => p.k[i]),
        ws: idx.map((i) => p.mid[i] * p.mid[i] * p.t),
      };
    });
    for (let j = 1; j <= count; j++) {
      const k = p.k[edge] + side * j * step;
      const dk = Math.abs(k - p.k[edge]);
      const fits = quads.map((q) => quadraticAt(q.ks, q.ws, k)).filter(Number.isFinite);
      // no quadratic determined: the flat wing (the lower clamp)
      const wq = fits.length ? fits.reduce((a, v) => a + v, 0) / fits.length : wEdge;
      const w = Math.min(Math.max(wq, wEdge), wEdge + 2 * dk);
      out.k.push(k);
      out.mid.push(Math.sqrt(w / p.t));
      out.weight.push(weight * medW);
    }
  }
  return out;
}

function fitPublished(ps: Prepared[], opts: FitOptions): AhState {
  const substeps = opts.substeps ?? 1;
  const firstSubsteps = opts.firstSubsteps ?? Math.max(2, substeps);
  const wingCap = opts.wingCap ?? 2;
  const perNode = opts.quotesPerNode ?? 2;
  const maxNodes = opts.maxNodes ?? 14;
  const smooth = opts.smooth ?? 0.0075;
  let wMax = 0;
  for (const p of ps) for (const v of p.mid) wMax = Math.max(wMax, v * v * p.t);
  const range = Math.min(8, Math.max(2.5, 1.5 + 8 * Math.sqrt(wMax)));
  const wings = ps.map((p) =>
    wingTargets(
      p,
      opts.wingQuotes ?? 1,
      opts.wingFit ?? 8,
      opts.wingWindows ?? [6, 8, 10, 12],
      opts.wingWeight ?? 0.5,
    ),
  );
  const grid = buildGrid(
    ps.flatMap((p, i) => [...p.k, ...wings[i].k].filter((k) => Math.abs(k) < 0.9 * range)),
    { range },
  );
  const n = grid.k.length;
  let q: Float64Array = new Float64Array(n);
  let tPrev = 0;
  const out: AhState = {
    grid,
    ts: [],
    hats: [],
    localVols: [],
    qs: [],
    substeps: [],
    paramK: [],
    status: [],
  };
  for (const [si, p0] of ps.entries()) {
    const dt = p0.t - tPrev;
    // the quotes and the wing targets beyond them, ascending in k
    const wg = wings[si];
    const order = [...p0.k.map((_, i) => i), ...wg.k.map((_, i) => -1 - i)]
      .filter((i) => i >= 0 || Math.abs(wg.k[-1 - i]) < 0.9 * range)
      .sort((a, b) => (a >= 0 ? p0.k[a] : wg.k[-1 - a]) - (b >= 0 ? p0.k[b] : wg.k[-1 - b]));
    const pick = (a: number[], b: number[]) => order.map((i) => (i >= 0 ? a[i] : b[-1 - i]));
    const p = {
      t: p0.t,
      k: pick(p0.k, wg.k),
      mid: pick(p0.mid, wg.mid),
      weight: pick(p0.weight, wg.weight),
    };
    const nq = p.k.length;
    // local-vol nodes at quantiles of the quotes, plus one at each outermost wing target
    const nReal = p0.k.length;
    const P0 = nodeCount(nReal, perNode, maxNodes);
    const inner: number[] = [];
    for (let j = 0; j < P0; j++) {
      const pos = P0 === 1 ? (nReal - 1) / 2 : (j * (nReal - 1)) / (P0 - 1);
      const lo = Math.floor(pos);
      const hi = Math.min(nReal - 1, lo + 1);
      inner.push(p0.k[lo] + (pos - lo) * (p0.k[hi] - p0.k[lo]));
    }
    if (P0 === 1) inner[0] = 0;
    if (P0 > 1 && p.k[0] < inner[0]) inner.unshift(p.k[0]);
    if (P0 > 1 && p.k[nq - 1] > inner[inner.length - 1]) inner.push(p.k[nq - 1]);
    const paramK = Float64Array.from(inner);
    const P = paramK.length;
    // start: forward local variance between the previous slice and the quotes, floored
    const start = new Float64Array(P);
    const wMkt = p.mid.map((v) => v * v * p.t);
    for (let j = 0; j < P; j++) {
      const kj = paramK[j];
      const wNew = interpLinear(p.k, wMkt, kj);
      const wOld = tPrev > 0 ? ivOfOtm(interpolateOtm(grid, q, kj), kj, tPrev) ** 2 * tPrev : 0;
      const volNow = Math.sqrt(wNew / p.t);
      start[j] = Math.sqrt(Math.max((wNew - wOld) / dt, 0.09 * volNow * volNow));
    }
    const nodes = Int32Array.from(p.k, (k) => nodeIndex(grid, k));
    const price = Float64Array.from(p.k, (k, i) => otmPrice(k, p.t, p.mid[i]));
    const vega = Float64Array.from(p.k, (k, i) =>
      Math.max(black76Vega(1, Math.exp(k), p.t, p.mid[i]), 1e-300),
    );
    const fit = fitInterval(grid, q, {
      dt,
      nodes,
      price,
      vega,
      weight: Float64Array.from(p.weight),
      paramK,
      start,
      smooth,
      substeps: si === 0 ? firstSubsteps : substeps,
      finiteDifference: opts.finiteDifference,
      hat: { wingCap },
    });
    out.ts.push(p.t);
    out.hats.push(hatWeights(grid, paramK, { wingCap }));
    out.localVols.push(fit.localVol);
    out.qs.push(fit.q);
    out.paramK.push(paramK);
    out.substeps.push(si === 0 ? firstSubsteps : substeps);
    out.status.push(fit.status);
    q = fit.q;
    tPrev = p.t;
  }
  return out;
}

/**
 * Applies `step` (propagate, or the Dupire variance after propagating) over the interval that
 * covers t: from the previous slice (zero time value before the first) with that interval's
 * local vol; beyond the last expiry the last interval's local vol continues from the last slice.
 */
function onCoveringInterval(
  st: AhState,
  t: number,
  step: typeof propagate | typeof dupireLocalVarianceOnGrid,
): Float64Array {
  const n = st.ts.length;
  let i = 0;
  while (i < n && st.ts[i] < t) i++;
  const from = i === n ? n - 1 : i - 1;
  const interval = Math.min(i, n - 1);
  const q0 = from < 0 ? new Float64Array(st.grid.k.length) : st.qs[from];
  const tStart = from < 0 ? 0 : st.ts[from];
  return step(
    st.grid,
    st.hats[interval],
    st.localVols[interval],
    q0,
    t - tStart,
    st.substeps[interval],
  );
}

/** Time values on the grid at time t (an implicit step of the covering interval's local vol). */
function ahTimeValues(st: AhState, t: number): Float64Array {
  const i = st.ts.indexOf(t);
  return i >= 0 ? st.qs[i] : onCoveringInterval(st, t, propagate);
}

/** Dupire local variance of the published surface at t (see dupireLocalVarianceOnGrid). */
function ahLocalVariance(st: AhState, t: number): Float64Array {
  return onCoveringInterval(st, t, dupireLocalVarianceOnGrid);
}

/** Linear interpolation in k of node values, flat beyond the grid. */
function interpolateNodes(grid: AhGrid, v: Float64Array, k: number): number {
  const n = grid.k.length;
  if (k <= grid.k[0]) return v[0];
  if (k >= grid.k[n - 1]) return v[n - 1];
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (grid.k[mid] <= k) lo = mid;
    else hi = mid;
  }
  const w = (k - grid.k[lo]) / (grid.k[hi] - grid.k[lo]);
  return (1 - w) * v[lo] + w * v[hi];
}

// ---------------------------------------------------------------------------------------------

/** Fits the chosen representation to the slices and measures it. */
export function fitSurface(input: SliceQuotes[], opts: FitOptions): SurfaceFit {
  const t0 = now();
  const weighting = opts.weighting ?? "sqrt-spread";
  const minQuotes = opts.minQuotes ?? 5;
  const all = input
    .filter((s) => s.t > 0 && s.forward > 0)
    .map((s) => prepare(s, weighting))
    .sort((a, b) => a.t - b.t);
  const ps = all.filter((p) => p.k.length >= minQuotes);
  const skipped = all.filter((p) => p.k.length < minQuotes).map((p) => ({ t: p.t, n: p.k.length }));
  let fitted: number[][];
  let butterfly: number[];
  let calendar = 0;
  let params: Record<string, unknown>[];
  let status: string[];
  let totalVariance: (k: number, t: number) => number;
  let representation: PublishedRepresentation | undefined;
  let localVariance: ((t: number, k: ArrayLike<number>, out: Float64Array) => void) | undefined;
  if (ps.length === 0) {
    fitted = [];
    butterfly = [];
    params = [];
    status = [];
    totalVariance = () => NaN;
  } else if (opts.model === "published") {
    const st = fitPublished(ps, opts);
    fitted = ps.map((p, i) =>
      p.k.map((k) => ivOfOtm(interpolateOtm(st.grid, st.qs[i], k), k, p.t)),
    );
    butterfly = st.qs.map((q) => gridButterflyViolations(st.grid, q, -1.5, 1.5));
    // whole grid (|k| up to its range, beyond which both slices are 0 time value: no crossing)
    for (let i = 1; i < st.qs.length; i++) {
      if (gridCalendarViolations(st.grid, st.qs[i - 1], st.qs[i]) > 0) calendar++;
    }
    params = ps.map((_, i) => ({
      nodesK: Array.from(st.paramK[i]),
      localVol: Array.from(st.localVols[i]),
      substeps: st.substeps[i],
    }));
    representation = {
      kind: "andreasen-huge",
      gridK: Array.from(st.grid.k),
      slices: ps.map((p, i) => ({
        t: p.t,
        ...(p.expiry !== undefined ? { expiry: p.expiry } : {}),
        forward: p.forward,
        timeValues: Array.from(st.qs[i]),
      })),
    };
    status = st.status;
    const cache = new Map<number, Float64Array>();
    totalVariance = (k, t) => {
      if (!(t > 0)) return 0;
      let q = cache.get(t);
      if (!q) {
        q = ahTimeValues(st, t);
        if (cache.size > 64) cache.clear();
        cache.set(t, q);
      }
      const v = publishedIv(interpolateOtm(st.grid, q, k), k, t);
      return v * v * t;
    };
    localVariance = (t, k, out) => {
      const lv = ahLocalVariance(st, Math.max(t, 1e-8));
      for (let j = 0; j < k.length; j++) out[j] = interpolateNodes(st.grid, lv, k[j]);
    };
  } else {
    const r = fitParametric(opts.model, ps);
    fitted = ps.map((p, i) => p.k.map((k) => Math.sqrt(Math.max(r.w[i](k), 0) / p.t)));
    butterfly = r.svi.map((q) => sviButterflyViolations(q, BUTTERFLY_GRID));
    for (let i = 1; i < r.svi.length; i++) if (sviPairCrosses(r.svi[i - 1], r.svi[i])) calendar++;
    params = r.params;
    status = r.status;
    totalVariance = r.totalVariance;
  }
  const fitMs = now() - t0;
  let se = 0;
  let nTot = 0;
  let maxE = 0;
  let inside = 0;
  const slices: SliceFit[] = ps.map((p, i) => {
    const e = errorStats(p, fitted[i]);
    se += e.se;
    nTot += e.n;
    inside += e.inside;
    maxE = Math.max(maxE, e.maxE);
    const out: SliceFit = {
      t: p.t,
      forward: p.forward,
      ...(p.expiry !== undefined ? { expiry: p.expiry } : {}),
      params: params[i],
      n: e.n,
      rmseVolPts: 100 * Math.sqrt(e.se / e.n),
      maxErrVolPts: 100 * e.maxE,
      insideSpreadShare: e.inside / e.n,
      butterflyViolations: butterfly[i],
      status: status[i],
      k: p.k,
      fitIv: fitted[i],
    };
    const mk = markVsMid(p);
    if (mk !== undefined) {
      out.markRmseVolPts = mk;
      out.fitVsMarkRmseVolPts = fitVsMark(p, fitted[i]);
    }
    return out;
  });
  const failed = status.filter((s) => !s.startsWith("converged")).length;
  const mark = markDiagnostics(ps);
  return {
    model: opts.model,
    slices,
    surface: {
      n: nTot,
      rmseVolPts: nTot ? 100 * Math.sqrt(se / nTot) : NaN,
      maxErrVolPts: 100 * maxE,
      insideSpreadShare: nTot ? inside / nTot : NaN,
      butterflyViolations: butterfly.filter((v) => v > 0).length,
      calendarViolations: calendar,
      fitMs,
      status:
        ps.length === 0
          ? "no slices"
          : failed === 0
            ? "converged"
            : `${failed} of ${ps.length} slices hit the iteration limit`,
    },
    ...(mark ? { mark } : {}),
    skipped,
    ...(representation ? { representation } : {}),
    totalVariance,
    // NaN where the surface has no invertible price (never a vol of 0 standing in for it)
    impliedVol: (k, t) => {
      const w = totalVariance(k, t);
      return w > 0 ? Math.sqrt(w / t) : NaN;
    },
    ...(localVariance ? { localVariance } : {}),
  };
}

export { isConverged, isotonic };

export interface OutOfSampleScore {
  /** Quotes held out: every third strike (3rd, 6th, …) of each expiry, in strike order. */
  heldOut: number;
  /** Held-out quotes the refit surface could not price (no invertible price): left out. */
  unpriced: number;
  /** Held-out quotes without a Deribit mark IV: left out, so both scores use the same quotes. */
  noMark: number;
  /** Quotes scored: priced by the refit surface and marked by Deribit. */
  n: number;
  /** RMSE against mid IV, in vol points, of the surface refitted without the held-out quotes… */
  rmseVolPts: number;
  /** …and of Deribit's mark IV, on the same quotes. */
  markRmseVolPts: number;
}

/** A quote the out-of-sample score holds out. */
export interface HeldOutQuote {
  t: number;
  k: number;
  mid: number;
  /** Deribit's mark IV (NaN without one). */
  mark: number;
  /** The expiry's last strike: the refit prices it beyond its outermost remaining quote. */
  last: boolean;
}

/**
 * The out-of-sample split: of each expiry's usable quotes in strike order, the 3rd, 6th, … are
 * held out and the rest kept to refit.
 */
export function holdOutEveryThird(input: SliceQuotes[]): {
  train: SliceQuotes[];
  held: HeldOutQuote[];
} {
  const train: SliceQuotes[] = [];
  const held: HeldOutQuote[] = [];
  for (const s of input) {
    const idx = s.k
      .map((_, i) => i)
      .filter((i) => [s.k[i], s.midIv[i], s.bidIv[i], s.askIv[i]].every(Number.isFinite))
      .filter((i) => s.midIv[i] > 0)
      .sort((a, b) => s.k[a] - s.k[b]);
    const keep = idx.filter((_, j) => j % 3 !== 2);
    idx.forEach((i, j) => {
      if (j % 3 !== 2) return;
      const mark = s.markIv ? s.markIv[i] : NaN;
      held.push({ t: s.t, k: s.k[i], mid: s.midIv[i], mark, last: j === idx.length - 1 });
    });
    const pick = (xs: number[]) => keep.map((i) => xs[i]);
    train.push({
      ...s,
      k: pick(s.k),
      midIv: pick(s.midIv),
      bidIv: pick(s.bidIv),
      askIv: pick(s.askIv),
      ...(s.markIv ? { markIv: pick(s.markIv) } : {}),
    });
  }
  return { train, held };
}

/**
 * Out-of-sample score: refit the surface without every third strike of each expiry and measure,
 * at the held-out quotes, its error against the mid IV beside that of Deribit's mark on the same
 * quotes (a mark is a published surface too, so both are judged at strikes neither was fitted
 * to — Deribit's mark is not fitted to these mids either).
 */
export function outOfSampleScore(input: SliceQuotes[], opts: FitOptions): OutOfSampleScore {
  const { train, held } = holdOutEveryThird(input);
  const fit = fitSurface(train, opts);
  let unpriced = 0;
  let noMark = 0;
  let se = 0;
  let seMark = 0;
  let n = 0;
  for (const q of held) {
    const iv = fit.impliedVol(q.k, q.t);
    if (!(Number.isFinite(iv) && iv > 0)) {
      unpriced++;
      continue;
    }
    if (!(q.mark > 0)) {
      noMark++;
      continue;
    }
    se += (iv - q.mid) ** 2;
    seMark += (q.mark - q.mid) ** 2;
    n++;
  }
  return {
    heldOut: held.length,
    unpriced,
    noMark,
    n,
    rmseVolPts: n ? 100 * Math.sqrt(se / n) : NaN,
    markRmseVolPts: n ? 100 * Math.sqrt(seMark / n) : NaN,
  };
}
