import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { black76Price, type OptionType } from "../../lib/quant/black76";
import {
  batesPrice,
  type BatesParams,
  hestonPrice,
  type HestonParams,
  planFor,
  svPriceResult,
  svPricesOfMaturity,
} from "../../lib/quant/heston";
import { FIXTURE_GOLDEN, readGolden, SHARED_GOLDEN } from "../helpers/golden";

// The shared reference values (../shared/reference/golden.json from the repository root, or the
// repository's copy in tests/fixtures: see tests/helpers/golden.ts). Heston cases: QuantLib 1.29
// AnalyticHestonEngine cross-checked against adaptive integration and COS. The golden cases are quoted on a spot with rates r, q: F = S·e^{(r−q)T}, and the
// discounted price is e^{−rT} times the undiscounted price on the forward.
interface GoldenHeston extends HestonParams {
  id: string;
  spot: number;
  r: number;
  q: number;
  t: number;
  options: Array<{ type: OptionType; strike: number; price: number }>;
}
const golden = readGolden<{ heston: { cases: GoldenHeston[] } }>();

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

// ---- an independent pricer for the checks below: Gil-Pelaez (1951) probabilities from the
// characteristic function in its textbook form (with σ² in the denominators; fine for σ ≥ 0.1),
// integrated by composite Simpson — no code shared with lib/quant/heston ----
type Cx = [number, number];
const cm = (a: Cx, b: Cx): Cx => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cd = (a: Cx, b: Cx): Cx => {
  const den = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / den, (a[1] * b[0] - a[0] * b[1]) / den];
};
const ce = (a: Cx): Cx => [Math.exp(a[0]) * Math.cos(a[1]), Math.exp(a[0]) * Math.sin(a[1])];
const cl = (a: Cx): Cx => [Math.log(Math.hypot(a[0], a[1])), Math.atan2(a[1], a[0])];
const cs = (a: Cx): Cx => {
  const r = Math.hypot(a[0], a[1]);
  const th = Math.atan2(a[1], a[0]) / 2;
  return [Math.sqrt(r) * Math.cos(th), Math.sqrt(r) * Math.sin(th)];
};

/** E[e^{iu ln(F_T/F)}] of Bates (Heston when λ = 0), Albrecher et al. (2007) eq. (2)-(4). */
function refCf(u: Cx, t: number, p: BatesParams): Cx {
  const { v0, kappa, theta, sigma, rho, lambda, muJ, sigmaJ } = p;
  const iu: Cx = [-u[1], u[0]];
  const b: Cx = [kappa - rho * sigma * iu[0], -rho * sigma * iu[1]]; // κ − ρσiu
  const uu = cm(u, u);
  const d = cs([
    b[0] * b[0] - b[1] * b[1] + sigma * sigma * (iu[0] + uu[0]),
    2 * b[0] * b[1] + sigma * sigma * (iu[1] + uu[1]),
  ]);
  const bm: Cx = [b[0] - d[0], b[1] - d[1]];
  const g = cd(bm, [b[0] + d[0], b[1] + d[1]]);
  const e = ce([-d[0] * t, -d[1] * t]);
  const ge = cm(g, e);
  const one_ge: Cx = [1 - ge[0], -ge[1]];
  const lg = cl(cd(one_ge, [1 - g[0], -g[1]]));
  const s2 = sigma * sigma;
  const C: Cx = [
    ((kappa * theta) / s2) * (bm[0] * t - 2 * lg[0]),
    ((kappa * theta) / s2) * (bm[1] * t - 2 * lg[1]),
  ];
  const D = cm([bm[0] / s2, bm[1] / s2], cd([1 - e[0], -e[1]], one_ge));
  const jumpCf = ce([
    iu[0] * muJ - 0.5 * sigmaJ * sigmaJ * uu[0],
    iu[1] * muJ - 0.5 * sigmaJ * sigmaJ * uu[1],
  ]);
  const kbar = Math.exp(muJ + 0.5 * sigmaJ * sigmaJ) - 1;
  const J: Cx = [
    lambda * t * (jumpCf[0] - 1 - iu[0] * kbar),
    lambda * t * (jumpCf[1] - iu[1] * kbar),
  ];
  return ce([C[0] + D[0] * v0 + J[0], C[1] + D[1] * v0 + J[1]]);
}

/** Undiscounted call by Gil-Pelaez: F·P₁ − K·P₂, Simpson on [0, 400] with 40 000 intervals. */
function refCall(p: BatesParams, F: number, K: number, t: number): number {
  const k = Math.log(K / F);
  const n = 40000;
  const U = 400;
  const h = U / n;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i <= n; i++) {
    const u = i === 0 ? 1e-10 : i * h;
    const wgt = i === 0 || i === n ? 1 : i % 2 ? 4 : 2;
    const eik: Cx = [Math.cos(-u * k), Math.sin(-u * k)];
    const f2 = cm(eik, refCf([u, 0], t, p));
    const f1 = cm(eik, refCf([u, -1], t, p));
    // Re[z/(iu)] = Im z / u
    s2 += (wgt * f2[1]) / u;
    s1 += (wgt * f1[1]) / u;
  }
  const P1 = 0.5 + (s1 * h) / 3 / Math.PI;
  const P2 = 0.5 + (s2 * h) / 3 / Math.PI;
  return F * P1 - K * P2;
}

/** Merton (1976) jump-diffusion on a forward: Poisson mixture of Black-76 prices. */
function mertonPrice(
  v: number,
  lambda: number,
  muJ: number,
  sigmaJ: number,
  F: number,
  K: number,
  t: number,
  type: OptionType,
): number {
  const kbar = Math.exp(muJ + 0.5 * sigmaJ * sigmaJ) - 1;
  let sum = 0;
  let pn = Math.exp(-lambda * t);
  for (let n = 0; n < 80; n++) {
    if (n > 0) pn *= (lambda * t) / n;
    const Fn = F * Math.exp(-lambda * kbar * t + n * (muJ + 0.5 * sigmaJ * sigmaJ));
    const vol = Math.sqrt(v + (n * sigmaJ * sigmaJ) / t);
    sum += pn * black76Price(Fn, K, t, vol, type);
  }
  return sum;
}

describe("Heston prices", () => {
  it.runIf(existsSync(SHARED_GOLDEN))("the repository's golden copy equals the shared file", () => {
    const read = (f: string) => JSON.parse(readFileSync(f, "utf8")) as Record<string, unknown>;
    const shared = read(SHARED_GOLDEN);
    const copy = read(FIXTURE_GOLDEN);
    for (const key of ["heston", "heston_calibration_benchmark"]) {
      expect(copy[key], key).toEqual(shared[key]);
    }
  });

  it("match the golden values to 1e-9 relative", () => {
    let n = 0;
    for (const c of golden.heston.cases) {
      const F = c.spot * Math.exp((c.r - c.q) * c.t);
      for (const o of c.options) {
        const p = Math.exp(-c.r * c.t) * hestonPrice(c, F, o.strike, c.t, o.type);
        expect(rel(p, o.price), `${c.id} ${o.type} ${o.strike}`).toBeLessThan(1e-9);
        n++;
      }
    }
    expect(n).toBe(8);
  });

  it("reduce to Black-76 with the integrated variance when sigma = 0 (and as sigma → 0)", () => {
    const base = { v0: 0.04, kappa: 2, theta: 0.09, rho: -0.5 };
    for (const t of [0.01, 1, 10]) {
      // ∫₀ᵗ v = θt + (v₀ − θ)(1 − e^{−κt})/κ, deterministic when σ = 0
      const V =
        base.theta * t + ((base.v0 - base.theta) * (1 - Math.exp(-base.kappa * t))) / base.kappa;
      for (const K of [60, 100, 150]) {
        for (const type of ["call", "put"] as const) {
          const bs = black76Price(100, K, t, Math.sqrt(V / t), type);
          const h0 = hestonPrice({ ...base, sigma: 0 }, 100, K, t, type);
          expect(Math.abs(h0 - bs)).toBeLessThan(1e-12 * 100);
          // O(σ) effect: 1e-9 vol-of-vol moves the price by far less than 1e-6
          const hs = hestonPrice({ ...base, sigma: 1e-9 }, 100, K, t, type);
          expect(Math.abs(hs - bs)).toBeLessThan(1e-6);
        }
      }
    }
  });

  it("reject invalid inputs with a reason", () => {
    const p = { v0: 0.04, kappa: 2, theta: 0.04, sigma: 0.5, rho: -0.5 };
    const bad: Array<[Partial<HestonParams>, number, number, number, RegExp]> = [
      [{ v0: -0.01 }, 100, 100, 1, /v0/],
      [{ v0: NaN }, 100, 100, 1, /v0/],
      [{ kappa: 0 }, 100, 100, 1, /kappa/],
      [{ theta: -1 }, 100, 100, 1, /theta/],
      [{ sigma: -0.1 }, 100, 100, 1, /sigma/],
      [{ rho: 1.5 }, 100, 100, 1, /rho/],
      [{}, NaN, 100, 1, /forward/],
      [{}, 100, -5, 1, /strike/],
      [{}, 100, 100, 0, /\bt\b/],
      [{}, 100, 100, Infinity, /\bt\b/],
    ];
    for (const [over, F, K, t, why] of bad) {
      const r = svPriceResult("heston", { ...p, ...over }, F, K, t, "call");
      expect(r.price).toBeNull();
      expect(r.reason).toMatch(why);
    }
    const rb = svPriceResult(
      "bates",
      { ...p, lambda: -1, muJ: 0, sigmaJ: 0.1 },
      100,
      100,
      1,
      "put",
    );
    expect(rb.reason).toMatch(/lambda/);
    expect(hestonPrice({ ...p, v0: NaN }, 100, 100, 1, "call")).toBeNaN();
  });

  it("analytic gradient agrees with central differences of the price", () => {
    const F = [100, 100, 100];
    const K = [75, 100, 135];
    const ty: OptionType[] = ["put", "call", "call"];
    for (const [model, x] of [
      ["heston", [0.05, 1.2, 0.06, 0.8, -0.6]],
      ["bates", [0.05, 1.2, 0.06, 0.8, -0.6, 0.7, -0.08, 0.2]],
    ] as const) {
      const plan = planFor(model, x, 0.7, F, K);
      const out = new Float64Array(3);
      const jac = new Float64Array(3 * x.length);
      svPricesOfMaturity(model, x, plan, F, K, ty, out, jac);
      for (let k = 0; k < x.length; k++) {
        const h = 1e-5;
        const up = new Float64Array(3);
        const dn = new Float64Array(3);
        svPricesOfMaturity(
          model,
          x.map((v, j) => (j === k ? v + h : v)),
          plan,
          F,
          K,
          ty,
          up,
        );
        svPricesOfMaturity(
          model,
          x.map((v, j) => (j === k ? v - h : v)),
          plan,
          F,
          K,
          ty,
          dn,
        );
        for (let i = 0; i < 3; i++) {
          const fd = (up[i] - dn[i]) / (2 * h);
          // central-difference truncation O(h²)·f''' plus round-off ε·P/h
          expect(Math.abs(jac[i * x.length + k] - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      }
    }
  });
});

describe("Bates prices", () => {
  const p: BatesParams = {
    v0: 0.04,
    kappa: 1.5,
    theta: 0.05,
    sigma: 0.5,
    rho: -0.7,
    lambda: 0.5,
    muJ: -0.1,
    sigmaJ: 0.15,
  };

  it("agree with an independent Gil-Pelaez integration of the characteristic function", () => {
    for (const t of [0.25, 1, 5]) {
      for (const K of [70, 100, 140]) {
        const ref = refCall(p, 100, K, t);
        expect(Math.abs(batesPrice(p, 100, K, t, "call") - ref), `t ${t} K ${K}`).toBeLessThan(
          1e-8 * 100,
        );
        // and Heston through the same reference with λ = 0
        const refH = refCall({ ...p, lambda: 0 }, 100, K, t);
        expect(Math.abs(hestonPrice(p, 100, K, t, "call") - refH)).toBeLessThan(1e-8 * 100);
      }
    }
  });

  it("with sigma = 0 and v0 = theta equal Merton's jump-diffusion series", () => {
    const m = { ...p, v0: 0.04, theta: 0.04, sigma: 0 };
    for (const t of [0.02, 0.5, 3]) {
      for (const K of [50, 90, 100, 110, 200]) {
        for (const type of ["call", "put"] as const) {
          const ref = mertonPrice(0.04, m.lambda, m.muJ, m.sigmaJ, 100, K, t, type);
          expect(Math.abs(batesPrice(m, 100, K, t, type) - ref), `${t} ${K} ${type}`).toBeLessThan(
            1e-11 * 100,
          );
        }
      }
    }
  });

  it("lambda = 0 is Heston exactly, whatever the jump law", () => {
    for (const K of [1e-3, 50, 100, 400]) {
      for (const t of [1e-3, 1, 20]) {
        for (const type of ["call", "put"] as const) {
          expect(batesPrice({ ...p, lambda: 0, muJ: 0.7, sigmaJ: 1.3 }, 100, K, t, type)).toBe(
            hestonPrice(p, 100, K, t, type),
          );
        }
      }
    }
  });
});

describe("no-arbitrage properties over the whole domain (fast-check)", () => {
  const params = fc.record({
    v0: fc.oneof(fc.constantFrom(0, 1e-6, 2), fc.double({ min: 0, max: 2, noNaN: true })),
    kappa: fc.oneof(fc.constantFrom(1e-3, 30), fc.double({ min: 1e-3, max: 30, noNaN: true })),
    theta: fc.oneof(fc.constantFrom(0, 2), fc.double({ min: 0, max: 2, noNaN: true })),
    sigma: fc.oneof(fc.constantFrom(0, 1e-8, 3), fc.double({ min: 0, max: 3, noNaN: true })),
    rho: fc.oneof(
      fc.constantFrom(-0.99, 0.99, 0),
      fc.double({ min: -0.99, max: 0.99, noNaN: true }),
    ),
    lambda: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 3, noNaN: true })),
    muJ: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    sigmaJ: fc.double({ min: 0, max: 0.5, noNaN: true }),
  });
  const t = fc.oneof(fc.constantFrom(1e-4, 30), fc.double({ min: 1e-4, max: 30, noNaN: true }));
  // log-moneyness ln(K/F) from deep ITM to deep OTM
  const k = fc.oneof(fc.constantFrom(-4, 0, 4), fc.double({ min: -4, max: 4, noNaN: true }));
  const models = fc.constantFrom("heston" as const, "bates" as const);

  const checkParityAndBounds = (
    model: "heston" | "bates",
    p: BatesParams,
    tt: number,
    kk: number,
  ): boolean => {
    const F = 100;
    const K = F * Math.exp(kk);
    const c = svPriceResult(model, p, F, K, tt, "call");
    const pu = svPriceResult(model, p, F, K, tt, "put");
    if (c.price === null || pu.price === null) {
      // never a wrong number: no price, and why
      expect((c.price === null ? c : pu).reason).toMatch(/did not converge|standard deviations/);
      return false;
    }
    const C = c.price;
    const P = pu.price;
    expect(Math.abs(C - P - (F - K))).toBeLessThanOrEqual(1e-9 * Math.max(F, K));
    expect(C).toBeGreaterThanOrEqual(Math.max(F - K, 0));
    expect(C).toBeLessThanOrEqual(F);
    expect(P).toBeGreaterThanOrEqual(Math.max(K - F, 0));
    expect(P).toBeLessThanOrEqual(K);
    expect(c.errorEstimate!).toBeLessThanOrEqual(1e-7 * Math.sqrt(F * K));
    return true;
  };

  it("put–call parity and the bounds max(F−K,0) ≤ C ≤ F, max(K−F,0) ≤ P ≤ K, or no price", () => {
    let priced = 0;
    let runs = 0;
    fc.assert(
      fc.property(models, params, t, k, (model, p, tt, kk) => {
        runs++;
        if (checkParityAndBounds(model, p, tt, kk)) priced++;
      }),
      { numRuns: 300, seed: 13 },
    );
    // giving up is for degenerate corners only (e.g. v0 = 0, κ ≈ 0, σ = 3: a near-singular law)
    expect(priced).toBeGreaterThanOrEqual(0.95 * runs);
  });

  it("always prices on an ordinary domain (vols ≥ 10 %, t ≥ 1e-3; σ, ρ, strikes as above)", () => {
    // Outside it (vanishing variance, with or without jumps) the characteristic function can decay
    // so slowly that the integrand needs more than the node budget: the pricer then answers null.
    const ordinary = fc.record({
      v0: fc.oneof(fc.constantFrom(0.01, 2), fc.double({ min: 0.01, max: 2, noNaN: true })),
      kappa: fc.oneof(fc.constantFrom(0.1, 30), fc.double({ min: 0.1, max: 30, noNaN: true })),
      theta: fc.oneof(fc.constantFrom(0.01, 2), fc.double({ min: 0.01, max: 2, noNaN: true })),
      sigma: fc.oneof(fc.constantFrom(0, 3), fc.double({ min: 0, max: 3, noNaN: true })),
      rho: fc.oneof(
        fc.constantFrom(-0.99, 0.99),
        fc.double({ min: -0.99, max: 0.99, noNaN: true }),
      ),
      lambda: fc.double({ min: 0, max: 3, noNaN: true }),
      muJ: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
      sigmaJ: fc.double({ min: 0, max: 0.5, noNaN: true }),
    });
    const tt = fc.oneof(fc.constantFrom(1e-3, 30), fc.double({ min: 1e-3, max: 30, noNaN: true }));
    const kk = fc.oneof(fc.constantFrom(-4, 4), fc.double({ min: -4, max: 4, noNaN: true }));
    fc.assert(
      fc.property(models, ordinary, tt, kk, (model, p, tv, kv) => {
        expect(checkParityAndBounds(model, p, tv, kv)).toBe(true);
      }),
      { numRuns: 300, seed: 29 },
    );
  });

  it("calls decrease and are convex in the strike (no vertical or butterfly arbitrage)", () => {
    fc.assert(
      fc.property(
        models,
        params,
        t,
        fc.double({ min: -3, max: 3, noNaN: true }),
        (model, p, tt, kk) => {
          const F = 100;
          const dk = 0.05 * F;
          const K2 = F * Math.exp(kk);
          // a call struck at K ≤ 0 is worth F − K
          const [c1, c2, c3] = [K2 - dk, K2, K2 + dk].map((K) =>
            K > 0 ? svPriceResult(model, p, F, K, tt, "call").price : F - K,
          );
          if (c1 === null || c2 === null || c3 === null) return; // covered by the test above
          // each price is within its quadrature tolerance (1e-12·√(FK), checked above at 1e-7)
          const tol = 1e-7 * F;
          expect(c2).toBeLessThanOrEqual(c1 + tol);
          expect(c3).toBeLessThanOrEqual(c2 + tol);
          expect(c1 - 2 * c2 + c3).toBeGreaterThanOrEqual(-tol);
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });
});
