// Risk-engine numerics against the shared golden values (tests/fixtures/golden.json), textbook
// tables and properties.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { christoffersen, kupiec, trafficLight, z2Test } from "../../lib/quant/backtests";
import { ewmaSigma, normalVarEs } from "../../lib/quant/ewma";
import { fitGpdTail, gpdVarEs } from "../../lib/quant/evt";
import { fitGarchT, garchNextVariance } from "../../lib/quant/garch";
import { Prng } from "../../lib/quant/prng";
import { varEs } from "../../lib/quant/riskMethods";
import {
  binomialCdf,
  chiSquareCdf,
  standardizedTVarEs,
  tCdf,
  tQuantile,
} from "../../lib/quant/studentT";

const golden = JSON.parse(readFileSync("tests/fixtures/golden.json", "utf8"));

describe("distributions (textbook tables)", () => {
  it("Student-t quantiles", () => {
    expect(tQuantile(0.99, 5)).toBeCloseTo(3.36493, 5);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228139, 6);
    expect(tQuantile(0.95, 1)).toBeCloseTo(6.313752, 6); // Cauchy: tan(0.45π)
    expect(tQuantile(0.01, 30)).toBeCloseTo(-2.457262, 6);
    expect(tCdf(tQuantile(0.999, 3.5), 3.5)).toBeCloseTo(0.999, 13);
  });
  it("chi-square and binomial", () => {
    expect(chiSquareCdf(3.841458821, 1)).toBeCloseTo(0.95, 9);
    expect(chiSquareCdf(5.991464547, 2)).toBeCloseTo(0.95, 9);
    expect(binomialCdf(4, 250, 0.01)).toBeCloseTo(0.892188, 6); // Basel 1996 table: 89.22 %
    expect(binomialCdf(9, 250, 0.01)).toBeCloseTo(0.99975, 5); // 99.97 %
  });
  it("normal VaR and ES multiples", () => {
    const { var: v, es } = normalVarEs(1, 0.99);
    expect(v).toBeCloseTo(2.326347874, 9);
    expect(es).toBeCloseTo(2.66521422, 8);
  });
});

describe("GARCH(1,1)-t", () => {
  const g = golden.garch_t_one_step;
  it("one-step σ, VaR and ES at 99 % match the golden values", () => {
    const p = { mu: g.mu, omega: g.omega, alpha: g.alpha, beta: g.beta, nu: g.nu };
    const sigma = Math.sqrt(garchNextVariance(p, g.last_return, g.last_variance));
    expect(sigma).toBeCloseTo(g.next_sigma, 12);
    const z = standardizedTVarEs(0.99, g.nu);
    expect(sigma * z.var).toBeCloseTo(g.p99.var, 9);
    expect(sigma * z.es).toBeCloseTo(g.p99.es, 9);
  });
  it("maximum likelihood recovers the parameters of a long simulated series", () => {
    const rng = new Prng(2024);
    const truth = { mu: 0, omega: 2e-5, alpha: 0.1, beta: 0.85, nu: 5 };
    const n = 6000;
    const r = new Float64Array(n);
    let v = truth.omega / (1 - truth.alpha - truth.beta);
    for (let t = 0; t < n; t++) {
      const e = Math.sqrt(v) * rng.standardizedT(truth.nu);
      r[t] = e;
      v = truth.omega + truth.alpha * e * e + truth.beta * v;
    }
    const { params } = fitGarchT(r);
    expect(params.alpha).toBeGreaterThan(0.07);
    expect(params.alpha).toBeLessThan(0.13);
    expect(params.beta).toBeGreaterThan(0.8);
    expect(params.beta).toBeLessThan(0.9);
    expect(params.nu).toBeGreaterThan(4);
    expect(params.nu).toBeLessThan(6.5);
  });
});

describe("EVT", () => {
  it("recovers the shape of a Pareto tail", () => {
    const rng = new Prng(5);
    // Pareto with tail index 1/ξ = 4: P(X > x) = x^−4, so ξ = 0.25
    const xs = Array.from({ length: 20000 }, () => rng.uniform() ** -0.25);
    const tail = fitGpdTail(xs, 0.1);
    // ξ̂ has standard error ≈ (1 + ξ)/√k = 0.028 with k = 2000 exceedances: allow 3 of them
    expect(tail.xi).toBeGreaterThan(0.166);
    expect(tail.xi).toBeLessThan(0.334);
    // exact Pareto 99.9 % quantile: 0.001^−0.25 = 5.623
    const q = gpdVarEs(tail, 0.999).var;
    expect(Math.abs(q / 5.623 - 1)).toBeLessThan(0.15);
  });
});

describe("backtests", () => {
  it("Kupiec LR by exception count (golden, T = 250, p = 1 %)", () => {
    for (const [x, lr] of Object.entries(golden.kupiec_pof.lr_by_exceptions)) {
      expect(kupiec(Number(x), 250, 0.01).lr).toBeCloseTo(lr as number, 5);
    }
  });
  it("Basel zones and plus factors (golden)", () => {
    const b = golden.basel_traffic_light;
    for (let x = 0; x <= 12; x++) {
      const t = trafficLight(x, 250, 0.01);
      const zone =
        x <= b.green_max_exceptions ? "green" : x <= b.yellow_max_exceptions ? "yellow" : "red";
      expect(t.zone, `${x}`).toBe(zone);
      const plus = x <= 4 ? 0 : x >= 10 ? b.plus_factor["10+"] : b.plus_factor[String(x)];
      expect(t.plusFactor, `${x}`).toBe(plus);
    }
  });
  it("Christoffersen: clustered exceptions fail independence, spread ones pass", () => {
    const clustered = Array.from({ length: 500 }, (_, t) => t >= 100 && t < 105);
    const spread = Array.from({ length: 500 }, (_, t) => t % 100 === 50);
    expect(christoffersen(clustered, 0.01).pValueInd).toBeLessThan(0.001);
    expect(christoffersen(spread, 0.01).pValueInd).toBeGreaterThan(0.5);
  });
  it("Z2 is −1 without exceptions and rejects tails twice as heavy as forecast", () => {
    const T = 1000;
    const none = z2Test(new Array(T).fill(0), new Array(T).fill(1), new Array(T).fill(1.2), 0.99);
    expect(none.value).toBe(-1);
    const heavy = Array.from({ length: T }, (_, t) => (t % 50 === 0 ? 2.4 : 0)); // 2 % at 2·ES
    const z = z2Test(heavy, new Array(T).fill(1), new Array(T).fill(1.2), 0.99);
    expect(z.value).toBeCloseTo((20 * 2) / 10 - 1, 12);
    expect(z.pValue).toBeLessThan(0.01);
  });
});

describe("varEs properties", () => {
  const sample = fc.array(fc.double({ min: -0.2, max: 0.2, noNaN: true }), {
    minLength: 200,
    maxLength: 400,
  });
  it("ES ≥ VaR and scale equivariance for hs and ewma", () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 0.5, max: 4, noNaN: true }), (xs, c) => {
        for (const method of ["hs", "ewma"] as const) {
          const a = varEs(xs, { method, level: 0.99 });
          const b = varEs(
            xs.map((x) => c * x),
            { method, level: 0.99 },
          );
          expect(a.es).toBeGreaterThanOrEqual(a.var - 1e-12);
          expect(b.var).toBeCloseTo(c * a.var, 9);
          expect(b.es).toBeCloseTo(c * a.es, 9);
        }
      }),
      { numRuns: 50 },
    );
  });
  it("EWMA follows the RiskMetrics recursion", () => {
    const r = [0.01, -0.02, 0.03];
    // start: mean square of the (three) returns, then three updates with λ = 0.94
    let v = (1e-4 + 4e-4 + 9e-4) / 3;
    for (const x of r) v = 0.94 * v + 0.06 * x * x;
    expect(ewmaSigma(r)).toBeCloseTo(Math.sqrt(v), 15);
  });
  it("GARCH-based VaR and ES rise with the level and ES ≥ VaR", () => {
    const rng = new Prng(9);
    const r = Array.from({ length: 800 }, () => 0.02 * rng.standardizedT(4));
    for (const method of ["garch-t", "fhs", "evt"] as const) {
      const lo = varEs(r, { method, level: 0.975 });
      const hi = varEs(r, { method, level: 0.99 });
      expect(hi.var, method).toBeGreaterThan(lo.var);
      expect(hi.es, method).toBeGreaterThan(lo.es);
      expect(hi.es, method).toBeGreaterThan(hi.var);
    }
  });
});

describe("rolling GARCH-t backtest", () => {
  it("does not get stuck in a worse optimum through its warm starts (BTC, 250-day window)", async () => {
    const { readPriceCsv } = await import("../../lib/market/priceCsv");
    const { dailyLogReturns } = await import("../../lib/quant/returns");
    const { rollingBacktest } = await import("../../lib/quant/backtests");
    const s = readPriceCsv("data/btc_usd_daily_2015-2026.csv");
    const { dates, returns } = dailyLogReturns(s.dates, s.prices);
    const b = rollingBacktest(dates, returns, { method: "garch-t", level: 0.99, window: 250 });
    // An independent implementation (cold fit every 20 days, μ = 0 or the sample mean) finds
    // 53–54 exceptions in these 3,811 days; a warm-start chain left alone found 82.
    expect(b.days).toBe(3811);
    expect(b.exceptions).toBeGreaterThanOrEqual(48);
    expect(b.exceptions).toBeLessThanOrEqual(58);
  });
});
