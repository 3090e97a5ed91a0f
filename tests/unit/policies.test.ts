import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Guardrails } from "../../lib/config";
import { applyGuardrails } from "../../lib/governance/policy";
import { walkBook } from "../../lib/quant/orderBook";
import { isShortfall } from "../../lib/risk/policyBacktest";
import {
  fundingCapTarget,
  haircutTarget,
  initialMarginTarget,
  liquidityAddOn,
  maintenanceMarginTarget,
  scanRangeTarget,
  volShockTarget,
} from "../../lib/risk/policies";

describe("policy formulas against hand-computed cases", () => {
  it("maintenance margin: ES + add-on, rounded up to the step", () => {
    // 0.062 + 0.005 = 0.067 on the grid; 0.0622 + 0.005 = 0.0672 → 0.0675
    expect(maintenanceMarginTarget(0.062, 0.005, 0.0005).target).toBe(0.067);
    expect(maintenanceMarginTarget(0.0622, 0.005, 0.0005).target).toBe(0.0675);
    expect(() => maintenanceMarginTarget(Number.NaN, 0.005, 0.0005)).toThrow(/finite/);
    expect(() => maintenanceMarginTarget(-0.01, 0.005, 0.0005)).toThrow(/finite/);
  });
  it("initial margin: the ES unless 1.5 × maintenance is larger", () => {
    // floor 1.5 · 0.06 = 0.09 > ES 0.08
    expect(initialMarginTarget(0.08, 0.06, 1.5, 0.0005).target).toBe(0.09);
    // ES 0.1234 > floor 0.09 → rounded up to 0.1235
    expect(initialMarginTarget(0.1234, 0.06, 1.5, 0.0005).target).toBe(0.1235);
  });
  it("haircut: long-side ES + add-on: 0.1039 + 0.005 = 0.1089 → 0.110 on a 0.5 % grid", () => {
    expect(haircutTarget(0.1039, 0.005, 0.005).target).toBe(0.11);
  });
  it("funding cap: the empirical quantile of |funding| (9th smallest of 10 at 90 %)", () => {
    const rates = [1, -2, 3, -4, 5, -6, 7, -8, 9, -10].map((x) => x * 1e-4);
    const d = fundingCapTarget(rates, 0.9, 0.0001);
    expect(d.unrounded).toBeCloseTo(9e-4, 15);
    expect(d.target).toBe(0.0009);
    expect(() => fundingCapTarget([], 0.9, 0.0001)).toThrow(/no funding/);
  });
  it("scan range: historical |move| quantile unless the implied move is larger", () => {
    // |simple returns| 1 % … 10 %, alternating sign: the 90 % quantile is 9 %
    const r = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x, i) =>
      Math.log(1 + ((i % 2 ? -1 : 1) * x) / 100),
    );
    const hist = scanRangeTarget(r, 0.5, 0.9, 1, 0.01);
    // implied 1.6448536 · 0.5 · √(1/365) = 4.3048 % < 9 %
    expect(hist.terms.implied).toBeCloseTo(1.6448536269514722 * 0.5 * Math.sqrt(1 / 365), 9);
    expect(hist.target).toBe(0.09);
    // ATM vol 200 %: implied 1.6448536 · 2 · 0.0523424 = 17.219 % → 18 %
    expect(scanRangeTarget(r, 2, 0.9, 1, 0.01).target).toBe(0.18);
    // no surface: historical only
    expect(scanRangeTarget(r, null, 0.9, 1, 0.01).target).toBe(0.09);
    // two-day moves of log returns a, b, c: |e^(a+b) − 1| and |e^(b+c) − 1|
    const two = [Math.log(1.1), Math.log(0.8), Math.log(1.05)];
    // 1.1 · 0.8 = 0.88 → 12 %; 0.8 · 1.05 = 0.84 → 16 %; 50 % level of 2 moves: the smaller
    expect(scanRangeTarget(two, null, 0.5, 2, 0.01).unrounded).toBeCloseTo(0.12, 12);
  });
  it("vol shock: the quantile of |σ(t+h)/σ(t) − 1| of the EWMA path (λ = 0.5)", () => {
    // 30 returns of 1 % start the recursion at σ = 1 %; then 1 %, 3 %, 1 %, 1 %:
    // σ30 = 1 %; σ31² = 0.5·1e-4 + 0.5·9e-4 = 5e-4; σ32² = 2.5e-4 + 0.5e-4 = 3e-4; σ33² = 2e-4
    const r = [...Array(30).fill(0.01), 0.01, 0.03, 0.01, 0.01];
    const c = [
      Math.sqrt(5e-4) / 0.01 - 1,
      1 - Math.sqrt(3e-4) / Math.sqrt(5e-4),
      1 - Math.sqrt(2e-4) / Math.sqrt(3e-4),
    ];
    // 60 % of 3: m = 1.2, the second largest change
    const d = volShockTarget(r, 0.5, 0.6, 1, 0.01);
    expect(d.unrounded).toBeCloseTo(c[1], 12);
    expect(d.target).toBe(0.23);
  });
});

describe("order-book walk against a hand-computed book", () => {
  const book = {
    bids: [
      { price: 99, amount: 2000 },
      { price: 100, amount: 1000 },
      { price: 98, amount: 5000 },
    ],
    asks: [
      { price: 101, amount: 500 },
      { price: 102, amount: 1000 },
      { price: 104, amount: 10000 },
    ],
  };
  it("walks each side best level first; VWAP = USD / coins; the worse side is the add-on", () => {
    const w = walkBook(book, 2500);
    const mid = 100.5;
    // sell: 1000 at 100, 1500 at 99; buy: 500 at 101, 1000 at 102, 1000 at 104
    const sellVwap = 2500 / (1000 / 100 + 1500 / 99);
    const buyVwap = 2500 / (500 / 101 + 1000 / 102 + 1000 / 104);
    expect(w.mid).toBe(mid);
    expect(w.sell.vwap).toBeCloseTo(sellVwap, 10);
    expect(w.sell.slippage).toBeCloseTo((mid - sellVwap) / mid, 12);
    expect(w.buy.slippage).toBeCloseTo((buyVwap - mid) / mid, 12);
    expect(w.buy.levelsUsed).toBe(3);
    expect(w.worseSide).toBe("buy");
    expect(w.slippage).toBeCloseTo(0.020756, 5);
  });
  it("an exhausted book charges at least the constant; no book falls back to it and says so", () => {
    const deep = liquidityAddOn({ ...book, source: "test" }, 10_000, 0.05);
    expect(deep.walk?.sell.exhausted).toBe(true);
    expect(deep.walk?.sell.filledUsd).toBe(8000);
    expect(deep.value).toBe(0.05);
    expect(deep.detail).toMatch(/could not fill/);
    const none = liquidityAddOn(null, 10_000, 0.005);
    expect(none).toMatchObject({ value: 0.005, source: "constant" });
    expect(none.detail).toMatch(/no order book/);
    expect(liquidityAddOn({ ...book, source: "test" }, 2500, 0.005).source).toBe("order-book");
  });
});

describe("guardrails: relative and absolute limits, up and down (properties)", () => {
  const limit = fc.record({
    kind: fc.constantFrom("relative" as const, "absolute" as const),
    value: fc.double({ min: 0.001, max: 0.5, noNaN: true }),
  });
  const base = (up: Guardrails["maxIncrease"], down: Guardrails["maxDecrease"]): Guardrails => ({
    maxIncrease: up,
    maxDecrease: down,
    deadBandRelative: 0,
    minDelayHours: 0,
    cooldownAfterRejectHours: 0,
  });
  it("a move from a value inside the bounds never exceeds its direction's limit, and goes toward the target", () => {
    fc.assert(
      fc.property(
        limit,
        limit,
        fc.integer({ min: 10, max: 500 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (up, down, n, target) => {
          const step = 0.001;
          const current = n * step; // on the grid, inside [0.01, 0.5]
          const o = applyGuardrails({
            current,
            target,
            min: 0.01,
            max: 0.5,
            step,
            guardrails: base(up, down),
            hoursSinceLastChange: 1,
            hoursSinceLastReject: Infinity,
          });
          if (o.proposed === null) return;
          const l = o.proposed > current ? up : down;
          const room = l.kind === "relative" ? l.value * current : l.value;
          expect(Math.abs(o.proposed - current)).toBeLessThanOrEqual(room + 1e-12);
          expect(Math.sign(o.proposed - current)).toBe(Math.sign(target - current));
          expect(o.proposed).toBeGreaterThanOrEqual(0.01);
          expect(o.proposed).toBeLessThanOrEqual(0.5);
        },
      ),
    );
  });
  it("edges: an absolute step moves from 0 where a relative one cannot; NaN is refused; out of bounds goes back inside", () => {
    const g = (kind: "relative" | "absolute") => base({ kind, value: 0.02 }, { kind, value: 0.02 });
    const run = (current: number, target: number, kind: "relative" | "absolute", min = 0) =>
      applyGuardrails({
        current,
        target,
        min,
        max: 0.5,
        step: 0.001,
        guardrails: g(kind),
        hoursSinceLastChange: 1,
        hoursSinceLastReject: Infinity,
      });
    expect(run(0, 0.1, "absolute").proposed).toBe(0.02);
    expect(run(0, 0.1, "relative").proposed).toBeNull();
    expect(() => run(Number.NaN, 0.1, "absolute")).toThrow(/finite/);
    expect(() => run(0.1, Number.NaN, "absolute")).toThrow(/finite/);
    // 0.9 above the max 0.5: −0.02 gives 0.88, the bounds make it 0.5
    expect(run(0.9, 0.1, "absolute").proposed).toBe(0.5);
  });
});

describe("policy backtest shortfall per kind", () => {
  it("margins and scan range: |e^r − 1| > value; haircut: the fall 1 − e^r; vol shock; funding clamped", () => {
    const up = Math.log(1.06); // +6 %
    const down = Math.log(0.94); // −6 %
    expect(isShortfall("es-margin", 0.05, { r: up })).toBe(true);
    expect(isShortfall("es-initial-margin", 0.07, { r: down })).toBe(false);
    expect(isShortfall("scan-range", 0.05, { r: down })).toBe(true);
    // collateral loses only on a fall
    expect(isShortfall("es-haircut", 0.05, { r: up })).toBe(false);
    expect(isShortfall("es-haircut", 0.05, { r: down })).toBe(true);
    expect(isShortfall("vol-shock", 0.3, { volChange: 0.31 })).toBe(true);
    expect(isShortfall("vol-shock", 0.3, { volChange: 0.3 })).toBe(false);
    expect(isShortfall("funding-cap", 0.003, { funding: [0.001, -0.0031] })).toBe(true);
    expect(isShortfall("funding-cap", 0.003, { funding: [0.003, -0.003] })).toBe(false);
  });
});
