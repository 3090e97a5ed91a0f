/**
 * One run's model-risk basket: the basket of ./exoticBasket priced under every model fitted to the
 * same vanilla quotes — the published local-vol surface (Dupire local variance of the
 * Andreasen–Huge scheme, ./localVolMonteCarlo), Heston and Bates (QE, ./hestonMonteCarlo) — and
 * the dispersion of the prices (./modelRiskIndex).
 *
 * Each model gets its own seed (seed + 0, 1, 2 in the order localVol, heston, bates) so that the
 * Monte Carlo errors are independent, which the index's noise correction assumes. Control variates
 * use each model's own exact vanilla prices (the surface's Black-76 prices for local vol, the
 * characteristic-function prices for Heston and Bates).
 *
 * Fit error vs model risk: Heston and Bates rarely fit a crypto chain as closely as the surface
 * (on the recorded chains 1-3 vol points RMSE against 0.2-0.3), so part of their disagreement is
 * misfit of the very vanillas they were fitted to. With the surface given, the run also reports
 * each model's misfit of the control vanillas, (model price − surface price)/surface price, and a
 * fit-adjusted index: each claim's price minus β·(model vanilla − surface vanilla), β the
 * claim's control-variate coefficient (its regression on the vanilla over the paths), i.e. the
 * price with the vanilla moved onto the market to first order. It is a diagnostic beside the raw
 * index, not a replacement: β is a regression slope, not an exact sensitivity.
 */
import {
  type BasketMcResult,
  type ClaimId,
  CLAIMS,
  CONTROL_OF,
  DAY,
  type McOptions,
  VANILLA_SPECS,
  VANILLAS,
  type VanillaId,
} from "./exoticBasket";
import { type BatesParams, type HestonParams, svPriceResult } from "./heston";
import { svBasketMonteCarlo } from "./hestonMonteCarlo";
import {
  type LocalVarianceFn,
  localVolBasketMonteCarlo,
  localVolControlPrices,
} from "./localVolMonteCarlo";
import { type ModelPrice, modelRiskIndex, type ModelRiskIndex } from "./modelRiskIndex";

export interface FittedModels {
  /** The published surface: its Dupire local variance and its implied vols (for the controls). */
  localVol?: {
    localVariance: LocalVarianceFn;
    impliedVol: (k: number, t: number) => number;
  };
  heston?: HestonParams;
  bates?: BatesParams;
}

export type ModelId = "localVol" | "heston" | "bates";
const MODEL_ORDER: readonly ModelId[] = ["localVol", "heston", "bates"];

export interface ModelRiskRun {
  /** Per model the basket estimate, or the reason it could not be priced. */
  models: Partial<Record<ModelId, BasketMcResult | { reason: string }>>;
  /** Prices by model and claim (with standard errors), as fed to the index. */
  prices: Partial<Record<ModelId, Record<ClaimId, ModelPrice>>>;
  /** Null with the reason when fewer than two models were priced. */
  index: ModelRiskIndex | null;
  reason?: string;
  /** With the surface: per model, (exact vanilla price − surface price)/surface price. */
  vanillaMisfit?: Partial<Record<ModelId, Record<VanillaId, number>>>;
  /** With the surface: the index of the fit-adjusted prices (see the module comment). */
  adjustedIndex?: ModelRiskIndex | null;
}

export function priceModelRiskBasket(fitted: FittedModels, opts: McOptions = {}): ModelRiskRun {
  const seed = opts.seed ?? 1;
  const models: ModelRiskRun["models"] = {};
  const prices: ModelRiskRun["prices"] = {};
  MODEL_ORDER.forEach((id, i) => {
    const o = { ...opts, seed: seed + i };
    let r: { result: BasketMcResult | null; reason?: string } | null = null;
    if (id === "localVol" && fitted.localVol) {
      const lv = fitted.localVol;
      r = localVolBasketMonteCarlo(lv.localVariance, {
        ...o,
        controlPrices: localVolControlPrices(lv.impliedVol),
      });
    } else if (id === "heston" && fitted.heston) {
      r = svBasketMonteCarlo("heston", fitted.heston, o);
    } else if (id === "bates" && fitted.bates) {
      r = svBasketMonteCarlo("bates", fitted.bates, o);
    }
    if (!r) return;
    if (!r.result) {
      models[id] = { reason: r.reason ?? "not priced" };
      return;
    }
    models[id] = r.result;
    const res = r.result;
    prices[id] = Object.fromEntries(
      CLAIMS.map((c) => [c, { price: res.claims[c].price, stdError: res.claims[c].stdError }]),
    ) as Record<ClaimId, ModelPrice>;
  });
  const idx = modelRiskIndex(prices as Record<string, Record<string, ModelPrice>>);
  const out: ModelRiskRun = {
    models,
    prices,
    index: idx.result,
    ...(idx.result ? {} : { reason: idx.reason }),
  };
  if (!fitted.localVol) return out;
  const market = localVolControlPrices(fitted.localVol.impliedVol);
  const misfit: ModelRiskRun["vanillaMisfit"] = {};
  const adjusted: Record<string, Record<string, ModelPrice>> = {};
  for (const id of MODEL_ORDER) {
    const res = models[id];
    if (!res || !("claims" in res)) continue;
    const own = {} as Record<VanillaId, number>;
    for (const v of VANILLAS) {
      const s = VANILLA_SPECS[v];
      if (id === "localVol") own[v] = market[v];
      else {
        const p = (id === "heston" ? fitted.heston : fitted.bates)!;
        own[v] = svPriceResult(id, p, 1, s.strike, s.days * DAY, s.type).price ?? NaN;
      }
    }
    misfit[id] = Object.fromEntries(
      VANILLAS.map((v) => [v, (own[v] - market[v]) / market[v]]),
    ) as Record<VanillaId, number>;
    adjusted[id] = Object.fromEntries(
      CLAIMS.map((c) => {
        const e = res.claims[c];
        const v = CONTROL_OF[c];
        return [c, { price: e.price - e.beta * (own[v] - market[v]), stdError: e.stdError }];
      }),
    );
  }
  out.vanillaMisfit = misfit;
  out.adjustedIndex = modelRiskIndex(adjusted).result;
  return out;
}
