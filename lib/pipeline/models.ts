// Heston and Bates fitted to the run's cleaned chain, the model-risk basket priced under them and
// the published surface, and the Kalman/CUSUM state of their parameters across runs
// (docs/methodology.md §8–§9, "In every run"). Diagnostics only: nothing here may fail a run —
// every failure is recorded with its reason and the published surface stays the gate.
import { performance } from "node:perf_hooks";
import type { ChainIvs } from "../market/impliedVols";
import { svQuotes } from "../market/surfaceInput";
import type { ClaimId } from "../quant/exoticBasket";
import { type BatesParams, type HestonParams, paramKeys, type SvModel } from "../quant/heston";
import { calibrateSv, type SvCalibration, type SvQuote } from "../quant/hestonCalibration";
import type { Matrix } from "../quant/kalman";
import { priceModelRiskBasket } from "../quant/modelRisk";
import type { ModelRiskIndex } from "../quant/modelRiskIndex";
import type { SurfaceFit } from "../quant/surface";
import { svRegime, type SvObservation, type SvRegime } from "../risk/svRegime";

export const SV_MODELS: readonly SvModel[] = ["heston", "bates"];

/** Starts of a cold fit (no previous parameters, or the warm start did not converge). */
const COLD_STARTS = 4;
/** Warm fits start from the previous run's parameters; a converging one takes ~20-50 steps. */
const WARM_MAX_ITERATIONS = 40;
/**
 * A warm fit stopped by the iteration cap (LM's tolerances are strict) is kept when its error is
 * within this factor of the previous run's: a cold multi-start costs 1-3 s on these chains.
 */
const WARM_ACCEPT_RMSE_RATIO = 1.25;
/**
 * Basket paths per model: ~0.2 s for all three on the recorded chains; the standard errors
 * (2-5.5 % of the price) are reported and the index removes their share of the dispersion.
 */
export const BASKET_PATHS = 3000;
export const BASKET_SEED = 20260801;

/** What is stored as the `diagnostics` of a "heston" / "bates" surfaces row. */
export interface SvFitRecord {
  model: SvModel;
  status: string;
  converged: boolean;
  /** "warm" (one start from the previous run's fit), "cold" (multi-start) or "warm+cold". */
  start: "warm" | "cold" | "warm+cold";
  reason?: string;
  params: Record<string, number> | null;
  stdErrors: Record<string, number | null> | null;
  covariance: Matrix | null;
  feller: number | null;
  n: number;
  rmseVolPts: number | null;
  maxErrVolPts: number | null;
  insideSpreadShare: number | null;
  priceRmse: number | null;
  iterations: number;
  fitMs: number;
  regime?: SvRegime;
}

export interface ModelRiskRecord {
  status: "ok" | "failed";
  reason?: string;
  paths: number;
  seed: number;
  ms: number;
  /** The market's modelRiskIndexWarning when the run was made (rationale and charts). */
  warningThreshold: number;
  index: number | null;
  meanRelativeRange: number | null;
  adjustedIndex: number | null;
  /** Per model and claim: price and Monte Carlo standard error (per unit of forward). */
  prices: Record<string, Record<ClaimId, { price: number; stdError: number | null }>>;
  claims: ModelRiskIndex["claims"] | null;
  /** Models that could not be priced, with the reason. */
  unpriced: Record<string, string>;
  vanillaMisfit: Record<string, Record<string, number>> | null;
}

export interface ModelsOutcome {
  fits: Partial<Record<SvModel, SvFitRecord>>;
  modelRisk: ModelRiskRecord;
  ms: number;
}

/** Earlier runs' stored fits of a market (oldest first), for warm starts and the filter. */
export type SvHistory = Record<SvModel, SvObservation[]>;

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function record(
  model: SvModel,
  fit: SvCalibration,
  start: SvFitRecord["start"],
  fitMs: number,
): SvFitRecord {
  const keys = paramKeys(model);
  const params = fit.params as unknown as Record<string, number>;
  return {
    model,
    status: fit.converged ? "converged" : `not converged: ${fit.status}`,
    converged: fit.converged,
    start,
    params: { ...params },
    stdErrors: Object.fromEntries(
      keys.map((k, i) => [
        k,
        fit.covariance ? finiteOrNull(Math.sqrt(fit.covariance[i][i])) : null,
      ]),
    ),
    covariance: fit.covariance,
    feller: finiteOrNull(fit.feller),
    n: fit.n,
    rmseVolPts: finiteOrNull(fit.rmseVolPts),
    maxErrVolPts: finiteOrNull(fit.maxErrVolPts),
    insideSpreadShare: finiteOrNull(fit.insideSpreadShare),
    priceRmse: finiteOrNull(fit.priceRmse),
    iterations: fit.iterations,
    fitMs,
  };
}

/** One model: warm single start when a previous fit exists, cold multi-start otherwise. */
export function fitSvModel(
  model: SvModel,
  quotes: SvQuote[],
  previous: Record<string, number> | null,
  previousRmseVolPts: number | null = null,
): SvFitRecord {
  const t0 = performance.now();
  const failed = (reason: string): SvFitRecord => ({
    model,
    status: "failed",
    converged: false,
    start: previous ? "warm" : "cold",
    reason,
    params: null,
    stdErrors: null,
    covariance: null,
    feller: null,
    n: quotes.length,
    rmseVolPts: null,
    maxErrVolPts: null,
    insideSpreadShare: null,
    priceRmse: null,
    iterations: 0,
    fitMs: performance.now() - t0,
  });
  if (quotes.length <= paramKeys(model).length) return failed(`${quotes.length} quotes: too few`);
  try {
    let fit: SvCalibration | null = null;
    let start: SvFitRecord["start"] = "cold";
    const usable =
      previous && paramKeys(model).every((k) => Number.isFinite(previous[k])) ? previous : null;
    if (usable) {
      fit = calibrateSv(model, quotes, {
        start: usable as unknown as HestonParams | BatesParams,
        starts: 1,
        maxIterations: WARM_MAX_ITERATIONS,
      });
      start = "warm";
    }
    const acceptable = (f: SvCalibration) =>
      f.converged ||
      (f.status === "max iterations" &&
        previousRmseVolPts !== null &&
        f.rmseVolPts <= WARM_ACCEPT_RMSE_RATIO * previousRmseVolPts);
    if (!fit || !acceptable(fit)) {
      const cold = calibrateSv(model, quotes, { starts: COLD_STARTS });
      if (!fit || !(fit.cost <= cold.cost)) fit = cold;
      start = usable ? "warm+cold" : "cold";
    }
    return record(model, fit, start, performance.now() - t0);
  } catch (err) {
    return failed(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Heston and Bates fits (warm-started from `history`'s latest fit), their regime state over
 * `history` plus this run, and the model-risk basket under the published surface and both fits.
 */
export function calibrateModels(
  ivs: ChainIvs,
  published: SurfaceFit,
  history: SvHistory,
  run: { asOf: string; indexWarning: number },
): ModelsOutcome {
  const t0 = performance.now();
  const quotes = svQuotes(ivs);
  const fits: ModelsOutcome["fits"] = {};
  for (const model of SV_MODELS) {
    const prior = [...history[model]].reverse().find((h) => h.params !== null);
    const fit = fitSvModel(model, quotes, prior?.params ?? null, prior?.rmseVolPts ?? null);
    // This run has no id yet: -1 stands for it in the filter's run list.
    fit.regime = svRegime(model, [
      ...history[model],
      { runId: -1, asOf: run.asOf, params: fit.params, covariance: fit.covariance },
    ]);
    fits[model] = fit;
  }
  const modelRisk = { ...basket(published, fits), warningThreshold: run.indexWarning };
  return { fits, modelRisk, ms: performance.now() - t0 };
}

function basket(
  published: SurfaceFit,
  fits: ModelsOutcome["fits"],
): Omit<ModelRiskRecord, "warningThreshold"> {
  const t0 = performance.now();
  const out: Omit<ModelRiskRecord, "warningThreshold"> = {
    status: "ok",
    paths: BASKET_PATHS,
    seed: BASKET_SEED,
    ms: 0,
    index: null,
    meanRelativeRange: null,
    adjustedIndex: null,
    prices: {},
    claims: null,
    unpriced: {},
    vanillaMisfit: null,
  };
  try {
    const h = fits.heston?.params as HestonParams | null | undefined;
    const b = fits.bates?.params as BatesParams | null | undefined;
    const r = priceModelRiskBasket(
      {
        ...(published.localVariance
          ? {
              localVol: {
                localVariance: published.localVariance,
                impliedVol: published.impliedVol,
              },
            }
          : {}),
        ...(h ? { heston: h } : {}),
        ...(b ? { bates: b } : {}),
      },
      { paths: BASKET_PATHS, seed: BASKET_SEED },
    );
    for (const [m, p] of Object.entries(r.prices)) {
      out.prices[m] = Object.fromEntries(
        Object.entries(p).map(([c, v]) => [c, { price: v.price, stdError: v.stdError ?? null }]),
      ) as ModelRiskRecord["prices"][string];
    }
    for (const [m, res] of Object.entries(r.models)) {
      if (res && "reason" in res) out.unpriced[m] = res.reason;
    }
    if (!published.localVariance)
      out.unpriced.localVol = "the published surface has no local variance";
    if (r.index) {
      out.index = r.index.index;
      out.meanRelativeRange = r.index.meanRelativeRange;
      out.claims = r.index.claims;
    } else {
      out.status = "failed";
      out.reason = r.reason ?? "no index";
    }
    out.adjustedIndex = r.adjustedIndex?.index ?? null;
    out.vanillaMisfit = (r.vanillaMisfit as ModelRiskRecord["vanillaMisfit"]) ?? null;
  } catch (err) {
    out.status = "failed";
    out.reason = err instanceof Error ? err.message : String(err);
  }
  out.ms = performance.now() - t0;
  return out;
}
