/**
 * Surface SVI (J. Gatheral & A. Jacquier, "Arbitrage-free SVI volatility surfaces", Quantitative
 * Finance 14 (2014) 59-71):
 *     w(k, θ_t) = θ_t/2 · (1 + ρφ(θ_t)k + √((φ(θ_t)k + ρ)² + 1 − ρ²)),
 * θ_t the ATM total variance, with the power-law φ(θ) = η / (θ^γ (1 + θ)^{1−γ}) (their eq. 4.5).
 *  - Theorem 4.2 (butterfly): a slice is free of butterfly arbitrage if θφ(θ)(1 + |ρ|) < 4 and
 *    θφ(θ)²(1 + |ρ|) ≤ 4.
 *  - Theorem 4.1 (calendar): the surface is free of calendar arbitrage iff ∂_t θ_t ≥ 0 and
 *    0 ≤ ∂_θ(θφ(θ)) ≤ (1 + √(1 − ρ²))φ(θ)/ρ².
 *  - Remark 4.4 / Corollary: the power law with η(1 + |ρ|) ≤ 2 and 0 < γ ≤ ½ satisfies both for
 *    every θ > 0, so fitting (ρ, η, γ) in that set, with θ_t non-decreasing, is arbitrage-free.
 * Each slice is a raw SVI slice (their Lemma 3.2 mapping): a = θ(1 − ρ²)/2, b = θφ/2,
 * m = −ρ/φ, σ = √(1 − ρ²)/φ.
 */
import { levenbergMarquardt, type OptStatus } from "./optimize";
import type { SviParams } from "./svi";

export interface SsviParams {
  rho: number;
  eta: number;
  gamma: number;
}

/** Power-law φ(θ) = η θ^{−γ} (1 + θ)^{γ−1}. */
export function powerLawPhi(theta: number, eta: number, gamma: number): number {
  return eta / (Math.pow(theta, gamma) * Math.pow(1 + theta, 1 - gamma));
}

/** SSVI total variance for ATM total variance θ, curvature φ and correlation ρ. */
export function ssviW(k: number, theta: number, phi: number, rho: number): number {
  const u = phi * k + rho;
  return 0.5 * theta * (1 + rho * phi * k + Math.sqrt(u * u + 1 - rho * rho));
}

/** The raw SVI parameters of one SSVI slice (Gatheral & Jacquier 2014, Lemma 3.2). */
export function ssviSliceToSvi(theta: number, phi: number, rho: number): SviParams {
  return {
    a: 0.5 * theta * (1 - rho * rho),
    b: 0.5 * theta * phi,
    rho,
    m: -rho / phi,
    sigma: Math.sqrt(1 - rho * rho) / phi,
  };
}

/** Theorem 4.2's sufficient condition for no butterfly arbitrage of one slice. */
export function ssviButterflyFree(theta: number, phi: number, rho: number): boolean {
  const r = 1 + Math.abs(rho);
  return theta * phi * r < 4 && theta * phi * phi * r <= 4;
}

/** Remark 4.4's condition: the power-law surface is free of static arbitrage for all θ. */
export function powerLawArbitrageFree(p: SsviParams): boolean {
  return p.eta > 0 && p.eta * (1 + Math.abs(p.rho)) <= 2 && p.gamma > 0 && p.gamma <= 0.5;
}

/** Pool-adjacent-violators: the non-decreasing sequence closest (least squares) to y. */
export function isotonic(y: ArrayLike<number>): number[] {
  const vals: number[] = [];
  const cnt: number[] = [];
  for (let i = 0; i < y.length; i++) {
    vals.push(y[i]);
    cnt.push(1);
    while (vals.length > 1 && vals[vals.length - 2] > vals[vals.length - 1]) {
      const v = vals.pop()!;
      const c = cnt.pop()!;
      const j = vals.length - 1;
      vals[j] = (vals[j] * cnt[j] + v * c) / (cnt[j] + c);
      cnt[j] += c;
    }
  }
  const out: number[] = [];
  vals.forEach((v, i) => {
    for (let c = 0; c < cnt[i]; c++) out.push(v);
  });
  return out;
}

export interface SsviSliceData {
  t: number;
  /** ATM total variance of the slice (made non-decreasing in t by the caller or by fitSsvi). */
  theta: number;
  k: ArrayLike<number>;
  vol: ArrayLike<number>;
  /** Vol-space residual weights. */
  weights: ArrayLike<number>;
}

export interface SsviFit {
  params: SsviParams;
  thetas: number[];
  evaluations: number;
  status: OptStatus;
}

/**
 * Fits the power-law SSVI (ρ, η, γ) to all slices at once on vol residuals, inside the
 * arbitrage-free set of Remark 4.4 (η = 2u/(1 + |ρ|), u ∈ (0, 1], γ ∈ (0, ½]); θ per slice is the
 * isotonic (non-decreasing) regression of the slices' ATM total variances.
 */
export function fitSsvi(slices: SsviSliceData[]): SsviFit {
  const thetas = isotonic(slices.map((s) => Math.max(s.theta, 1e-8)));
  let m = 0;
  for (const s of slices) m += s.k.length;
  const res = (x: Float64Array, out: Float64Array) => {
    const rho = x[0];
    const eta = (2 * x[1]) / (1 + Math.abs(rho));
    let i = 0;
    slices.forEach((s, j) => {
      const th = thetas[j];
      const phi = powerLawPhi(th, eta, x[2]);
      for (let q = 0; q < s.k.length; q++) {
        const w = ssviW(s.k[q], th, phi, rho);
        out[i++] = s.weights[q] * (Math.sqrt(Math.max(w, 0) / s.t) - s.vol[q]);
      }
    });
  };
  let best: ReturnType<typeof levenbergMarquardt> | null = null;
  let evals = 0;
  for (const start of [
    [-0.3, 0.5, 0.4],
    [0.1, 0.9, 0.2],
  ]) {
    const r = levenbergMarquardt(res, start, m, {
      lower: [-0.999, 1e-4, 0.01],
      upper: [0.999, 1, 0.5],
      maxIterations: 100,
      ftol: 1e-10,
    });
    evals += r.evaluations;
    if (!best || r.cost < best.cost) best = r;
  }
  const x = best!.x;
  const params = { rho: x[0], eta: (2 * x[1]) / (1 + Math.abs(x[0])), gamma: x[2] };
  return { params, thetas, evaluations: evals, status: best!.status };
}
