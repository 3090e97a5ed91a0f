/**
 * Extended SSVI (S. Hendriks & C. Martini, "The extended SSVI volatility surface", Journal of
 * Computational Finance 22(5) 2019; J. Corbetta, P. Cohort, I. Laachir & C. Martini, "Robust
 * calibration and arbitrage-free interpolation of SSVI slices", Decisions in Economics and Finance
 * 42 (2019) 665-677):
 * each slice has its own correlation, written with ψ = θφ:
 *     w(k) = ½·(θ + ρψk + √((ψk + θρ)² + θ²(1 − ρ²))).
 *  - Butterfly (Gatheral & Jacquier Thm 4.2 in ψ): ψ(1 + |ρ|) < 4 and ψ²(1 + |ρ|) ≤ 4θ.
 *  - Calendar between slices 1 → 2 (Hendriks & Martini Prop. 3.1 necessary conditions):
 *    θ₂ ≥ θ₁, ψ₂ ≥ ψ₁ and |ψ₂ρ₂ − ψ₁ρ₁| ≤ ψ₂ − ψ₁ (the latter is the ordering of the asymptotic
 *    wing slopes ψ(1 ± ρ)/2, i.e. no crossing far out). As the measurements show these are
 *    not sufficient — slices can still cross at finite k — so the fit here also requires
 *    w₂(k) ≥ w₁(k) on a wide grid (k ∈ [−1.5, 1.5] densely and out to |k| = 50).
 * Calibration is slice by slice from the shortest expiry (Corbetta et al.), each slice by
 * Nelder–Mead on (θ, ρ, u), ψ = u·ψ_max(θ, ρ), with the calendar conditions as a penalty.
 */
import { nelderMead, type OptStatus } from "./optimize";
import type { SviParams } from "./svi";

export interface EssviSlice {
  theta: number;
  rho: number;
  psi: number;
}

export function essviW(p: EssviSlice, k: number): number {
  const u = p.psi * k + p.theta * p.rho;
  return (
    0.5 * (p.theta + p.rho * p.psi * k + Math.sqrt(u * u + p.theta * p.theta * (1 - p.rho * p.rho)))
  );
}

/** Raw SVI parameters of an eSSVI slice (φ = ψ/θ in the SSVI mapping). */
export function essviToSvi(p: EssviSlice): SviParams {
  const phi = p.psi / p.theta;
  return {
    a: 0.5 * p.theta * (1 - p.rho * p.rho),
    b: 0.5 * p.psi,
    rho: p.rho,
    m: -p.rho / phi,
    sigma: Math.sqrt(1 - p.rho * p.rho) / phi,
  };
}

/** Largest ψ with no butterfly arbitrage: min(4/(1+|ρ|), 2√(θ/(1+|ρ|))), slightly inside. */
export function essviPsiMax(theta: number, rho: number): number {
  const r = 1 + Math.abs(rho);
  return (1 - 1e-9) * Math.min(4 / r, 2 * Math.sqrt(theta / r));
}

export function essviButterflyFree(p: EssviSlice): boolean {
  const r = 1 + Math.abs(p.rho);
  return p.theta > 0 && p.psi > 0 && p.psi * r < 4 && p.psi * p.psi * r <= 4 * p.theta;
}

/** Hendriks–Martini necessary calendar conditions (asymptotic slopes ordered, θ and ψ up). */
export function essviCalendarNecessary(p1: EssviSlice, p2: EssviSlice): boolean {
  return (
    p2.theta >= p1.theta &&
    p2.psi >= p1.psi &&
    Math.abs(p2.psi * p2.rho - p1.psi * p1.rho) <= p2.psi - p1.psi + 1e-15
  );
}

const WIDE: Float64Array = (() => {
  const pts: number[] = [];
  for (let i = 0; i <= 300; i++) pts.push(-1.5 + i * 0.01);
  for (let v = 1.6; v <= 50; v *= 1.08) pts.push(v, -v);
  return Float64Array.from(pts.sort((a, b) => a - b));
})();

/** Total shortfall Σ max(0, w₁(k) − w₂(k)) over the wide grid (0 = no crossing found). */
export function essviCrossing(p1: EssviSlice, p2: EssviSlice): number {
  let s = 0;
  for (let i = 0; i < WIDE.length; i++) {
    const d = essviW(p1, WIDE[i]) - essviW(p2, WIDE[i]);
    if (d > 1e-14) s += d;
  }
  return s;
}

export interface EssviSliceData {
  t: number;
  /** ATM total variance from the data (start value). */
  thetaAtm: number;
  k: ArrayLike<number>;
  vol: ArrayLike<number>;
  weights: ArrayLike<number>;
}

export interface EssviFit {
  slices: EssviSlice[];
  evaluations: number;
  status: OptStatus[];
}

/** Slice-by-slice eSSVI fit from the shortest expiry, every slice constrained by the previous. */
export function fitEssvi(data: EssviSliceData[]): EssviFit {
  const out: EssviSlice[] = [];
  const status: OptStatus[] = [];
  let evals = 0;
  let prev: EssviSlice | null = null;
  for (const s of data) {
    const n = s.k.length;
    const p0: EssviSlice | null = prev;
    const make = (x: ArrayLike<number>): EssviSlice => {
      const theta = x[0];
      const rho = x[1];
      return { theta, rho, psi: x[2] * essviPsiMax(theta, rho) };
    };
    const obj = (x: Float64Array) => {
      const p = make(x);
      let f = 0;
      for (let i = 0; i < n; i++) {
        const e = s.weights[i] * (Math.sqrt(Math.max(essviW(p, s.k[i]), 0) / s.t) - s.vol[i]);
        f += e * e;
      }
      if (p0) {
        let pen = Math.max(0, p0.psi - p.psi);
        pen += Math.max(0, Math.abs(p.psi * p.rho - p0.psi * p0.rho) - (p.psi - p0.psi));
        if (pen === 0) pen = essviCrossing(p0, p);
        if (pen > 0) f += 1e3 * (1 + pen);
      }
      return f;
    };
    const thetaLo = p0 ? p0.theta : 1e-8;
    const thetaAtm = Math.max(s.thetaAtm, thetaLo);
    const lower = [thetaLo, -0.999, 1e-4];
    const upper = [Math.max(4 * thetaAtm, thetaLo * 1.5, 1e-6), 0.999, 1];
    const starts: number[][] = [[thetaAtm, p0 ? p0.rho : -0.2, 0.5]];
    if (p0) {
      // feasible by construction: same ρ and ψ, larger θ (w is non-decreasing in θ)
      const th = Math.max(thetaAtm, p0.theta);
      starts.push([th, p0.rho, Math.min(1, p0.psi / essviPsiMax(th, p0.rho))]);
    } else starts.push([thetaAtm, 0.2, 0.3]);
    let best: ReturnType<typeof nelderMead> | null = null;
    for (const st of starts) {
      const r = nelderMead(obj, st, {
        lower,
        upper,
        step: [0.1 * thetaAtm, 0.2, 0.2],
        maxEvaluations: 600,
        ftol: 1e-12,
        xtol: 1e-9,
      });
      evals += r.evaluations;
      if (!best || r.cost < best.cost) best = r;
    }
    const p = make(best!.x);
    out.push(p);
    status.push(best!.status);
    prev = p;
  }
  return { slices: out, evaluations: evals, status };
}
