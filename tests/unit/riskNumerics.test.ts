// Risk-engine numerics against the shared golden values (tests/fixtures/golden.json), textbook
// tables and properties.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  christoffersen,
  kupiec,
  rollingBacktest,
  trafficLight,
  z2Test,
} from "../../lib/quant/backtests";
import { ewmaSigma, normalVarEs } from "../../lib/quant/ewma";
import { fitGpdTail, gpdVarEs, semiParametricSampler } from "../../lib/quant/evt";
import { fitGarchT, garchNextVariance } from "../../lib/quant/garch";
import { Prng } from "../../lib/quant/prng";
import { RISK_METHODS, RiskMethodError, varEs } from "../../lib/quant/riskMethods";
import { readPriceCsv } from "../../lib/market/priceCsv";
import { dailyLogReturns } from "../../lib/quant/returns";
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
  it("Basel zones and plus factors (golden) at 99 %, and no traffic light at 97.5 %", () => {
    const b = golden.basel_traffic_light;
    for (let x = 0; x <= 12; x++) {
      const t = trafficLight(x, 250, 0.01)!;
      const zone =
        x <= b.green_max_exceptions ? "green" : x <= b.yellow_max_exceptions ? "yellow" : "red";
      expect(t.zone, `${x}`).toBe(zone);
      const plus = x <= 4 ? 0 : x >= 10 ? b.plus_factor["10+"] : b.plus_factor[String(x)];
      expect(t.plusFactor, `${x}`).toBe(plus);
      // the Basel table is for 99 % VaR: no cited zones at 97.5 %, so none are given
      expect(trafficLight(x, 250, 0.025)).toBeNull();
    }
  });
  it("Christoffersen: clustered exceptions fail independence, spread ones pass", () => {
    const clustered = Array.from({ length: 500 }, (_, t) => t >= 100 && t < 105);
    const spread = Array.from({ length: 500 }, (_, t) => t % 100 === 50);
    expect(christoffersen(clustered, 0.01).pValueInd).toBeLessThan(0.001);
    expect(christoffersen(spread, 0.01).pValueInd).toBeGreaterThan(0.5);
  });
  // A forecast whose VaR₉₉ is 1 and ES₉₉ 1.2: 1 % of days lose 1 + 0.4·U (mean 1.2), others 0.
  const model = (rng: Prng) => (rng.uniform() < 0.01 ? 1 + 0.4 * rng.uniform() : 0);
  it("Z2 is −1 without exceptions and rejects tails twice as heavy as forecast", () => {
    const T = 1000;
    const draws = new Array(T).fill(model);
    const vars = new Array(T).fill(1);
    const ess = new Array(T).fill(1.2);
    const none = z2Test(new Array(T).fill(0), vars, ess, 0.99, draws);
    expect(none.value).toBe(-1);
    const heavy = Array.from({ length: T }, (_, t) => (t % 50 === 0 ? 2.4 : 0)); // 2 % at 2·ES
    const z = z2Test(heavy, vars, ess, 0.99, draws);
    // by hand: Σ L/ES = 20 · 2 = 40, over T(1 − α) = 10, minus 1
    expect(z.value).toBeCloseTo(40 / 10 - 1, 12);
    expect(z.pValue).toBeLessThan(0.01);
    expect(() => z2Test(heavy, vars, ess, 0.99, draws.slice(1))).toThrow(/one forecast per day/);
  });
  it("Z2's null is the model's own: a data set drawn from the forecast is not rejected", () => {
    const T = 500;
    const rng = new Prng(11);
    const losses = Array.from({ length: T }, () => model(rng));
    const z = z2Test(
      losses,
      new Array(T).fill(1),
      new Array(T).fill(1.2),
      0.99,
      new Array(T).fill(model),
    );
    expect(z.pValue).toBeGreaterThan(0.05);
  });
  it("Z2's critical value depends on the forecast's tail: same VaR and ES, more dispersion, higher", () => {
    const T = 250;
    const vars = new Array(T).fill(1);
    const ess = new Array(T).fill(1.2);
    const zero = new Array(T).fill(0);
    // both exceed 1 % of days with mean size 1.2; the second is 1.0001 or 1.3999 at random
    const tight = (rng: Prng) => (rng.uniform() < 0.01 ? 1.2 : 0);
    const wide = (rng: Prng) =>
      rng.uniform() < 0.01 ? (rng.uniform() < 0.5 ? 1.0001 : 1.3999) : 0;
    const a = z2Test(zero, vars, ess, 0.99, new Array(T).fill(tight), { simulations: 4000 });
    const b = z2Test(zero, vars, ess, 0.99, new Array(T).fill(wide), { simulations: 4000 });
    expect(b.criticalValue).toBeGreaterThan(a.criticalValue);
  });
});

/** Acerbi–Tasche ES and the empirical VaR of a loss sample, written here from the formula. */
function referenceHs(losses: number[], level: number) {
  const d = [...losses].sort((x, y) => y - x);
  const m = d.length * (1 - level);
  const w = Math.floor(m + 1e-9);
  let tail = 0;
  for (let i = 0; i < w; i++) tail += d[i];
  return { var: d[w], es: (tail + (m - w) * d[w]) / m };
}

describe("both sides: losses are simple returns, long −(eʳ − 1), short eʳ − 1", () => {
  const sample = fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), {
    minLength: 200,
    maxLength: 400,
  });
  it("hs: each side is the Acerbi–Tasche estimate of that side's simple losses; var/es the worse", () => {
    fc.assert(
      fc.property(sample, (xs) => {
        const r = varEs(xs, { method: "hs", level: 0.99 });
        const long = referenceHs(
          xs.map((x) => 1 - Math.exp(x)),
          0.99,
        );
        const short = referenceHs(
          xs.map((x) => Math.exp(x) - 1),
          0.99,
        );
        expect(r.sides.long.var).toBeCloseTo(long.var, 12);
        expect(r.sides.long.es).toBeCloseTo(long.es, 12);
        expect(r.sides.short.var).toBeCloseTo(short.var, 12);
        expect(r.sides.short.es).toBeCloseTo(short.es, 12);
        expect(r.es).toBe(Math.max(r.sides.long.es, r.sides.short.es));
        expect(r.var).toBe(r.sides[r.worseSide].var);
      }),
      { numRuns: 50 },
    );
  });
  it("mirroring the returns maps one side onto the other for hs and leaves EWMA's alone", () => {
    const withZeros = fc.array(
      fc.oneof(fc.constant(0), fc.double({ min: -0.3, max: 0.3, noNaN: true })),
      { minLength: 200, maxLength: 300 },
    );
    fc.assert(
      fc.property(withZeros, (xs) => {
        const mirrored = xs.map((x) => -x);
        const a = varEs(xs, { method: "hs", level: 0.99 });
        const b = varEs(mirrored, { method: "hs", level: 0.99 });
        // the mirrored long falls by what the short saw rise: its loss is 1 − e^−ℓ where the
        // short lost e^ℓ − 1 = v, i.e. v/(1 + v) — and less, on average, in the tail
        expect(b.sides.long.var).toBeCloseTo(a.sides.short.var / (1 + a.sides.short.var), 12);
        expect(a.sides.long.var).toBeCloseTo(b.sides.short.var / (1 + b.sides.short.var), 12);
        expect(b.sides.long.es).toBeLessThanOrEqual(a.sides.short.es + 1e-15);
        const c = varEs(xs, { method: "ewma", level: 0.99 });
        const d = varEs(mirrored, { method: "ewma", level: 0.99 });
        expect(d.sides).toEqual(c.sides);
        // a lognormal short loses more than the long at the same σ (e^x − 1 ≥ 1 − e^−x)
        expect(c.sides.short.es).toBeGreaterThanOrEqual(c.sides.long.es - 1e-15);
      }),
      { numRuns: 30 },
    );
  });
  it("a long never loses more than its notional, whatever the moves (huge falls included)", () => {
    const huge = fc.array(fc.double({ min: -50, max: 3, noNaN: true }), {
      minLength: 200,
      maxLength: 250,
    });
    fc.assert(
      fc.property(huge, (xs) => {
        for (const method of ["hs", "ewma"] as const) {
          const r = varEs(xs, { method, level: 0.99 });
          expect(r.sides.long.es).toBeLessThanOrEqual(1);
          expect(r.sides.long.es).toBeGreaterThanOrEqual(r.sides.long.var - 1e-12);
          expect(r.sides.short.es).toBeGreaterThanOrEqual(r.sides.short.var - 1e-12);
        }
      }),
      { numRuns: 30 },
    );
  });
  it("ewma: the lognormal sides match a numerical integral written here", () => {
    const r = [0.01, -0.02, 0.03, -0.04, 0.05, 0.02, -0.01, 0.0, 0.03, -0.06];
    const sigma = ewmaSigma(r);
    const est = varEs(r, { method: "ewma", level: 0.975 });
    // ∫ over x of the side's simple loss against the N(0, σ²) density beyond the normal quantile
    const z = 1.959963984540054;
    const tail = (f: (x: number) => number, lo: number, hi: number) => {
      const steps = 200_000;
      const h = (hi - lo) / steps;
      let s = 0;
      for (let i = 0; i < steps; i++) {
        const x = lo + (i + 0.5) * h;
        s += f(x) * Math.exp(-(x * x) / (2 * sigma * sigma));
      }
      return (s * h) / (sigma * Math.sqrt(2 * Math.PI)) / 0.025;
    };
    expect(est.sides.long.var).toBeCloseTo(1 - Math.exp(-z * sigma), 12);
    expect(est.sides.short.var).toBeCloseTo(Math.exp(z * sigma) - 1, 12);
    expect(est.sides.long.es).toBeCloseTo(
      tail((x) => 1 - Math.exp(x), -12 * sigma, -z * sigma),
      7,
    );
    expect(est.sides.short.es).toBeCloseTo(
      tail((x) => Math.exp(x) - 1, z * sigma, 12 * sigma),
      7,
    );
  });
  it("garch-t, one day: VaR maps the golden t quantile; ES bracketed by the log-loss ES (Jensen)", () => {
    const rng = new Prng(9);
    const r = Array.from({ length: 800 }, () => 0.02 * rng.standardizedT(4));
    const est = varEs(r, { method: "garch-t", level: 0.99 });
    const { mu, nu, nextSigma: s } = est.params as Record<string, number>;
    const z = standardizedTVarEs(0.99, nu);
    expect(est.sides.long.var).toBeCloseTo(1 - Math.exp(mu - s * z.var), 10);
    expect(est.sides.short.var).toBeCloseTo(Math.exp(mu + s * z.var) - 1, 10);
    // long loss 1 − e^−ℓ is concave in the log-loss ℓ, short e^ℓ − 1 convex
    const esLogLong = -mu + s * z.es;
    const esLogShort = mu + s * z.es;
    expect(est.sides.long.es).toBeLessThanOrEqual(1 - Math.exp(-esLogLong) + 1e-4);
    expect(est.sides.long.es).toBeGreaterThan(est.sides.long.var);
    expect(est.sides.short.es).toBeGreaterThanOrEqual(Math.exp(esLogShort) - 1 - 1e-4);
  });
  it("a window with a non-finite return is an error of the method, not a number", () => {
    const r = Array.from({ length: 300 }, (_, i) => 0.01 * Math.sin(i));
    for (const bad of [NaN, Infinity, -Infinity]) {
      const xs = [...r];
      xs[100] = bad;
      for (const method of RISK_METHODS) {
        expect(() => varEs(xs, { method, level: 0.99 }), method).toThrow(RiskMethodError);
      }
    }
  });
});

describe("GARCH-based methods", () => {
  it("VaR and ES rise with the level and ES ≥ VaR, on both sides", () => {
    const rng = new Prng(9);
    const r = Array.from({ length: 800 }, () => 0.02 * rng.standardizedT(4));
    for (const method of ["garch-t", "fhs", "evt"] as const) {
      const lo = varEs(r, { method, level: 0.975 });
      const hi = varEs(r, { method, level: 0.99 });
      for (const side of ["long", "short"] as const) {
        expect(hi.sides[side].var, method).toBeGreaterThan(lo.sides[side].var);
        expect(hi.sides[side].es, method).toBeGreaterThan(lo.sides[side].es);
        expect(hi.sides[side].es, method).toBeGreaterThan(hi.sides[side].var);
      }
    }
  });
  it("10-day EVT simulates its own fitted tails, so it is not FHS", () => {
    const rng = new Prng(3);
    const r = Array.from({ length: 800 }, () => 0.02 * rng.standardizedT(3.5));
    const evt = varEs(r, { method: "evt", level: 0.99, horizon: 10, paths: 20000 });
    const fhs = varEs(r, { method: "fhs", level: 0.99, horizon: 10, paths: 20000 });
    expect(evt.sides.long.es).not.toBe(fhs.sides.long.es);
    expect(evt.sides.short.es).not.toBe(fhs.sides.short.es);
    // …but the same GARCH and residuals: the two agree to within their tail-model difference
    expect(Math.abs(evt.es / fhs.es - 1)).toBeLessThan(0.25);
  });
  it("the semi-parametric sampler puts k/n of its draws in each GPD tail, with the GPD's mean excess", () => {
    const rng = new Prng(21);
    const z = Array.from({ length: 2000 }, () => rng.standardizedT(4));
    const lower = fitGpdTail(
      z.map((x) => -x),
      0.1,
    );
    const upper = fitGpdTail(z, 0.1);
    const draw = semiParametricSampler(z, lower, upper);
    const N = 200_000;
    let above = 0;
    let excess = 0;
    for (let i = 0; i < N; i++) {
      const x = draw(rng);
      if (x > upper.threshold) {
        above++;
        excess += x - upper.threshold;
      }
    }
    // 10 % of the draws; GPD mean excess β/(1 − ξ) (Embrechts, Klüppelberg & Mikosch 1997, 3.4.13)
    expect(above / N).toBeCloseTo(0.1, 2);
    expect(excess / above / (upper.beta / (1 - upper.xi))).toBeCloseTo(1, 1);
  });
});

describe("rolling backtests", () => {
  it("a day whose window holds a non-finite return is reported as an error, not a non-exception", () => {
    const rng = new Prng(4);
    const r = Array.from({ length: 400 }, () => 0.02 * rng.normal());
    r[320] = NaN; // the window of days 321…400 (window 100 → days 321…420) contains it
    const dates = Array.from({ length: 400 }, (_, i) =>
      new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const b = rollingBacktest(dates, r, {
      method: "hs",
      level: 0.99,
      window: 100,
      simulations: 200,
    });
    // days 100…399 are tested: day 320 cannot be scored (its return is NaN) and days 321…399
    // cannot be forecast (their 100-day window holds it): 80 errors, 220 days tested
    expect(b.errors.map((e) => e.date)).toEqual(dates.slice(320, 400));
    for (const e of b.errors) expect(e.message).toMatch(/NaN/);
    expect(b.days).toBe(220);
    expect(b.series.map((s) => s.date)).not.toContain(dates[330]);
  });
});

describe("rolling backtest against an independent implementation", () => {
  it("HS, both sides, BTC 2020 with a 250-day window: exceptions and Kupiec match the formulas", () => {
    const s = readPriceCsv("data/btc_usd_daily_2015-2026.csv");
    const { dates, returns } = dailyLogReturns(s.dates, s.prices);
    const b = rollingBacktest(dates, returns, {
      method: "hs",
      level: 0.99,
      window: 250,
      from: "2020-01-01",
      to: "2020-12-31",
      simulations: 200,
    });
    // Written here: for each day, the 99 % empirical quantile of the 250 previous simple losses of
    // each side (the ⌈0.99·250⌉ = 248th smallest, i.e. the 3rd largest), against the day's loss.
    const count = { long: 0, short: 0 };
    let days = 0;
    for (let t = 0; t < returns.length; t++) {
      if (dates[t] < "2020-01-01" || dates[t] > "2020-12-31") continue;
      days++;
      const past = Array.from(returns.subarray(t - 250, t));
      for (const side of ["long", "short"] as const) {
        const loss = (x: number) => (side === "long" ? 1 - Math.exp(x) : Math.exp(x) - 1);
        const sorted = past.map(loss).sort((x, y) => y - x);
        if (loss(returns[t]) > sorted[2]) count[side]++;
      }
    }
    expect(b.days).toBe(days);
    expect(b.errors).toEqual([]);
    expect(b.sides.long.exceptions).toBe(count.long);
    expect(b.sides.short.exceptions).toBe(count.short);
    expect(b.sides.long.exceptionDates).toContain("2020-03-12"); // the COVID crash
    // Kupiec (1995) LR written from its formula
    for (const side of ["long", "short"] as const) {
      const x = count[side];
      const p = 0.01;
      const ph = x / days;
      const ll = (q: number) => (days - x) * Math.log(1 - q) + (x > 0 ? x * Math.log(q) : 0);
      expect(b.sides[side].kupiec.lr).toBeCloseTo(-2 * (ll(p) - ll(ph)), 9);
    }
  });
});
