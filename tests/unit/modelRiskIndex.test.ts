// The model-risk index: its properties (fast-check), a worked example by hand, and one run of the
// basket under three models fitted to the same quotes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLAIMS, VANILLAS } from "../../lib/quant/exoticBasket";
import { type BatesParams, hestonPrice, type HestonParams } from "../../lib/quant/heston";
import { impliedVol } from "../../lib/quant/impliedVol";
import { priceModelRiskBasket } from "../../lib/quant/modelRisk";
import { type ModelPrice, modelRiskIndex } from "../../lib/quant/modelRiskIndex";
import { fitSurface, type SliceQuotes } from "../../lib/quant/surface";

const claimIds = ["a", "b", "c"];
const priceArb = fc.record({
  price: fc.double({ min: 1e-6, max: 10, noNaN: true }),
  stdError: fc.double({ min: 0, max: 0.1, noNaN: true }),
});
/** 2..5 models, each pricing the claims a, b, c. */
const tableArb = fc
  .array(fc.array(priceArb, { minLength: 3, maxLength: 3 }), { minLength: 2, maxLength: 5 })
  .map(
    (rows) =>
      Object.fromEntries(
        rows.map((r, m) => [`m${m}`, Object.fromEntries(r.map((p, i) => [claimIds[i], p]))]),
      ) as Record<string, Record<string, ModelPrice>>,
  );
const params = { seed: 20261201, numRuns: 300 };

describe("modelRiskIndex properties", () => {
  it("is non-negative everywhere", () => {
    fc.assert(
      fc.property(tableArb, (t) => {
        const r = modelRiskIndex(t).result!;
        expect(r.index).toBeGreaterThanOrEqual(0);
        expect(r.meanRelativeRange).toBeGreaterThanOrEqual(0);
        for (const c of claimIds) {
          const d = r.claims[c];
          for (const v of [d.range, d.std, d.relativeRange, d.relativeStd, d.noiseStd]) {
            expect(v).toBeGreaterThanOrEqual(0);
          }
          expect(d.excessRelativeStd).toBeGreaterThanOrEqual(0);
          expect(d.excessRelativeStd).toBeLessThanOrEqual(d.relativeStd * (1 + 1e-12));
        }
      }),
      params,
    );
  });

  it("is zero when all models agree", () => {
    fc.assert(
      fc.property(
        fc.array(priceArb, { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 2, max: 5 }),
        (row, m) => {
          const t = Object.fromEntries(
            Array.from({ length: m }, (_, j) => [
              `m${j}`,
              Object.fromEntries(row.map((p, i) => [claimIds[i], p])),
            ]),
          );
          const r = modelRiskIndex(t).result!;
          expect(r.index).toBe(0);
          expect(r.meanRelativeRange).toBe(0);
          for (const c of claimIds) expect(r.claims[c].significant).toBe(false);
        },
      ),
      params,
    );
  });

  it("is scale-free and does not depend on the order of the models", () => {
    fc.assert(
      fc.property(tableArb, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (t, s) => {
        const a = modelRiskIndex(t).result!;
        const scaled = Object.fromEntries(
          Object.entries(t).map(([m, row]) => [
            m,
            Object.fromEntries(
              Object.entries(row).map(([c, p]) => [
                c,
                { price: s * p.price, stdError: s * (p.stdError ?? 0) },
              ]),
            ),
          ]),
        );
        const b = modelRiskIndex(scaled).result!;
        const close = (x: number, y: number) =>
          expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
        close(b.index, a.index);
        close(b.meanRelativeRange, a.meanRelativeRange);
        for (const c of claimIds) {
          close(b.claims[c].relativeStd, a.claims[c].relativeStd);
          expect(b.claims[c].significant).toBe(a.claims[c].significant);
        }
        const reversed = Object.fromEntries(Object.entries(t).reverse());
        close(modelRiskIndex(reversed).result!.index, a.index);
      }),
      params,
    );
  });

  it("a worked example by hand", () => {
    // claim x priced 0.9, 1.0, 1.1 with standard errors 0.01: mean 1, range 0.2, s = 0.1,
    // noise 0.01, excess √(0.01 − 0.0001) = 0.0994987…; claim y agrees exactly
    const r = modelRiskIndex({
      lv: { x: { price: 0.9, stdError: 0.01 }, y: { price: 2 } },
      h: { x: { price: 1.0, stdError: 0.01 }, y: { price: 2 } },
      b: { x: { price: 1.1, stdError: 0.01 }, y: { price: 2 } },
    }).result!;
    const x = r.claims.x;
    expect(x.mean).toBeCloseTo(1, 14);
    expect(x.range).toBeCloseTo(0.2, 14);
    expect(x.std).toBeCloseTo(0.1, 14);
    expect(x.noiseStd).toBeCloseTo(0.01, 14);
    expect(x.excessRelativeStd).toBeCloseTo(Math.sqrt(0.0099), 14);
    expect(x.minModel).toBe("lv");
    expect(x.maxModel).toBe("b");
    expect(x.significant).toBe(true);
    expect(r.index).toBeCloseTo(Math.sqrt(0.0099) / 2, 14);
    // a dispersion inside the noise is recognised as such
    const n = modelRiskIndex({
      a: { x: { price: 1.0, stdError: 0.05 } },
      b: { x: { price: 1.01, stdError: 0.05 } },
    }).result!;
    expect(n.claims.x.excessRelativeStd).toBe(0);
    expect(n.claims.x.significant).toBe(false);
  });

  it("rejects invalid inputs with a reason", () => {
    expect(modelRiskIndex({ a: { x: { price: 1 } } }).reason).toMatch(/two models/);
    expect(modelRiskIndex({ a: {}, b: {} }).reason).toMatch(/no claims/);
    expect(modelRiskIndex({ a: { x: { price: 1 } }, b: { x: { price: NaN } } }).reason).toMatch(
      /finite price/,
    );
    expect(modelRiskIndex({ a: { x: { price: 1 } }, b: { y: { price: 1 } } }).reason).toMatch(
      /b has no finite price for x/,
    );
    expect(
      modelRiskIndex({ a: { x: { price: 1, stdError: -1 } }, b: { x: { price: 1 } } }).reason,
    ).toMatch(/stdError/);
    expect(modelRiskIndex(null as never).reason).toMatch(/object/);
  });
});

describe("one run: the basket under three models fitted to the same quotes", () => {
  it("prices every model; the vanillas agree across models; identical models agree", () => {
    // quotes from a Heston smile; the published surface fits them, Heston is the generating model,
    // and "Bates" is the same model without jumps: two implementations of one model
    const H: HestonParams = { v0: 0.36, kappa: 2, theta: 0.4, sigma: 1.2, rho: -0.3 };
    const slices: SliceQuotes[] = [7, 14, 30, 60, 90].map((days) => {
      const t = days / 365;
      const k: number[] = [];
      const mid: number[] = [];
      for (let i = -6; i <= 6; i++) {
        const kk = (i / 6) * 1.5 * Math.sqrt(t);
        const type = kk < 0 ? "put" : "call";
        k.push(kk);
        mid.push(impliedVol(hestonPrice(H, 1, Math.exp(kk), t, type), 1, Math.exp(kk), t, type));
      }
      return {
        t,
        forward: 1,
        k,
        midIv: mid,
        bidIv: mid.map((v) => v - 0.005),
        askIv: mid.map((v) => v + 0.005),
      };
    });
    const fit = fitSurface(slices, { model: "published" });
    const B: BatesParams = { ...H, lambda: 0, muJ: 0, sigmaJ: 0.1 };
    const run = priceModelRiskBasket(
      {
        localVol: { localVariance: fit.localVariance!, impliedVol: fit.impliedVol },
        heston: H,
        bates: B,
      },
      { paths: 20000, seed: 7 },
    );
    expect(Object.keys(run.prices).sort()).toEqual(["bates", "heston", "localVol"]);
    const idx = run.index!;
    expect(idx.index).toBeGreaterThanOrEqual(0);
    for (const c of CLAIMS) expect(idx.claims[c].models).toBe(3);
    // every model fits the same quotes: the vanillas (plain means) agree within 4 errors
    for (const v of VANILLAS) {
      const est = (["localVol", "heston", "bates"] as const).map(
        (m) =>
          (run.models[m] as { vanillas: Record<string, { price: number; stdError: number }> })
            .vanillas[v],
      );
      for (let i = 0; i < 3; i++) {
        for (let j = i + 1; j < 3; j++) {
          expect(Math.abs(est[i].price - est[j].price)).toBeLessThanOrEqual(
            4 * Math.hypot(est[i].stdError, est[j].stdError),
          );
        }
      }
    }
    // Heston and jump-free Bates are one model: no claim differs significantly
    const pair = modelRiskIndex({ heston: run.prices.heston!, bates: run.prices.bates! }).result!;
    for (const c of CLAIMS) expect(pair.claims[c].significant).toBe(false);
    // the models fit the same quotes: their exact vanillas are within 1 % of the surface's (the
    // surface's fit error is ~0.02 vol points here), and the fit adjustment exists
    for (const m of ["heston", "bates"] as const) {
      for (const v of VANILLAS) expect(Math.abs(run.vanillaMisfit![m]![v])).toBeLessThan(0.01);
    }
    expect(run.vanillaMisfit!.localVol!.put30).toBe(0);
    expect(run.adjustedIndex!.index).toBeGreaterThanOrEqual(0);
    // one model alone has no dispersion to report
    const one = priceModelRiskBasket({ heston: H }, { paths: 100 });
    expect(one.index).toBeNull();
    expect(one.reason).toMatch(/two models/);
  });
});
