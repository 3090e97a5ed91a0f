// The out-of-sample score: its split (every third usable strike of each expiry held out) checked
// as a property, and the goal it measures — held-out strikes priced by the published surface at
// least as well as by Deribit's mark, median over each asset's recorded chains, on the quotes the
// calibrate stage fits — checked on all 68 recorded chains.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordedChains } from "../../lib/market/recordedChains";
import { holdOutEveryThird, outOfSampleScore, type SliceQuotes } from "../../lib/quant/surface";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

describe("holdOutEveryThird", () => {
  const quote = fc.record({
    k: fc.oneof(fc.double({ min: -3, max: 3, noNaN: true }), fc.constant(Number.NaN)),
    mid: fc.oneof(fc.double({ min: -0.1, max: 3, noNaN: true }), fc.constant(Number.NaN)),
    mark: fc.oneof(fc.double({ min: 0.01, max: 3, noNaN: true }), fc.constant(Number.NaN)),
  });
  const slice = fc
    .tuple(fc.double({ min: 1e-3, max: 3, noNaN: true }), fc.array(quote, { maxLength: 40 }))
    .map(([t, qs]): SliceQuotes => ({
      t,
      forward: 100,
      k: qs.map((q) => q.k),
      midIv: qs.map((q) => q.mid),
      bidIv: qs.map((q) => q.mid * 0.9),
      askIv: qs.map((q) => q.mid * 1.1),
      markIv: qs.map((q) => q.mark),
    }));

  it("holds out the 3rd, 6th, … usable quote in strike order and keeps the rest (property)", () => {
    fc.assert(
      fc.property(fc.array(slice, { maxLength: 6 }), (input) => {
        const { train, held } = holdOutEveryThird(input);
        expect(train.length).toBe(input.length);
        let h = 0;
        input.forEach((s, i) => {
          // usable: finite, positive mid; sorted by strike (stable for ties, as Array.sort is)
          const usable = s.k
            .map((k, j) => ({ k, mid: s.midIv[j], mark: s.markIv![j] }))
            .filter((q) => Number.isFinite(q.k) && Number.isFinite(q.mid) && q.mid > 0)
            .sort((a, b) => a.k - b.k);
          const out = usable.filter((_, j) => j % 3 === 2);
          const kept = usable.filter((_, j) => j % 3 !== 2);
          expect(train[i].k).toEqual(kept.map((q) => q.k));
          expect(train[i].midIv).toEqual(kept.map((q) => q.mid));
          const mine = held.slice(h, h + out.length);
          h += out.length;
          expect(mine.map((q) => [q.t, q.k, q.mid])).toEqual(out.map((q) => [s.t, q.k, q.mid]));
          expect(mine.map((q) => q.last)).toEqual(
            out.map((_, j) => usable.length % 3 === 0 && j === out.length - 1),
          );
        });
        expect(held.length).toBe(h);
      }),
      { numRuns: 300 },
    );
  });
});

describe("out of sample on the 68 recorded chains", () => {
  it("prices held-out strikes at least as well as Deribit's mark (median per asset)", async () => {
    const chains = await recordedChains({ clean: true });
    expect(chains.length).toBe(68);
    for (const asset of ["BTC", "ETH"] as const) {
      const scores = chains
        .filter((c) => c.asset === asset)
        .map((c) => outOfSampleScore(c.slices, { model: "published" }));
      expect(scores.length).toBe(34);
      for (const s of scores) {
        expect(s.n).toBeGreaterThan(0);
        expect(s.unpriced).toBe(0);
      }
      const surface = median(scores.map((s) => s.rmseVolPts));
      const mark = median(scores.map((s) => s.markRmseVolPts));
      expect(surface, `${asset}: surface ${surface} vs mark ${mark}`).toBeLessThanOrEqual(mark);
    }
  }, 300_000);
});
