// Each arbitrage checker catches an arbitrage planted in an otherwise clean surface: the grid
// checkers of the published (Andreasen–Huge) surface, the same checks on a stored representation,
// the SVI family's counts in fitSurface, and the checks of Deribit's own mark.
import { describe, expect, it } from "vitest";
import {
  buildGrid,
  gridButterflyViolations,
  gridCalendarViolations,
} from "../../lib/quant/andreasenHuge";
import { black76Price } from "../../lib/quant/black76";
import {
  fitSurface,
  representationViolations,
  type PublishedRepresentation,
  type SliceQuotes,
} from "../../lib/quant/surface";
import { sviW, type SviParams } from "../../lib/quant/svi";

/** Normalised (F = 1) OTM Black prices on the grid: arbitrage-free for a flat vol. */
const otm = (k: ArrayLike<number>, t: number, vol: number) =>
  Float64Array.from(k, (x) => black76Price(1, Math.exp(x), t, vol, x < 0 ? "put" : "call"));

describe("published surface checkers (grid of normalised OTM prices)", () => {
  const grid = buildGrid([], { range: 2.5 });
  const atm = grid.atm;
  const q1 = otm(grid.k, 0.1, 0.6);
  const q2 = otm(grid.k, 0.2, 0.6);
  it("find nothing on flat-vol Black prices", () => {
    expect(gridButterflyViolations(grid, q1)).toBe(0);
    expect(gridButterflyViolations(grid, q2)).toBe(0);
    expect(gridCalendarViolations(grid, q1, q2)).toBe(0);
  });
  it("catch a planted butterfly: a price bump makes the call price locally concave", () => {
    const bumped = Float64Array.from(q1);
    bumped[atm + 10] += 0.01;
    // at the bumped node the slope rises then falls: negative density there, and only there
    expect(gridButterflyViolations(grid, bumped)).toBe(1);
  });
  it("catch a planted calendar violation: the later expiry cheaper at one strike", () => {
    const dipped = Float64Array.from(q2);
    dipped[atm - 7] = q1[atm - 7] * 0.99;
    expect(gridCalendarViolations(grid, q1, dipped)).toBe(1);
  });
  it("a stored representation is re-checked the same way (what the calibrate gate runs)", () => {
    const rep: PublishedRepresentation = {
      kind: "andreasen-huge",
      gridK: Array.from(grid.k),
      slices: [
        { t: 0.1, forward: 1, timeValues: Array.from(q1) },
        { t: 0.2, forward: 1, timeValues: Array.from(q2) },
      ],
    };
    expect(representationViolations(rep)).toEqual({ butterfly: [0, 0], calendar: 0 });
    const bad = structuredClone(rep);
    bad.slices[0].timeValues[atm + 5] += 0.02;
    bad.slices[1].timeValues[atm - 20] = bad.slices[0].timeValues[atm - 20] * 0.5;
    // the bump is concave at its node; the dip is concave at its two neighbours; one crossing pair
    expect(representationViolations(bad)).toEqual({ butterfly: [1, 2], calendar: 1 });
  });
});

/** Quotes of a slice whose mid IVs come from total variance w(k), with a ±0.5 vol-pt band. */
function sliceFrom(
  t: number,
  w: (k: number) => number,
  ks: number[],
  mark?: number[],
): SliceQuotes {
  const mid = ks.map((k) => Math.sqrt(w(k) / t));
  return {
    t,
    forward: 100,
    k: ks,
    midIv: mid,
    bidIv: mid.map((v) => v - 0.005),
    askIv: mid.map((v) => v + 0.005),
    markIv: mark ?? mid,
  };
}

const ks = Array.from({ length: 31 }, (_, i) => -0.75 + 0.05 * i);

describe("SVI-family counts in fitSurface", () => {
  it("catch a planted butterfly: quotes from Vogt's arbitrageable SVI slice", () => {
    const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    const clean: SviParams = { a: 0.02, b: 0.1, rho: -0.3, m: 0, sigma: 0.2 };
    const ok = fitSurface([sliceFrom(1, (k) => sviW(clean, k), ks)], { model: "svi" });
    expect(ok.surface.butterflyViolations).toBe(0);
    const f = fitSurface([sliceFrom(1, (k) => sviW(vogt, k), ks)], { model: "svi" });
    expect(f.slices[0].butterflyViolations).toBeGreaterThan(0);
    expect(f.surface.butterflyViolations).toBe(1);
  });
  it("catch a planted calendar violation: a later slice with less total variance", () => {
    const early = sliceFrom(0.1, () => 0.5 * 0.5 * 0.1, ks);
    const later = sliceFrom(0.2, () => 0.3 * 0.3 * 0.2, ks); // 0.018 < 0.025
    const f = fitSurface([early, later], { model: "svi" });
    expect(f.surface.calendarViolations).toBe(1);
    const fine = fitSurface([early, sliceFrom(0.2, () => 0.5 * 0.5 * 0.2, ks)], { model: "svi" });
    expect(fine.surface.calendarViolations).toBe(0);
  });
});

describe("Deribit mark checkers", () => {
  it("catch a non-convex mark smile and crossing mark slices", () => {
    const flat = (t: number, v: number) => sliceFrom(t, () => v * v * t, ks);
    const clean = fitSurface([flat(0.1, 0.5), flat(0.2, 0.5)], { model: "svi" });
    expect(clean.mark).toMatchObject({ butterflyViolations: 0, calendarViolations: 0 });
    // a spike of +20 vol points at one strike of the first slice: its call price is not convex
    const spiked = flat(0.1, 0.5);
    spiked.markIv = spiked.markIv!.map((v, i) => (i === 15 ? v + 0.2 : v));
    // the second slice's mark below the first's total variance everywhere
    const low = flat(0.2, 0.5);
    low.markIv = low.markIv!.map(() => 0.3);
    const f = fitSurface([spiked, low], { model: "svi" });
    expect(f.mark!.butterflyViolations).toBe(1);
    expect(f.mark!.calendarViolations).toBe(1);
  });
});
