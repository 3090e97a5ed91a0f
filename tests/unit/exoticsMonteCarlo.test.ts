// The model-risk basket's Monte Carlo pricers against references computed here by other methods:
// the characteristic-function pricer (vanillas), a discrete-monitoring density recursion and
// closed forms (Black–Scholes limit), and a semi-analytic forward-start price (Heston, Bates).
import { describe, expect, it } from "vitest";
import {
  buildGrid,
  dupireLocalVarianceOnGrid,
  hatWeights,
  propagate,
} from "../../lib/quant/andreasenHuge";
import { black76Price } from "../../lib/quant/black76";
import { BASKET, DAY, VANILLA_SPECS, VANILLAS } from "../../lib/quant/exoticBasket";
import {
  batesPrice,
  type BatesParams,
  hestonPrice,
  type HestonParams,
} from "../../lib/quant/heston";
import { svBasketMonteCarlo } from "../../lib/quant/hestonMonteCarlo";
import { impliedVol } from "../../lib/quant/impliedVol";
import {
  flatLocalVariance,
  localVolBasketMonteCarlo,
  localVolControlPrices,
} from "../../lib/quant/localVolMonteCarlo";
import { normCdf } from "../../lib/quant/normal";
import { fitSurface, type SliceQuotes } from "../../lib/quant/surface";
import { chainImpliedVols } from "../../lib/market/impliedVols";
import { cleanSnapshot } from "../../lib/market/quality";
import { ReplaySource } from "../../lib/market/replay";
import { surfaceInput } from "../../lib/market/surfaceInput";

// Every comparison is one seeded draw: a fixed z of 4 keeps the chance that an unbiased estimator
// misses any of the ~30 comparisons below 0.2 % (chosen before running).
const Z = 4;
const within = (mc: { price: number; stdError: number }, ref: number, extra = 0) =>
  expect(Math.abs(mc.price - ref)).toBeLessThanOrEqual(Z * mc.stdError + extra);

const T30 = 30 * DAY;
const T60 = 60 * DAY;

// ---- Black–Scholes references (rate 0, per unit of forward) ----

/**
 * Discrete daily monitoring by recursion of the density of y = ln X on cells of width h: mass at
 * a cell centre moves to cell i with the exact Gaussian cell probability (second order in h).
 * `dayVar[d]` is the variance of day d's log-increment (deterministic). Absorbs below `lower` /
 * at or above `upper`; returns the surviving cell masses and centres at the last day.
 */
function densityRecursion(
  dayVar: number[],
  bounds: { lower?: number; upper?: number },
): { y: Float64Array; mass: Float64Array } {
  const sMin = Math.sqrt(Math.min(...dayVar));
  const sAll = Math.sqrt(dayVar.reduce((a, b) => a + b, 0));
  const h = sMin / 40;
  const lo = bounds.lower ?? -12 * sAll;
  const hi = bounds.upper ?? 12 * sAll;
  const n = Math.ceil((hi - lo) / h);
  const hh = (hi - lo) / n; // cell edges land on the barriers
  const y = Float64Array.from({ length: n }, (_, i) => lo + (i + 0.5) * hh);
  let mass = new Float64Array(n);
  // day 1 from the point mass at y = 0
  const s1 = Math.sqrt(dayVar[0]);
  const m1 = -0.5 * dayVar[0];
  for (let i = 0; i < n; i++) {
    mass[i] = normCdf((lo + (i + 1) * hh - m1) / s1) - normCdf((lo + i * hh - m1) / s1);
  }
  for (let d = 1; d < dayVar.length; d++) {
    const s = Math.sqrt(dayVar[d]);
    const mu = -0.5 * dayVar[d];
    const M = Math.ceil((10 * s) / hh);
    const ker = new Float64Array(2 * M + 1);
    for (let m = -M; m <= M; m++) {
      ker[m + M] = normCdf(((m + 0.5) * hh - mu) / s) - normCdf(((m - 0.5) * hh - mu) / s);
    }
    const next = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const mj = mass[j];
      if (mj < 1e-300) continue;
      const a = Math.max(0, j - M);
      const b = Math.min(n - 1, j + M);
      for (let i = a; i <= b; i++) next[i] += mj * ker[i - j + M];
    }
    mass = next;
  }
  return { y, mass };
}

/** Discretely monitored down-and-out put and one-touch of the basket, deterministic variance. */
function bsDiscreteReference(dayVar: number[]) {
  const dop = BASKET.downAndOutPut;
  const ot = BASKET.oneTouch;
  const v30 = dayVar.slice(0, 30);
  const a = densityRecursion(v30, { lower: Math.log(dop.barrier) });
  let put = 0;
  for (let i = 0; i < a.y.length; i++)
    put += a.mass[i] * Math.max(dop.strike - Math.exp(a.y[i]), 0);
  const b = densityRecursion(v30, { upper: Math.log(ot.level) });
  const survive = b.mass.reduce((s, m) => s + m, 0);
  return { downAndOutPut: put, oneTouch: 1 - survive };
}

/**
 * Continuous-barrier closed forms (Reiner & Rubinstein 1991, as in Haug's collection, b = r = 0)
 * with the Broadie–Glasserman–Kou (1997) shift e^{±0.5826σ√Δ} for daily monitoring.
 */
function bgkReference(sigma: number) {
  const beta = 0.5826;
  const sq = sigma * Math.sqrt(DAY);
  const T = T30;
  const sT = sigma * Math.sqrt(T);
  const H = BASKET.downAndOutPut.barrier * Math.exp(-beta * sq);
  const K = BASKET.downAndOutPut.strike;
  const mu = -0.5; // (b − σ²/2)/σ²
  const N = normCdf;
  // down-and-out put, K > H: A − B + C − D with φ = −1, η = 1, S = 1
  const x1 = Math.log(1 / K) / sT + (1 + mu) * sT;
  const x2 = Math.log(1 / H) / sT + (1 + mu) * sT;
  const y1 = Math.log((H * H) / K) / sT + (1 + mu) * sT;
  const y2 = Math.log(H) / sT + (1 + mu) * sT;
  const Aa = -N(-x1) + K * N(-x1 + sT);
  const Bb = -N(-x2) + K * N(-x2 + sT);
  const hp = Math.pow(H, 2 * (mu + 1));
  const hm = Math.pow(H, 2 * mu);
  const Cc = -hp * N(y1) + K * hm * N(y1 - sT);
  const Dd = -hp * N(y2) + K * hm * N(y2 - sT);
  const U = BASKET.oneTouch.level * Math.exp(beta * sq);
  // P(max of a Brownian motion with drift −σ²/2 reaches ln U by T)
  const u = Math.log(U);
  const nu = -0.5 * sigma * sigma;
  const touch =
    N((-u + nu * T) / sT) + Math.exp((2 * nu * u) / (sigma * sigma)) * N((-u - nu * T) / sT);
  return { downAndOutPut: Aa - Bb + Cc - Dd, oneTouch: touch };
}

describe("Black–Scholes references used below", () => {
  it("the density recursion agrees with the BGK-corrected closed forms (their own error)", () => {
    const sigma = 0.6;
    const ref = bsDiscreteReference(new Array<number>(30).fill(sigma * sigma * DAY));
    const bgk = bgkReference(sigma);
    // BGK's correction is accurate to o(1/√m); a priori 3 % at m = 30 daily fixings
    expect(Math.abs(ref.downAndOutPut / bgk.downAndOutPut - 1)).toBeLessThan(0.03);
    expect(Math.abs(ref.oneTouch / bgk.oneTouch - 1)).toBeLessThan(0.03);
    // without monitoring the put is the vanilla put: the recursion reproduces Black-76
    const free = densityRecursion(new Array<number>(30).fill(sigma * sigma * DAY), {});
    let put = 0;
    for (let i = 0; i < free.y.length; i++)
      put += free.mass[i] * Math.max(1 - Math.exp(free.y[i]), 0);
    // second order in the cell width: far below the Monte Carlo errors (~1e-4) it is used against
    expect(Math.abs(put - black76Price(1, 1, T30, sigma, "put"))).toBeLessThan(1e-5);
  });
});

/** Daily variances of a deterministic variance path v(t) = θ + (v₀ − θ)e^{−κt}, exactly. */
function dayVariances(v0: number, kappa: number, theta: number, days: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < days; d++) {
    const t0 = d * DAY;
    out.push(
      theta * DAY + ((v0 - theta) * Math.exp(-kappa * t0) * -Math.expm1(-kappa * DAY)) / kappa,
    );
  }
  return out;
}

describe("Black–Scholes limit: Heston with σ = 0 and λ = 0, and flat local vol", () => {
  const sigma = 0.6;
  const flatDays = new Array<number>(60).fill(sigma * sigma * DAY);
  const ref = bsDiscreteReference(flatDays);
  // Rubinstein (1991) at rate 0: a forward-start ATM call is S₀·BS(1, 1, σ, T − t₀)
  const fwdStart = black76Price(1, 1, T60 - T30, sigma, "call");

  it("Heston QE with σ = 0, v₀ = θ = σ²: basket and vanillas match the closed forms", () => {
    const p: HestonParams = {
      v0: sigma * sigma,
      kappa: 1,
      theta: sigma * sigma,
      sigma: 0,
      rho: -0.5,
    };
    const r = svBasketMonteCarlo("heston", p, { paths: 40000, seed: 11, controlVariates: false });
    const res = r.result!;
    within(res.claims.downAndOutPut, ref.downAndOutPut);
    within(res.claims.oneTouch, ref.oneTouch);
    within(res.claims.forwardStartCall, fwdStart);
    for (const id of VANILLAS) {
      const s = VANILLA_SPECS[id];
      within(res.vanillas[id], black76Price(1, s.strike, s.days * DAY, sigma, s.type));
    }
  });

  it("Heston QE with σ = 0 and a moving deterministic variance: the recursion with those days", () => {
    const p: HestonParams = { v0: 0.25, kappa: 4, theta: 0.64, sigma: 0, rho: 0 };
    const days = dayVariances(p.v0, p.kappa, p.theta, 60);
    const ref2 = bsDiscreteReference(days);
    const w = days.slice(30).reduce((a, b) => a + b, 0);
    const r = svBasketMonteCarlo("heston", p, { paths: 40000, seed: 12 }).result!;
    within(r.claims.downAndOutPut, ref2.downAndOutPut);
    within(r.claims.oneTouch, ref2.oneTouch);
    within(r.claims.forwardStartCall, black76Price(1, 1, 1, Math.sqrt(w), "call"));
  });

  it("flat local vol: basket and vanillas match the closed forms", () => {
    const r = localVolBasketMonteCarlo(flatLocalVariance(sigma), {
      paths: 40000,
      seed: 13,
      controlVariates: false,
    }).result!;
    within(r.claims.downAndOutPut, ref.downAndOutPut);
    within(r.claims.oneTouch, ref.oneTouch);
    within(r.claims.forwardStartCall, fwdStart);
    for (const id of VANILLAS) {
      const s = VANILLA_SPECS[id];
      within(r.vanillas[id], black76Price(1, s.strike, s.days * DAY, sigma, s.type));
    }
  });

  it("the same basket by two independent Monte Carlo methods agrees within its error", () => {
    const a = localVolBasketMonteCarlo(flatLocalVariance(sigma), {
      paths: 20000,
      seed: 21,
    }).result!;
    const p: HestonParams = { v0: sigma * sigma, kappa: 1, theta: sigma * sigma, sigma: 0, rho: 0 };
    const b = svBasketMonteCarlo("heston", p, { paths: 20000, seed: 22 }).result!;
    for (const id of ["downAndOutPut", "oneTouch", "forwardStartCall"] as const) {
      const d = Math.abs(a.claims[id].price - b.claims[id].price);
      expect(d).toBeLessThanOrEqual(Z * Math.hypot(a.claims[id].stdError, b.claims[id].stdError));
    }
  });
});

// ---- stochastic volatility: vanillas against the characteristic-function pricer, and the
// forward-start call against a semi-analytic price ----

/** ln Γ(x), Lanczos (g = 7, n = 9), x > 0. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61503916999185, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * Forward-start ATM call (X₆₀ − X₃₀)⁺ under Heston/Bates, semi-analytically: given v₃₀ the
 * ratio X₆₀/X₃₀ is independent of X₃₀, so the price is E[X₃₀·g(v₃₀)] = E^S[g(v₃₀)], g(v) the
 * 30-day ATM call with v₀ = v, and under the share measure v is CIR with κ* = κ − ρσ (jumps are
 * independent of v and do not change its law): v₃₀ = c·χ'²(d, λ), c = σ²(1 − e^{−κ*t})/(4κ*),
 * d = 4κθ/σ², λ = v₀e^{−κ*t}/c. The non-central χ² density is the Poisson(λ/2) mixture of
 * central χ² densities, ∝ v^{d/2−1} at 0; the expectation is integrated by Simpson's rule in
 * u = v^{1/m}, m = max(2, 4/d), which makes the integrand vanish like u at 0.
 */
function forwardStartSemiAnalytic(g: (v: number) => number, p: HestonParams): number {
  const ks = p.kappa - p.rho * p.sigma;
  const t = T30;
  const c = (p.sigma * p.sigma * -Math.expm1(-ks * t)) / (4 * ks);
  const d = (4 * p.kappa * p.theta) / (p.sigma * p.sigma);
  const lam = (p.v0 * Math.exp(-ks * t)) / c;
  const mean = c * (d + lam);
  const sd = c * Math.sqrt(2 * (d + 2 * lam));
  const m = Math.max(2, 4 / d);
  const uMax = Math.pow(mean + 20 * sd, 1 / m);
  const n = 800;
  const du = uMax / n;
  const density = (v: number) => {
    if (v <= 0) return 0;
    const x = v / c;
    let s = 0;
    for (let i = 0; i < 400; i++) {
      const k = d + 2 * i;
      const lw =
        -lam / 2 +
        i * Math.log(lam / 2) -
        lnGamma(i + 1) +
        (k / 2 - 1) * Math.log(x) -
        x / 2 -
        (k / 2) * Math.log(2) -
        lnGamma(k / 2);
      s += Math.exp(lw);
      if (i > lam && Math.exp(lw) < 1e-18) break;
    }
    return s / c;
  };
  let mass = 0;
  let price = 0;
  for (let i = 0; i <= n; i++) {
    const u = i * du;
    const w = (i === 0 || i === n ? 1 : i % 2 ? 4 : 2) * (du / 3);
    const v = Math.pow(u, m);
    const f = u > 0 ? density(v) * m * Math.pow(u, m - 1) : 0;
    mass += w * f;
    if (f > 0) price += w * f * g(v);
  }
  // the quadrature's own check: the density integrates to 1
  expect(Math.abs(mass - 1)).toBeLessThan(1e-6);
  return price;
}

describe("Heston and Bates by QE Monte Carlo", () => {
  // a crypto-like set (Feller ratio 2κθ/σ² = 1.1; at daily steps the QE scheme stays in its
  // quadratic branch) and a rough one (Feller 0.25: the variance sits near 0 often enough that
  // about a tenth of the steps take the exponential branch, ψ > 1.5)
  const sets: Array<[string, HestonParams]> = [
    ["crypto", { v0: 0.36, kappa: 2, theta: 0.4, sigma: 1.2, rho: -0.3 }],
    ["rough", { v0: 0.2, kappa: 1.5, theta: 0.3, sigma: 1.9, rho: -0.7 }],
  ];
  for (const [name, p] of sets) {
    it(`${name}: vanillas match the characteristic-function prices, forward start the semi-analytic`, () => {
      const r = svBasketMonteCarlo("heston", p, { paths: 40000, seed: 31, controlVariates: false });
      expect(r.uncorrectedSteps).toBe(0);
      const res = r.result!;
      for (const id of VANILLAS) {
        const s = VANILLA_SPECS[id];
        within(res.vanillas[id], hestonPrice(p, 1, s.strike, s.days * DAY, s.type));
      }
      const fs = forwardStartSemiAnalytic(
        (v) => hestonPrice({ ...p, v0: v }, 1, 1, T30, "call"),
        p,
      );
      within(res.claims.forwardStartCall, fs);
      // with the control variates the estimate is sharper and still right
      const cv = svBasketMonteCarlo("heston", p, { paths: 40000, seed: 31 }).result!;
      expect(cv.claims.forwardStartCall.stdError).toBeLessThan(
        res.claims.forwardStartCall.stdError,
      );
      within(cv.claims.forwardStartCall, fs);
    });
  }

  it("Bates: vanillas match the characteristic-function prices, forward start the semi-analytic", () => {
    const p: BatesParams = {
      v0: 0.36,
      kappa: 2,
      theta: 0.4,
      sigma: 1.2,
      rho: -0.3,
      lambda: 4,
      muJ: -0.08,
      sigmaJ: 0.15,
    };
    const res = svBasketMonteCarlo("bates", p, {
      paths: 40000,
      seed: 41,
      controlVariates: false,
    }).result!;
    for (const id of VANILLAS) {
      const s = VANILLA_SPECS[id];
      within(res.vanillas[id], batesPrice(p, 1, s.strike, s.days * DAY, s.type));
    }
    const fs = forwardStartSemiAnalytic((v) => batesPrice({ ...p, v0: v }, 1, 1, T30, "call"), p);
    within(res.claims.forwardStartCall, fs);
  });

  it("Bates with large rare jumps keeps the forward a martingale", () => {
    const p: BatesParams = {
      v0: 0.3,
      kappa: 2,
      theta: 0.3,
      sigma: 0.8,
      rho: -0.5,
      lambda: 1,
      muJ: -0.4,
      sigmaJ: 0.3,
    };
    const res = svBasketMonteCarlo("bates", p, {
      paths: 20000,
      seed: 42,
      controlVariates: false,
    }).result!;
    within(res.vanillas.put30, batesPrice(p, 1, 1, T30, "put"));
    within(res.vanillas.call60, batesPrice(p, 1, 1, T60, "call"));
  });
});

describe("local vol from the published (Andreasen–Huge) surface", () => {
  it("the scheme's Dupire variance is ∂c/∂t over ½x²∂²c/∂x² by finite differences", () => {
    // one interval of an Andreasen–Huge grid with a skewed step vol, started from a 7-day slice
    const grid = buildGrid([], { range: 3 });
    const hat = hatWeights(grid, [-0.2, 0, 0.2]);
    const s = [0.7, 0.5, 0.6];
    const flat = hatWeights(grid, [0]);
    const q0 = propagate(grid, flat, [0.55], new Float64Array(grid.k.length), 7 * DAY, 1);
    const tau = 10 * DAY;
    const S = 2;
    const lv = dupireLocalVarianceOnGrid(grid, hat, s, q0, tau, S);
    const h = 1e-4 * tau;
    const up = propagate(grid, hat, s, q0, tau + h, S);
    const dn = propagate(grid, hat, s, q0, tau - h, S);
    const q = propagate(grid, hat, s, q0, tau, S);
    const c = (j: number) => q[j] + Math.max(1 - grid.x[j], 0);
    let checked = 0;
    for (let j = 1; j < grid.k.length - 1; j++) {
      if (Math.abs(grid.k[j]) > 0.5) continue;
      const hl = grid.x[j] - grid.x[j - 1];
      const hr = grid.x[j + 1] - grid.x[j];
      const cxx = (2 / (hl + hr)) * ((c(j + 1) - c(j)) / hr - (c(j) - c(j - 1)) / hl);
      const dupire = (up[j] - dn[j]) / (2 * h) / (0.5 * grid.x[j] * grid.x[j] * cxx);
      expect(Math.abs(lv[j] / dupire - 1)).toBeLessThan(1e-6);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("the Monte Carlo reproduces the surface's own vanilla prices", () => {
    // quotes from a Heston smile at five expiries, 13 strikes each, fitted by the published model
    const H: HestonParams = { v0: 0.36, kappa: 2, theta: 0.4, sigma: 1.2, rho: -0.3 };
    const slices: SliceQuotes[] = [7, 14, 30, 60, 90].map((days) => {
      const t = days * DAY;
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
    expect(fit.localVariance).toBeTypeOf("function");
    const r = localVolBasketMonteCarlo(fit.localVariance!, {
      paths: 40000,
      seed: 51,
      controlVariates: false,
    }).result!;
    const exact = localVolControlPrices(fit.impliedVol);
    for (const id of VANILLAS) within(r.vanillas[id], exact[id]);
    // the parametric surfaces carry no local vol
    expect(fitSurface(slices, { model: "svi" }).localVariance).toBeUndefined();
  });

  it("on the latest recorded BTC and ETH chains, at the default steps, the same", async () => {
    const src = new ReplaySource();
    for (const asset of ["BTC", "ETH"]) {
      const market = `deribit:${asset}`;
      const times = src.snapshotTimes(market);
      const snap = (await src.snapshotAsOf(market, times[times.length - 1]))!;
      const { clean } = cleanSnapshot(snap, { now: snap.capturedAt });
      const fit = fitSurface(surfaceInput(chainImpliedVols({ ...snap, options: clean }, 1)), {
        model: "published",
      });
      const r = localVolBasketMonteCarlo(fit.localVariance!, {
        paths: 40000,
        seed: 52,
        controlVariates: false,
      }).result!;
      expect(r.stepsPerDay).toBe(4);
      const exact = localVolControlPrices(fit.impliedVol);
      for (const id of VANILLAS) within(r.vanillas[id], exact[id]);
    }
  });
});

describe("reproducibility and input checks", () => {
  const p: HestonParams = { v0: 0.36, kappa: 2, theta: 0.4, sigma: 1.2, rho: -0.3 };
  it("the same seed gives the same numbers, another seed others", () => {
    const a = svBasketMonteCarlo("heston", p, { paths: 2000, seed: 5 }).result!;
    const b = svBasketMonteCarlo("heston", p, { paths: 2000, seed: 5 }).result!;
    const c = svBasketMonteCarlo("heston", p, { paths: 2000, seed: 6 }).result!;
    expect(b).toEqual(a);
    expect(c.claims.oneTouch.price).not.toBe(a.claims.oneTouch.price);
    const l1 = localVolBasketMonteCarlo(flatLocalVariance(0.5), { paths: 2000, seed: 5 }).result!;
    const l2 = localVolBasketMonteCarlo(flatLocalVariance(0.5), { paths: 2000, seed: 5 }).result!;
    expect(l2).toEqual(l1);
  });

  it("rejects invalid inputs with a reason", () => {
    expect(svBasketMonteCarlo("heston", { ...p, kappa: 0 }).reason).toMatch(/kappa/);
    expect(svBasketMonteCarlo("heston", { ...p, v0: NaN }).reason).toMatch(/v0/);
    expect(svBasketMonteCarlo("bates", { ...p, lambda: -1, muJ: 0, sigmaJ: 0.1 }).reason).toMatch(
      /lambda/,
    );
    expect(svBasketMonteCarlo("heston", p, { paths: 1 }).reason).toMatch(/paths/);
    expect(svBasketMonteCarlo("heston", p, { paths: 10.5 }).reason).toMatch(/paths/);
    expect(svBasketMonteCarlo("heston", p, { seed: 0.5 }).reason).toMatch(/seed/);
    expect(svBasketMonteCarlo("heston", p, { stepsPerDay: 0 }).reason).toMatch(/stepsPerDay/);
    expect(svBasketMonteCarlo("sabr" as "heston", p).reason).toMatch(/model/);
    expect(localVolBasketMonteCarlo(flatLocalVariance(NaN), { paths: 10 }).reason).toMatch(
      /local variance/,
    );
    expect(localVolBasketMonteCarlo(flatLocalVariance(0.5), { dk: 0 }).reason).toMatch(/dk/);
    expect(
      localVolBasketMonteCarlo(flatLocalVariance(0.5), {
        controlPrices: { put30: NaN, call115x30: 0, call60: 0 },
      }).reason,
    ).toMatch(/control price/);
  });
});
