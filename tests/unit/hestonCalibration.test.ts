import { describe, expect, it } from "vitest";
import { black76Vega, type OptionType } from "../../lib/quant/black76";
import {
  batesPrice,
  type BatesParams,
  hestonPrice,
  type HestonParams,
} from "../../lib/quant/heston";
import { calibrateSv, type SvQuote } from "../../lib/quant/hestonCalibration";
import { impliedVol } from "../../lib/quant/impliedVol";
import { Prng } from "../../lib/quant/prng";
import { readGolden } from "../helpers/golden";

// The Cui, del Baño Rollin & Germano (2017) 40-quote set from the shared golden values
// (tests/helpers/golden.ts): S = 1, r = 0.02, q = 0, true (κ, θ, σ, ρ, v0) =
// (3, 0.10, 0.25, −0.8, 0.08), start (1.2, 0.2, 0.3, −0.6, 0.2).
const bench = readGolden<{
  heston_calibration_benchmark: {
    quotes: Array<{ strike: number; t: number; type: OptionType }>;
  };
}>().heston_calibration_benchmark;
const TRUE: HestonParams = { v0: 0.08, kappa: 3, theta: 0.1, sigma: 0.25, rho: -0.8 };
const START: HestonParams = { v0: 0.2, kappa: 1.2, theta: 0.2, sigma: 0.3, rho: -0.6 };
const KEYS = ["v0", "kappa", "theta", "sigma", "rho"] as const;

function cuiQuotes(): SvQuote[] {
  return bench.quotes.map((q) => {
    const forward = Math.exp(0.02 * q.t);
    return { ...q, forward, price: hestonPrice(TRUE, forward, q.strike, q.t, q.type) };
  });
}

describe("Heston calibration", () => {
  it("recovers the Cui et al. parameters from their start (price objective, one start)", () => {
    const fit = calibrateSv("heston", cuiQuotes(), { objective: "price", start: START, starts: 1 });
    expect(fit.converged).toBe(true);
    for (const k of KEYS) {
      expect(Math.abs(fit.params[k] - TRUE[k]) / Math.abs(TRUE[k]), k).toBeLessThan(1e-6);
    }
    // Feller ratio 2κθ/σ² of the true parameters: 2·3·0.1/0.0625 = 9.6
    expect(fit.feller).toBeCloseTo(9.6, 4);
    expect(fit.priceRmse).toBeLessThan(1e-10);
  });

  it("recovers them in vega-weighted (implied-vol) space from the default multi-start", () => {
    const fit = calibrateSv("heston", cuiQuotes());
    expect(fit.objective).toBe("vega-weighted");
    expect(fit.starts.length).toBe(4);
    for (const k of KEYS) {
      expect(Math.abs(fit.params[k] - TRUE[k]) / Math.abs(TRUE[k]), k).toBeLessThan(1e-6);
    }
    expect(fit.rmseVolPts).toBeLessThan(1e-6);
  });

  it("with noise: residuals at the noise level (χ²) and parameters within their standard errors", () => {
    const rng = new Prng(42);
    const noiseVol = 0.002; // 0.2 vol points of i.i.d. noise on every quote's implied vol
    const quotes = cuiQuotes().map((q) => {
      const iv = impliedVol(q.price, q.forward, q.strike, q.t, q.type);
      const vega = black76Vega(q.forward, q.strike, q.t, iv);
      return { ...q, price: q.price + noiseVol * rng.normal() * vega };
    });
    const fit = calibrateSv("heston", quotes, { start: START });
    const m = quotes.length;
    const dof = m - 5;
    // 2·cost/dof estimates σ²_noise (residuals are first-order vol errors); χ²₃₅ has its
    // 0.05 % and 99.95 % quantiles at about 15.3 and 69.0
    const ratio = (2 * fit.cost) / dof / noiseVol ** 2;
    expect(ratio).toBeGreaterThan(15.3 / dof);
    expect(ratio).toBeLessThan(69.0 / dof);
    const cov = fit.covariance!;
    KEYS.forEach((k, i) => {
      const se = Math.sqrt(cov[i][i]);
      // 4.5 standard errors: a two-sided 1-in-150 000 event per parameter under the model
      expect(Math.abs(fit.params[k] - TRUE[k]), k).toBeLessThan(4.5 * se);
    });
  });
});

describe("Bates calibration", () => {
  it("recovers known parameters from prices it generated (multi-start)", () => {
    const truth: BatesParams = {
      v0: 0.3,
      kappa: 2,
      theta: 0.4,
      sigma: 1,
      rho: -0.4,
      lambda: 0.8,
      muJ: -0.15,
      sigmaJ: 0.25,
    };
    const quotes: SvQuote[] = [];
    for (const t of [0.05, 0.15, 0.35, 0.7, 1.5]) {
      for (const z of [-1.5, -1, -0.5, 0, 0.5, 1, 1.5]) {
        const strike = 100 * Math.exp(z * Math.sqrt(0.35 * t));
        const type: OptionType = z < 0 ? "put" : "call";
        quotes.push({
          t,
          forward: 100,
          strike,
          type,
          price: batesPrice(truth, 100, strike, t, type),
        });
      }
    }
    const fit = calibrateSv("bates", quotes, { starts: 6 });
    const p = fit.params as BatesParams;
    for (const k of [...KEYS, "lambda", "muJ", "sigmaJ"] as const) {
      expect(Math.abs(p[k] - truth[k]) / Math.abs(truth[k]), k).toBeLessThan(1e-4);
    }
  });
});
