// The published surface and the SVI-family references on the 68 recorded weekly chains (data/).
import { beforeAll, describe, expect, it } from "vitest";
import { recordedChains, type RecordedChain } from "../../lib/market/recordedChains";
import {
  fitSurface,
  outOfSampleScore,
  type SliceQuotes,
  type SurfaceFit,
} from "../../lib/quant/surface";

let chains: RecordedChain[] = [];
let published: SurfaceFit[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

beforeAll(async () => {
  chains = await recordedChains({ clean: false });
  published = chains.map((c) => fitSurface(c.slices, { model: "published" }));
});

describe("published surface (Andreasen–Huge) on the recorded weekly chains", () => {
  it("covers all 68 chains, every expiry", () => {
    expect(chains).toHaveLength(68);
    published.forEach((f, i) => {
      expect(f.slices.length).toBe(chains[i].slices.length);
      expect(f.surface.status).toBe("converged");
    });
  });

  it("has no butterfly and no calendar arbitrage anywhere", () => {
    for (const f of published) {
      expect(f.surface.butterflyViolations).toBe(0);
      expect(f.surface.calendarViolations).toBe(0);
      for (const s of f.slices) expect(s.butterflyViolations).toBe(0);
    }
  });

  it("fits every chain within the quotes' own bid–ask uncertainty and beats Deribit's mark in sample", () => {
    // Reference from the market itself: the RMS half bid–ask spread of the chain's quotes, in vol
    // points. A fit whose error exceeds it is worse than quoting the mid of the band blind.
    chains.forEach((c, i) => {
      const halfSpreads = c.slices.flatMap((s) => s.askIv.map((a, j) => (a - s.bidIv[j]) / 2));
      const rms = 100 * Math.sqrt(halfSpreads.reduce((a, b) => a + b * b, 0) / halfSpreads.length);
      expect(published[i].surface.rmseVolPts, `chain ${i}`).toBeLessThan(rms);
    });
    for (const asset of ["BTC", "ETH"]) {
      const fs = published.filter((_, i) => chains[i].asset === asset);
      expect(median(fs.map((f) => f.surface.rmseVolPts))).toBeLessThan(
        median(fs.map((f) => f.mark!.rmseVolPts)),
      );
    }
  });

  it("prices held-out strikes within the quotes' own bid–ask uncertainty (out of sample)", () => {
    // Every third strike of each expiry left out of the fit, scored at those strikes; the
    // reference is again the RMS half-spread, of the held-out quotes only.
    for (const i of [0, 17, 33, 34, 50, 67]) {
      const c = chains[i];
      const o = outOfSampleScore(c.slices, { model: "published" });
      const half = c.slices.flatMap((s) => {
        const order = s.k.map((_, j) => j).sort((a, b) => s.k[a] - s.k[b]);
        return order.filter((_, pos) => pos % 3 === 2).map((j) => (s.askIv[j] - s.bidIv[j]) / 2);
      });
      const rms = 100 * Math.sqrt(half.reduce((a, b) => a + b * b, 0) / half.length);
      expect(o.heldOut).toBe(half.length);
      expect(o.unpriced).toBe(0);
      expect(o.rmseVolPts, `chain ${i}`).toBeLessThan(rms);
    }
  });

  it("evaluates at the quotes as fitted, and is calendar-ordered between expiries", () => {
    const f = published[0];
    const c = chains[0];
    f.slices.forEach((s, i) => {
      const q = c.slices[i];
      const order = q.k.map((_, j) => j).sort((a, b) => q.k[a] - q.k[b]);
      order.forEach((j, pos) => {
        expect(Math.abs(f.impliedVol(q.k[j], s.t) - s.fitIv[pos])).toBeLessThan(1e-9);
      });
    });
    const ks = Array.from({ length: 61 }, (_, i) => -0.6 + i * 0.02);
    for (let i = 1; i < f.slices.length; i++) {
      const t0 = f.slices[i - 1].t;
      const t1 = f.slices[i].t;
      let prev = ks.map((k) => f.totalVariance(k, t0));
      for (const a of [0.25, 0.5, 0.75, 1]) {
        const cur = ks.map((k) => f.totalVariance(k, t0 + a * (t1 - t0)));
        cur.forEach((w, j) => expect(w).toBeGreaterThanOrEqual(prev[j] * (1 - 1e-9)));
        prev = cur;
      }
    }
  });
});

describe("SVI-family references", () => {
  it("SSVI and eSSVI are arbitrage-free; unconstrained SVI fits each slice closely", () => {
    const sample = [chains[0], chains[33], chains[34], chains[67]];
    for (const c of sample) {
      const ssvi = fitSurface(c.slices, { model: "ssvi" });
      const essvi = fitSurface(c.slices, { model: "essvi" });
      const svi = fitSurface(c.slices, { model: "svi" });
      for (const f of [ssvi, essvi]) {
        expect(f.surface.butterflyViolations).toBe(0);
        expect(f.surface.calendarViolations).toBe(0);
        expect(f.surface.rmseVolPts).toBeLessThan(6);
      }
      // each unconstrained SVI slice within its quotes' RMS half bid–ask spread, at the median
      const within = svi.slices.map((sl) => {
        const q = c.slices.find((x) => x.t === sl.t)!;
        const half = q.askIv.map((a, j) => (a - q.bidIv[j]) / 2);
        return sl.rmseVolPts < 100 * Math.sqrt(half.reduce((a, b) => a + b * b, 0) / half.length);
      });
      expect(within.filter(Boolean).length).toBeGreaterThan(within.length / 2);
      expect(svi.surface.rmseVolPts).toBeLessThan(essvi.surface.rmseVolPts);
    }
  });

  it("the mark checker finds no arbitrage in the published surface's own vols at listed strikes", () => {
    // The published surface is arbitrage-free by construction, so its vols, read as marks, must
    // pass the mark checkers (their planted-violation counterparts: tests/unit/surfaceCheckers).
    for (const i of [0, 33, 34, 67]) {
      const f = published[i];
      const asMarks: SliceQuotes[] = f.slices.map((s) => ({
        t: s.t,
        forward: s.forward,
        k: s.k,
        midIv: s.fitIv,
        bidIv: s.fitIv.map((v) => v - 0.01),
        askIv: s.fitIv.map((v) => v + 0.01),
        markIv: s.fitIv,
      }));
      const m = fitSurface(asMarks, { model: "svi" }).mark!;
      expect(m.butterflyViolations, `chain ${i}`).toBe(0);
      expect(m.calendarViolations, `chain ${i}`).toBe(0);
    }
  });

  it("skips slices with too few quotes and survives an empty chain", () => {
    const empty = fitSurface([], { model: "published" });
    expect(empty.slices).toEqual([]);
    expect(empty.surface.status).toBe("no slices");
    const s = chains[0].slices[0];
    const tiny: SliceQuotes = {
      ...s,
      k: s.k.slice(0, 3),
      midIv: s.midIv.slice(0, 3),
      bidIv: s.bidIv.slice(0, 3),
      askIv: s.askIv.slice(0, 3),
    };
    const f = fitSurface([tiny, ...chains[0].slices.slice(1)], { model: "svi" });
    expect(f.skipped).toHaveLength(1);
    expect(f.slices).toHaveLength(chains[0].slices.length - 1);
  });
});
