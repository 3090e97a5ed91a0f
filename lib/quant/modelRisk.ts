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
 */
import { type BasketMcResult, type ClaimId, CLAIMS, type McOptions } from "./exoticBasket";
import type { BatesParams, HestonParams } from "./heston";
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
  return {
    models,
    prices,
    index: idx.result,
    ...(idx.result ? {} : { reason: idx.reason }),
  };
}
