import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  black76Price,
  black76Vega,
  coinToUsdForward,
  type OptionType,
} from "../../lib/quant/black76";
import { impliedVol, impliedVolResult } from "../../lib/quant/impliedVol";
import { erfcx, normCdf, normInv, normPdf } from "../../lib/quant/normal";

// tests/fixtures/golden.json is a copy of the project's shared reference values
// (the shared reference/golden.json: Black-76 cases priced with 60-digit mpmath arithmetic).
interface GoldenCase {
  id: string;
  forward: number;
  strike: number;
  t: number;
  vol: number;
  type: OptionType;
  price: number;
}
const golden = JSON.parse(
  readFileSync(new URL("../fixtures/golden.json", import.meta.url), "utf8"),
) as { black76_iv: GoldenCase[] };

const U = 2 ** -53;

/** Attainable absolute vol error: ε·price/vega (relative ε·price/(σ·vega)), at least ε·σ. */
function attainable(price: number, f: number, k: number, t: number, vol: number): number {
  return U * Math.max(price / black76Vega(f, k, t, vol), vol);
}

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

describe("normal distribution", () => {
  it("normCdf matches 40-digit reference values, including the far tails", () => {
    const ref: Array<[number, number]> = [
      [-30, 4.906713927148187e-198],
      [-20, 2.7536241186062337e-89],
      [-10, 7.619853024160526e-24],
      [-5, 2.866515718791939e-7],
      [-3, 0.0013498980316300945],
      [-1.96, 0.024997895148220436],
      [-1, 0.15865525393145705],
      [0, 0.5],
      [1, 0.841344746068543],
      [3, 0.9986501019683699],
      [8, 0.9999999999999993],
    ];
    for (const [z, p] of ref) expect(rel(normCdf(z), p)).toBeLessThan(5 * U);
    // subnormal result: only ~8 significant digits exist
    expect(rel(normCdf(-38), 2.8854283600687843e-316)).toBeLessThan(1e-7);
    expect(normCdf(-40)).toBe(0);
    expect(normCdf(40)).toBe(1);
  });
  it("normPdf and erfcx", () => {
    expect(rel(normPdf(0), 0.3989422804014327)).toBeLessThan(2 * U);
    expect(rel(normPdf(10), 7.69459862670642e-23)).toBeLessThan(4 * U);
    expect(rel(erfcx(1), 0.42758357615580705)).toBeLessThan(4 * U);
    expect(rel(erfcx(30), 0.01879588886141675)).toBeLessThan(4 * U);
  });
  it("normInv matches reference values to full precision", () => {
    const ref: Array<[number, number]> = [
      [1e-300, -37.0470962993612],
      [1e-100, -21.273453560965324],
      [1e-10, -6.361340902404056],
      [0.001, -3.0902323061678135],
      [0.025, -1.9599639845400542],
      [0.3, -0.5244005127080408],
      [0.975, 1.959963984540054],
      [0.999, 3.0902323061678135],
    ];
    for (const [p, z] of ref) expect(rel(normInv(p), z)).toBeLessThan(1e-15);
    expect(normInv(0.5)).toBe(0);
    expect(normInv(0)).toBe(-Infinity);
    expect(normInv(1)).toBe(Infinity);
    expect(normInv(1.5)).toBeNaN();
  });
  it("normInv inverts normCdf", () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 8, noNaN: true }), (z) => {
        // Φ near 1 holds only absolute precision: δz ≈ ε/φ(z) there
        const tol = 1e-14 * Math.max(1, Math.abs(z)) + (z > 0 ? (4 * U) / normPdf(z) : 0);
        expect(Math.abs(normInv(normCdf(z)) - z)).toBeLessThan(tol);
      }),
    );
  });
});

describe("black76Price", () => {
  it("reproduces the golden prices", () => {
    for (const c of golden.black76_iv) {
      const p = black76Price(c.forward, c.strike, c.t, c.vol, c.type);
      expect(rel(p, c.price), c.id).toBeLessThan(1e-14);
    }
  });
  it("satisfies put-call parity C − P = D·(F − K)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1 / 8760, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 5, noNaN: true }),
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.double({ min: 0.5, max: 1, noNaN: true }),
        (t, vol, z, d) => {
          const f = 100;
          const k = f * Math.exp(z * vol * Math.sqrt(t));
          const c = black76Price(f, k, t, vol, "call", d);
          const p = black76Price(f, k, t, vol, "put", d);
          expect(Math.abs(c - p - d * (f - k))).toBeLessThan(8 * U * Math.max(f, k));
        },
      ),
    );
  });
  it("has the limits of a Black-76 price", () => {
    expect(black76Price(100, 90, 1, 0, "call")).toBe(10);
    expect(black76Price(100, 90, 0, 0.5, "put")).toBe(0);
    expect(black76Price(100, 100, 1, Infinity, "call")).toBeCloseTo(100, 12);
    expect(black76Price(-1, 90, 1, 0.5, "call")).toBeNaN();
    expect(black76Price(100, 90, -1, 0.5, "call")).toBeNaN();
  });
  it("vega matches a central difference", () => {
    const [f, k, t, v] = [100, 120, 0.5, 0.6];
    const h = 1e-5;
    const fd =
      (black76Price(f, k, t, v + h, "call") - black76Price(f, k, t, v - h, "call")) / (2 * h);
    expect(rel(black76Vega(f, k, t, v), fd)).toBeLessThan(1e-8);
  });
  it("converts inverse (coin-settled) option prices to USD", () => {
    expect(coinToUsdForward(0.0125, 64000)).toBe(800);
  });
});

describe("impliedVol", () => {
  it("recovers the golden vols", () => {
    for (const c of golden.black76_iv) {
      const iv = impliedVol(c.price, c.forward, c.strike, c.t, c.type);
      const tol = Math.max(
        1e-12 * c.vol,
        20 * attainable(c.price, c.forward, c.strike, c.t, c.vol),
      );
      expect(Math.abs(iv - c.vol), c.id).toBeLessThanOrEqual(tol);
    }
  });
  it("recovers 9.01e-27 (Jäckel's example) to machine precision", () => {
    expect(rel(impliedVol(9.010020309242865e-27, 1, 1.5, 1, "call"), 0.04)).toBeLessThan(1e-14);
  });

  /**
   * vol → price → vol. Points whose price cannot be inverted in double arithmetic (the time value
   * rounds away, or the price rounds to the upper bound) must give NaN with a reason.
   */
  function roundTrip(t: number, vol: number, z: number, type: OptionType): number {
    const f = 100;
    const k = f * Math.exp(z * vol * Math.sqrt(t));
    const price = black76Price(f, k, t, vol, type);
    const r = impliedVolResult(price, f, k, t, type);
    const intrinsic = Math.max(type === "call" ? f - k : k - f, 0);
    const bound = type === "call" ? f : k;
    const timeValue = price - intrinsic;
    if (!(timeValue > 0) || price >= bound || timeValue / Math.sqrt(f * k) < 2.3e-308) {
      expect(r.iv).toBeNull();
      expect(r.reason).toMatch(/intrinsic|upper bound|too small/);
      return 0;
    }
    expect(r.iv, JSON.stringify({ t, vol, z, type, r })).not.toBeNull();
    const err = Math.abs((r.iv as number) - vol);
    const tol = Math.max(1e-12 * vol, 20 * attainable(price, f, k, t, vol));
    expect(err, JSON.stringify({ t, vol, z, type, price, iv: r.iv })).toBeLessThanOrEqual(tol);
    expect(impliedVol(price, f, k, t, type)).toBe(r.iv);
    return err / Math.max(attainable(price, f, k, t, vol), 1e-300);
  }

  it("round-trips a grid: 1 hour to 3 years, 5 % to 500 %, ±9 standard deviations", () => {
    let worst = 0;
    for (const t of [1 / 8760, 1 / 365, 7 / 365, 30 / 365, 0.25, 1, 3]) {
      for (let vi = 0; vi <= 40; vi++) {
        const vol = 0.05 * Math.pow(100, vi / 40);
        for (let zi = -36; zi <= 36; zi++) {
          worst = Math.max(
            worst,
            roundTrip(t, vol, zi / 4, "call"),
            roundTrip(t, vol, zi / 4, "put"),
          );
        }
      }
    }
    expect(worst).toBeLessThan(20);
  });

  it("round-trips random points (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1 / 8760, max: 3, noNaN: true }),
        fc.double({ min: 0.05, max: 5, noNaN: true }),
        fc.double({ min: -9, max: 9, noNaN: true }),
        fc.constantFrom<OptionType>("call", "put"),
        (t, vol, z, type) => {
          roundTrip(t, vol, z, type);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("returns NaN with a reason outside the no-arbitrage bounds and on bad input", () => {
    const cases: Array<[number, number, number, number, OptionType, RegExp]> = [
      [9, 100, 90, 1, "call", /below intrinsic/],
      [-1, 100, 110, 1, "call", /below intrinsic/],
      [10, 100, 90, 1, "call", /equals intrinsic/],
      [0, 100, 110, 1, "call", /equals intrinsic/],
      [100, 100, 90, 1, "call", /upper bound/],
      [101, 100, 90, 1, "call", /upper bound/],
      [90, 100, 90, 1, "put", /upper bound/],
      [5, 100, 100, 0, "call", /non-positive time/],
      [5, 100, 100, -1, "call", /non-positive time/],
      [NaN, 100, 100, 1, "call", /invalid input: price/],
      [5, 0, 100, 1, "call", /invalid input: forward/],
      [5, 100, Infinity, 1, "call", /invalid input: strike/],
      [5, 100, 100, NaN, "call", /invalid input: t/],
      [5, 100, 100, 1, "straddle" as OptionType, /invalid input: type/],
      [1e-320, 100, 100, 1, "call", /too small/],
    ];
    for (const [p, f, k, t, type, reason] of cases) {
      expect(impliedVol(p, f, k, t, type)).toBeNaN();
      const r = impliedVolResult(p, f, k, t, type);
      expect(r.iv).toBeNull();
      expect(r.reason).toMatch(reason);
    }
    expect(impliedVolResult(5, 100, 100, 1, "call")).toEqual({
      iv: impliedVol(5, 100, 100, 1, "call"),
    });
  });
});
