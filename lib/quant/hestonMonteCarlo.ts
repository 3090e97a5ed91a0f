/**
 * Heston and Bates Monte Carlo of the model-risk basket (./exoticBasket) by the Quadratic-
 * Exponential scheme with martingale correction: L. Andersen, "Simple and efficient simulation of
 * the Heston stochastic volatility model", J. Comput. Finance 11(3) (2008) 1-42.
 *
 * Variance step (Andersen §3.2.4), Δ the step, V̂ = V_n:
 *   m = θ + (V̂ − θ)e^{−κΔ},  s² = V̂σ²e^{−κΔ}(1 − e^{−κΔ})/κ + θσ²(1 − e^{−κΔ})²/(2κ),  ψ = s²/m²;
 *   ψ ≤ ψ_c = 1.5: V_{n+1} = a(b + Z_V)², b² = 2/ψ − 1 + √(2/ψ)√(2/ψ − 1), a = m/(1 + b²);
 *   ψ > ψ_c:       V_{n+1} = 0 if U ≤ p, else ln((1 − p)/(1 − U))/β, p = (ψ − 1)/(ψ + 1),
 *                  β = (1 − p)/m.
 * Log-forward step (§4.2, central weights γ₁ = γ₂ = ½, rate 0):
 *   ln X_{n+1} = ln X_n + K₀* + K₁V_n + K₂V_{n+1} + √(K₃V_n + K₄V_{n+1})·Z,
 *   K₁ = γ₁Δ(κρ/σ − ½) − ρ/σ, K₂ = γ₂Δ(κρ/σ − ½) + ρ/σ, K₃ = γ₁Δ(1 − ρ²), K₄ = γ₂Δ(1 − ρ²),
 * and the martingale correction (§4.2.4) with A = K₂ + ½K₄, making E[X_{n+1} | X_n] = X_n:
 *   ψ ≤ ψ_c: K₀* = −Ab²a/(1 − 2Aa) + ½ln(1 − 2Aa) − (K₁ + ½K₃)V_n   (needs A < 1/(2a));
 *   ψ > ψ_c: K₀* = −ln(p + β(1 − p)/(β − A)) − (K₁ + ½K₃)V_n       (needs A < β).
 * Where the condition fails (extreme parameters) the uncorrected K₀ = −ρκθΔ/σ is used and the
 * step is counted in `uncorrectedSteps`.
 * σ < 1e-8 is simulated as σ = 0 (deterministic variance, trapezoidal integrated variance): the
 * ρ/σ terms would otherwise cancel catastrophically; the model difference is O(σ).
 *
 * Bates (1996) jumps: per step a Poisson(λΔ) count N (by inversion), log-jump sum
 * Nμ_J + √N σ_J Z_J, and the compensator −λ(e^{μ_J + σ_J²/2} − 1)Δ, so that the jumps are a
 * martingale factor exactly (as in the compensated Bates dynamics of ./heston).
 */
import {
  BASKET,
  BasketAccumulator,
  type BasketMcResult,
  DAY,
  type McOptions,
  resolveMcOptions,
  VANILLA_SPECS,
  VANILLAS,
  type VanillaId,
} from "./exoticBasket";
import {
  type BatesParams,
  checkParams,
  type HestonParams,
  svPriceResult,
  type SvModel,
} from "./heston";
import { Prng } from "./prng";

const PSI_C = 1.5;

export interface SvMcResult {
  result: BasketMcResult | null;
  reason?: string;
  /** Steps where the martingale correction's condition failed (uncorrected drift used). */
  uncorrectedSteps?: number;
}

/**
 * Prices the basket under Heston (`model = "heston"`) or Bates, seeded. With control variates on
 * (the default) the vanillas' exact prices come from the characteristic-function pricer.
 */
export function svBasketMonteCarlo(
  model: SvModel,
  params: HestonParams | BatesParams,
  opts: McOptions = {},
): SvMcResult {
  if (model !== "heston" && model !== "bates") {
    return { result: null, reason: 'invalid input: model must be "heston" or "bates"' };
  }
  const bad = checkParams(model, params);
  if (bad) return { result: null, reason: bad };
  const o = resolveMcOptions(opts);
  if (typeof o === "string") return { result: null, reason: o };

  let exact: Record<VanillaId, number> | null = null;
  if (o.controlVariates) {
    exact = {} as Record<VanillaId, number>;
    for (const id of VANILLAS) {
      const s = VANILLA_SPECS[id];
      const r = svPriceResult(model, params, 1, s.strike, s.days * DAY, s.type);
      if (r.price === null) {
        return { result: null, reason: `control variate ${id} not priced: ${r.reason}` };
      }
      exact[id] = r.price;
    }
  }

  const { v0, kappa, theta, rho } = params;
  const sigma = params.sigma < 1e-8 ? 0 : params.sigma;
  const bates = model === "bates";
  const b = params as BatesParams;
  const lambda = bates ? b.lambda : 0;
  const muJ = bates ? b.muJ : 0;
  const sJ = bates ? b.sigmaJ : 0;

  const spd = o.stepsPerDay;
  const dt = DAY / spd;
  const ek = Math.exp(-kappa * dt);
  const omek = -Math.expm1(-kappa * dt);
  const c1 = sigma > 0 ? (sigma * sigma * ek * omek) / kappa : 0;
  const c2 = sigma > 0 ? (theta * sigma * sigma * omek * omek) / (2 * kappa) : 0;
  const k0 = sigma > 0 ? (-rho * kappa * theta * dt) / sigma : 0;
  const k1 = sigma > 0 ? 0.5 * dt * ((kappa * rho) / sigma - 0.5) - rho / sigma : 0;
  const k2 = sigma > 0 ? 0.5 * dt * ((kappa * rho) / sigma - 0.5) + rho / sigma : 0;
  const k3 = 0.5 * dt * (1 - rho * rho);
  const k4 = k3;
  const A = k2 + 0.5 * k4;
  const jumpP0 = Math.exp(-lambda * dt);
  const jumpComp = -lambda * Math.expm1(muJ + 0.5 * sJ * sJ) * dt;
  const lamDt = lambda * dt;

  const rng = new Prng(o.seed);
  const acc = new BasketAccumulator();
  const days = BASKET.horizonDays;
  const x = new Float64Array(days + 1);
  let uncorrected = 0;
  for (let p = 0; p < o.paths; p++) {
    let lnX = 0;
    let v = v0;
    x[0] = 1;
    for (let d = 1; d <= days; d++) {
      for (let s = 0; s < spd; s++) {
        const m = theta + (v - theta) * ek;
        let vn: number;
        if (sigma === 0) {
          vn = m;
          const iv = 0.5 * (v + vn) * dt;
          lnX += -0.5 * iv + Math.sqrt(iv) * rng.normal();
        } else {
          let drift: number;
          const s2 = v * c1 + c2;
          const psi = s2 / (m * m);
          if (psi <= PSI_C) {
            const ip = 2 / psi;
            const b2 = ip - 1 + Math.sqrt(ip) * Math.sqrt(ip - 1);
            const a = m / (1 + b2);
            const bb = Math.sqrt(b2);
            const z = bb + rng.normal();
            vn = a * z * z;
            if (A < 1 / (2 * a)) {
              drift =
                (-A * b2 * a) / (1 - 2 * A * a) +
                0.5 * Math.log(1 - 2 * A * a) -
                (k1 + 0.5 * k3) * v;
            } else {
              drift = k0;
              uncorrected++;
            }
          } else {
            const pz = (psi - 1) / (psi + 1);
            const beta = (1 - pz) / m;
            const u = rng.uniform();
            vn = u <= pz ? 0 : Math.log((1 - pz) / (1 - u)) / beta;
            if (A < beta) {
              drift = -Math.log(pz + (beta * (1 - pz)) / (beta - A)) - (k1 + 0.5 * k3) * v;
            } else {
              drift = k0;
              uncorrected++;
            }
          }
          lnX += drift + k1 * v + k2 * vn + Math.sqrt(k3 * v + k4 * vn) * rng.normal();
        }
        if (lamDt > 0) {
          // Poisson(λΔ) by inversion: almost always 0 at daily steps
          const u = rng.uniform();
          let nj = 0;
          let pk = jumpP0;
          let cdf = pk;
          while (u > cdf && nj < 1000) {
            nj++;
            pk *= lamDt / nj;
            cdf += pk;
          }
          if (nj > 0) lnX += nj * muJ + Math.sqrt(nj) * sJ * rng.normal();
          lnX += jumpComp;
        }
        v = vn;
      }
      x[d] = Math.exp(lnX);
    }
    acc.add(x);
  }
  return {
    result: acc.result(exact, { seed: o.seed, stepsPerDay: spd }),
    uncorrectedSteps: uncorrected,
  };
}
