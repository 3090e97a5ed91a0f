// No-arbitrage theorems of the SVI family and of the Andreasen–Huge scheme, as properties; and the
// quasi-explicit SVI calibration recovering known parameters.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildGrid,
  gridButterflyViolations,
  gridCalendarViolations,
  hatWeights,
  propagate,
} from "../../lib/quant/andreasenHuge";
import {
  essviButterflyFree,
  essviCalendarNecessary,
  essviCrossing,
  essviToSvi,
  essviW,
} from "../../lib/quant/essvi";
import { powerLawArbitrageFree, powerLawPhi, ssviSliceToSvi, ssviW } from "../../lib/quant/ssvi";
import {
  fitSviQuasiExplicit,
  kGrid,
  sviButterflyViolations,
  sviG,
  sviInnerFit,
  sviW,
  type SviParams,
} from "../../lib/quant/svi";

const wide = kGrid(-4, 4, 801);
const num = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true });

describe("SSVI (Gatheral & Jacquier 2014)", () => {
  it("Theorem 4.2: θφ(1+|ρ|) < 4 and θφ²(1+|ρ|) ≤ 4 ⇒ g(k) ≥ 0", () => {
    fc.assert(
      fc.property(num(1e-4, 3), num(-0.99, 0.99), num(0.01, 0.999), (theta, rho, u) => {
        const r = 1 + Math.abs(rho);
        const phi = u * Math.min(4 / (theta * r), Math.sqrt(4 / (theta * r)));
        const p = ssviSliceToSvi(theta, phi, rho);
        let gMin = Infinity;
        let dMax = 0;
        for (const k of wide) {
          const w = sviW(p, k);
          dMax = Math.max(dMax, Math.abs(w - ssviW(k, theta, phi, rho)) / (1 + w));
          gMin = Math.min(gMin, sviG(p, k));
        }
        expect(dMax).toBeLessThan(1e-12);
        expect(gMin).toBeGreaterThanOrEqual(-1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it("power law with η(1+|ρ|) ≤ 2, 0 < γ ≤ ½: slices never cross as θ grows (Thm 4.1)", () => {
    fc.assert(
      fc.property(
        num(-0.99, 0.99),
        num(0.01, 1),
        num(0.01, 0.5),
        num(1e-4, 2),
        num(1e-6, 2),
        (rho, u, gamma, th1, dth) => {
          const eta = (2 * u) / (1 + Math.abs(rho));
          expect(powerLawArbitrageFree({ rho, eta, gamma })).toBe(true);
          const th2 = th1 + dth;
          const p1 = powerLawPhi(th1, eta, gamma);
          const p2 = powerLawPhi(th2, eta, gamma);
          let worst = Infinity;
          for (const k of [...wide, -50, -20, 20, 50]) {
            const w1 = ssviW(k, th1, p1, rho);
            worst = Math.min(worst, ssviW(k, th2, p2, rho) - w1 * (1 - 1e-12));
          }
          expect(worst).toBeGreaterThanOrEqual(0);
          // and each slice is butterfly-free
          expect(sviButterflyViolations(ssviSliceToSvi(th2, p2, rho), wide)).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("raw SVI", () => {
  it("detects butterfly arbitrage in Vogt's example (Gatheral & Jacquier 2014, §2.2)", () => {
    const vogt: SviParams = { a: -0.041, b: 0.1331, rho: 0.306, m: 0.3586, sigma: 0.4153 };
    expect(sviButterflyViolations(vogt, kGrid(-1.5, 1.5, 601))).toBeGreaterThan(0);
    expect(Math.min(...Array.from(kGrid(-1.5, 1.5, 601), (k) => sviG(vogt, k)))).toBeLessThan(0);
  });

  it("the inner least-squares problem is exact at the true (m, σ)", () => {
    const p: SviParams = { a: -0.012, b: 0.21, rho: -0.35, m: 0.04, sigma: 0.12 };
    const k = Array.from(kGrid(-0.6, 0.6, 25));
    const w = k.map((x) => sviW(p, x));
    const r = sviInnerFit(
      k,
      w,
      k.map(() => 1),
      p.m,
      p.sigma,
      -1,
      1,
    );
    expect(r.a).toBeCloseTo(p.a, 12);
    expect(r.c).toBeCloseTo(p.b * p.sigma, 12);
    expect(r.d).toBeCloseTo(p.rho * p.b * p.sigma, 12);
  });

  it("quasi-explicit calibration recovers known parameters from synthetic data", () => {
    fc.assert(
      fc.property(
        num(-0.02, 0.05),
        num(0.05, 0.5),
        num(-0.8, 0.8),
        num(-0.1, 0.1),
        num(0.05, 0.4),
        (a, b, rho, m, sigma) => {
          const p = { a, b, rho, m, sigma };
          fc.pre(a + b * sigma * Math.sqrt(1 - rho * rho) > 0.002); // positive variance
          const k = Array.from(kGrid(-0.8, 0.8, 33));
          const w = k.map((x) => sviW(p, x));
          const t = 0.25;
          const fit = fitSviQuasiExplicit(
            k,
            w,
            k.map(() => 1),
            { t },
          );
          const q = fit.params;
          for (const x of k) expect(Math.abs(sviW(q, x) - sviW(p, x))).toBeLessThan(1e-9);
          expect(q.a).toBeCloseTo(a, 5);
          expect(q.b).toBeCloseTo(b, 5);
          expect(q.rho).toBeCloseTo(rho, 5);
          expect(q.m).toBeCloseTo(m, 5);
          expect(q.sigma).toBeCloseTo(sigma, 5);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("eSSVI (Hendriks & Martini 2019)", () => {
  it("ψ(1+|ρ|) < 4 and ψ²(1+|ρ|) ≤ 4θ ⇒ g(k) ≥ 0", () => {
    fc.assert(
      fc.property(num(1e-4, 3), num(-0.99, 0.99), num(0.01, 0.999), (theta, rho, u) => {
        const r = 1 + Math.abs(rho);
        const p = { theta, rho, psi: u * Math.min(4 / r, 2 * Math.sqrt(theta / r)) };
        expect(essviButterflyFree(p)).toBe(true);
        const s = essviToSvi(p);
        let gMin = Infinity;
        let dMax = 0;
        for (const k of wide) {
          dMax = Math.max(dMax, Math.abs(sviW(s, k) - essviW(p, k)) / (1 + essviW(p, k)));
          gMin = Math.min(gMin, sviG(s, k));
        }
        expect(dMax).toBeLessThan(1e-12);
        expect(gMin).toBeGreaterThanOrEqual(-1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it("the necessary calendar conditions do not exclude crossing at finite k", () => {
    // θ and ψ up, |Δ(ψρ)| ≤ Δψ, yet the ATM-dominated later slice dips below in a wing
    const p1 = { theta: 0.04, rho: -0.9, psi: 0.2 };
    const p2 = { theta: 0.0401, rho: 0.5, psi: 0.9 };
    expect(essviCalendarNecessary(p1, p2)).toBe(true);
    expect(essviCrossing(p1, p2)).toBeGreaterThan(0);
  });
});

describe("Andreasen–Huge implicit steps", () => {
  it("any positive local vols give convex, calendar-ordered call prices on the grid", () => {
    fc.assert(
      fc.property(
        fc.array(num(0.05, 3), { minLength: 1, maxLength: 8 }),
        fc.array(num(1e-3, 0.5), { minLength: 1, maxLength: 5 }),
        fc.array(num(-1.2, 1.2), { maxLength: 20 }),
        fc.integer({ min: 1, max: 3 }),
        (vols, dts, extra, substeps) => {
          const grid = buildGrid(extra, { range: 4 });
          const nodes = Float64Array.from(vols, (_, i) =>
            vols.length === 1 ? 0 : -1 + (2 * i) / (vols.length - 1),
          );
          const hat = hatWeights(grid, nodes);
          let q: Float64Array = new Float64Array(grid.k.length);
          for (const dt of dts) {
            const next = propagate(grid, hat, vols, q, dt, substeps);
            expect(gridButterflyViolations(grid, next)).toBe(0);
            expect(gridCalendarViolations(grid, q, next)).toBe(0);
            // a shorter step from the same slice lies in between (arbitrage-free in t)
            const half = propagate(grid, hat, vols, q, dt / 2, substeps);
            expect(gridCalendarViolations(grid, q, half)).toBe(0);
            expect(gridCalendarViolations(grid, half, next)).toBe(0);
            q = next;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
