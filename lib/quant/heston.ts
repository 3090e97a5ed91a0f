/**
 * Heston (1993) and Bates (1996) European options on a forward, undiscounted, by the Lewis (2000)
 * single-integral formula with a Black-76 control variate, and the analytic gradient of the price
 * with respect to the model parameters (for Levenberg–Marquardt calibration, as in Y. Cui,
 * S. del Baño Rollin & G. Germano, "Full and fast calibration of the Heston stochastic volatility
 * model", EJOR 263 (2017) 625-638).
 *
 * Model (forward measure, X = ln(F_T/F)):
 *   dF/F = √v dW₁ (+ compensated jumps),  dv = κ(θ − v)dt + σ√v dW₂,  d⟨W₁,W₂⟩ = ρ dt;
 * Bates adds log-jumps J ~ N(μ_J, σ_J²) at rate λ, compensated so that F is a martingale.
 *
 * Characteristic function φ(u) = E[e^{iuX}] = exp(A + D·v₀ + Ψ_J), in the "little Heston trap"
 * form of H. Albrecher, P. Mayer, W. Schoutens & J. Tistaert (Wilmott, Jan 2007), which has no
 * branch-cut discontinuity for any maturity. With a = u² + iu, β = κ − iρσu, d = √(β² + σ²a),
 * s = β + d, e = e^{−dt}, g = (β − d)/(β + d):
 *   D = −a(1 − e) / (s(1 − g e)),    A = κθ(−a t/s − 2Λ),   Λ = ln((1 − g e)/(1 − g))/σ².
 * Writing β − d = −σ²a/s removes the σ² in the denominators (no cancellation as σ → 0), and
 * Λ = G·(f(g) − e·f(g e)) with G = g/σ² = −a/s² and f(z) = −ln(1 − z)/z (a series for small z)
 * keeps the σ → 0 limit (deterministic variance) exact.
 * Jumps (Bates 1996): Ψ_J = λt(e^{iuμ_J − σ_J²u²/2} − 1 − iu(e^{μ_J + σ_J²/2} − 1)).
 *
 * Price (A. Lewis, "A simple option formula for general jump-diffusion and other exponential Lévy
 * processes", 2001), x = ln(F/K), u = w − i/2:
 *   C = F − (√(FK)/π) ∫₀^∞ Re[e^{iwx} φ(u)] / (w² + ¼) dw.
 * Subtracting the same formula for Black-76 with total variance V̄ (the model's expected integrated
 * variance plus the jump variance) gives
 *   price = Black76(V̄) + (√(FK)/π) ∫₀^∞ Re[e^{iwx}(φ_BS(u) − φ(u))] / (w² + ¼) dw,
 * for calls and puts alike (put–call parity holds for both models), so the price never comes
 * out as the small difference of two large numbers, and the integrand is small where both
 * characteristic functions agree (short maturities, small vol-of-vol).
 *
 * Error control: the integral is truncated at W where the envelope
 * (|φ(u)| + |φ_BS(u)|)/(w² + ¼) times W falls below the tolerance (a bound on the tail for
 * integrands that decay at least like 1/w²), and [0, W] is integrated by Gauss–Legendre with
 * N = 32, 64, … nodes (starting above twice the number of oscillations of e^{iwx} on [0, W];
 * composite 512-node panels above 1 024) until two successive results agree to the tolerance,
 * tol·√(FK) in price (default tol = 1e-12), at most 131 072 nodes. Beyond that budget (a strike very many standard deviations out at a tiny
 * variance, or a characteristic function decaying very slowly: rate (v₀ + κθt)√(1−ρ²)/σ), a
 * Chernoff-type moment bound may show the out-of-the-money value is below the tolerance (the
 * price is then intrinsic); otherwise the result is null with the reason, never a wrong number.
 * A result accepted with an error estimate between tol and 1e-7 (relative to √(FK)) carries it
 * in `errorEstimate`.
 */
import { black76Price, type OptionType } from "./black76";

export interface HestonParams {
  v0: number;
  kappa: number;
  theta: number;
  sigma: number;
  rho: number;
}

export interface BatesParams extends HestonParams {
  /** Jump intensity per year. */
  lambda: number;
  /** Mean of the log jump. */
  muJ: number;
  /** Standard deviation of the log jump. */
  sigmaJ: number;
}

export type SvModel = "heston" | "bates";

/** Parameter order of parameter vectors and gradients. */
export const HESTON_KEYS = ["v0", "kappa", "theta", "sigma", "rho"] as const;
export const BATES_KEYS = [...HESTON_KEYS, "lambda", "muJ", "sigmaJ"] as const;

export function paramKeys(model: SvModel): readonly string[] {
  return model === "bates" ? BATES_KEYS : HESTON_KEYS;
}

/** Parameters as a vector in HESTON_KEYS / BATES_KEYS order (missing jump fields are 0). */
export function paramVector(model: SvModel, p: HestonParams | BatesParams): Float64Array {
  const b = p as Partial<BatesParams>;
  const v = [p.v0, p.kappa, p.theta, p.sigma, p.rho];
  if (model === "bates") v.push(b.lambda ?? 0, b.muJ ?? 0, b.sigmaJ ?? 0);
  return Float64Array.from(v);
}

export function paramsOf(model: SvModel, x: ArrayLike<number>): HestonParams | BatesParams {
  const h = { v0: x[0], kappa: x[1], theta: x[2], sigma: x[3], rho: x[4] };
  return model === "bates" ? { ...h, lambda: x[5], muJ: x[6], sigmaJ: x[7] } : h;
}

/** The reason the parameters are invalid, or null. κ > 0 (mean reversion), |ρ| ≤ 1. */
export function checkParams(model: SvModel, p: HestonParams | BatesParams): string | null {
  const fin = (k: string, v: unknown) => typeof v === "number" && Number.isFinite(v);
  for (const k of paramKeys(model)) {
    const v = (p as unknown as Record<string, unknown>)[k];
    if (!fin(k, v)) return `invalid input: ${k} must be a finite number`;
  }
  if (p.v0 < 0) return "invalid input: v0 must be non-negative";
  if (!(p.kappa > 0)) return "invalid input: kappa must be positive";
  if (p.theta < 0) return "invalid input: theta must be non-negative";
  if (p.sigma < 0) return "invalid input: sigma must be non-negative";
  if (!(Math.abs(p.rho) <= 1)) return "invalid input: rho must be in [-1, 1]";
  if (model === "bates") {
    const b = p as BatesParams;
    if (b.lambda < 0) return "invalid input: lambda must be non-negative";
    if (b.sigmaJ < 0) return "invalid input: sigmaJ must be non-negative";
  }
  return null;
}

// ---- complex arithmetic on (re, im) pairs of locals: results go to the scratch Z (no allocation
// in the hot loops; the characteristic function is evaluated ~10⁵ times per calibration) ----

const Z = new Float64Array(2);
/** Z = a/b (Smith's algorithm: no overflow of |b|²). */
function cdiv(ar: number, ai: number, br: number, bi: number): void {
  if (Math.abs(br) >= Math.abs(bi)) {
    const r = bi / br;
    const den = br + bi * r;
    Z[0] = (ar + ai * r) / den;
    Z[1] = (ai - ar * r) / den;
  } else {
    const r = br / bi;
    const den = br * r + bi;
    Z[0] = (ar * r + ai) / den;
    Z[1] = (ai * r - ar) / den;
  }
}
/** Z = e^a. */
function cexp(ar: number, ai: number): void {
  const m = Math.exp(ar);
  Z[0] = m * Math.cos(ai);
  Z[1] = m * Math.sin(ai);
}
/** Z = principal √a (Re ≥ 0). */
function csqrt(ar: number, ai: number): void {
  const m = Math.hypot(ar, ai);
  if (m === 0) {
    Z[0] = 0;
    Z[1] = 0;
  } else if (ar >= 0) {
    const r = Math.sqrt(0.5 * (m + ar));
    Z[0] = r;
    Z[1] = ai / (2 * r);
  } else {
    const q = Math.sqrt(0.5 * (m - ar));
    Z[0] = Math.abs(ai) / (2 * q);
    Z[1] = ai >= 0 ? q : -q;
  }
}

/**
 * f(z) = −ln(1 − z)/z and f′(z) into out[off..off+3] as (f re, f im, f′ re, f′ im): the power
 * series Σ zⁿ/(n+1) for |z| < 0.1 (so f(0) = 1 exactly), the closed forms otherwise.
 */
function fAndDerivative(zr: number, zi: number, out: Float64Array, off: number): void {
  if (Math.hypot(zr, zi) < 0.1) {
    let fr = 0;
    let fi = 0;
    let fpr = 0;
    let fpi = 0;
    let pr = 1; // zⁿ
    let pi = 0;
    for (let n = 0; n < 18; n++) {
      fr += pr / (n + 1);
      fi += pi / (n + 1);
      // f′ term n+1: (n+1) zⁿ/(n+2)
      fpr += ((n + 1) * pr) / (n + 2);
      fpi += ((n + 1) * pi) / (n + 2);
      const nr = pr * zr - pi * zi;
      pi = pr * zi + pi * zr;
      pr = nr;
    }
    out[off] = fr;
    out[off + 1] = fi;
    out[off + 2] = fpr;
    out[off + 3] = fpi;
    return;
  }
  const omr = 1 - zr;
  const omi = -zi;
  const lr = Math.log(Math.hypot(omr, omi));
  const li = Math.atan2(omi, omr);
  cdiv(-lr, -li, zr, zi);
  const fr = Z[0];
  const fi = Z[1];
  cdiv(1, 0, omr, omi);
  cdiv(Z[0] - fr, Z[1] - fi, zr, zi);
  out[off] = fr;
  out[off + 1] = fi;
  out[off + 2] = Z[0];
  out[off + 3] = Z[1];
}

const FB = new Float64Array(8);
/** ln φ of the last logCf call. */
const PSI = new Float64Array(2);

/**
 * ln φ(u) at a complex u = (ur, ui) into PSI, and (when `grad` is given, length ≥ 2·nParams) its
 * derivatives with respect to the parameters in HESTON_KEYS/BATES_KEYS order, as (re, im) pairs.
 * `x` holds the parameters as a vector; `bates` adds the jump exponent.
 */
function logCf(
  ur: number,
  ui: number,
  t: number,
  x: ArrayLike<number>,
  bates: boolean,
  grad?: Float64Array,
): void {
  const v0 = x[0];
  const kappa = x[1];
  const theta = x[2];
  const sigma = x[3];
  const rho = x[4];
  const s2 = sigma * sigma;
  const iur = -ui; // iu
  const iui = ur;
  const u2r = ur * ur - ui * ui; // u²
  const u2i = 2 * ur * ui;
  const ar = u2r + iur; // a = u² + iu
  const ai = u2i + iui;
  const br = kappa + rho * sigma * ui; // β = κ − iρσu
  const bi = -rho * sigma * ur;
  csqrt(br * br - bi * bi + s2 * ar, 2 * br * bi + s2 * ai); // d = √(β² + σ²a)
  const dr = Z[0];
  const di = Z[1];
  const sr = br + dr; // s = β + d
  const si = bi + di;
  cexp(-dr * t, -di * t); // e = e^{−dt}
  const er = Z[0];
  const ei = Z[1];
  const ssr = sr * sr - si * si; // s²
  const ssi = 2 * sr * si;
  cdiv(-ar, -ai, ssr, ssi); // G = −a/s²
  const Gr = Z[0];
  const Gi = Z[1];
  const gr = s2 * Gr; // g = σ²G
  const gi = s2 * Gi;
  const ger = gr * er - gi * ei; // g·e
  const gei = gr * ei + gi * er;
  fAndDerivative(gr, gi, FB, 0);
  fAndDerivative(ger, gei, FB, 4);
  const fgr = FB[0];
  const fgi = FB[1];
  const fpgr = FB[2];
  const fpgi = FB[3];
  const fger = FB[4];
  const fgei = FB[5];
  const fpger = FB[6];
  const fpgei = FB[7];
  const hr = fgr - (er * fger - ei * fgei); // h = f(g) − e·f(ge)
  const hi = fgi - (er * fgei + ei * fger);
  const Lr = Gr * hr - Gi * hi; // Λ = G·h
  const Li = Gr * hi + Gi * hr;
  cdiv(ar * t, ai * t, sr, si); // at/s
  const Br = -Z[0] - 2 * Lr; // B = −at/s − 2Λ
  const Bi = -Z[1] - 2 * Li;
  const kt = kappa * theta;
  const Nr = 1 - er; // N = 1 − e
  const Ni = -ei;
  const qr = 1 - ger; // q = 1 − ge
  const qi = -gei;
  const Mr = sr * qr - si * qi; // M = s·q
  const Mi = sr * qi + si * qr;
  cdiv(-(ar * Nr - ai * Ni), -(ar * Ni + ai * Nr), Mr, Mi); // D = −aN/M
  const Dr = Z[0];
  const Di = Z[1];
  let pr = kt * Br + Dr * v0;
  let pi = kt * Bi + Di * v0;
  let jr = 0;
  let ji = 0;
  let kbar1 = 1;
  if (bates) {
    const lambda = x[5];
    const muJ = x[6];
    const sJ = x[7];
    kbar1 = Math.exp(muJ + 0.5 * sJ * sJ);
    const kbar = Math.expm1(muJ + 0.5 * sJ * sJ);
    cexp(iur * muJ - 0.5 * sJ * sJ * u2r, iui * muJ - 0.5 * sJ * sJ * u2i); // E[e^{iuJ}]
    jr = Z[0];
    ji = Z[1];
    pr += lambda * t * (jr - 1 - iur * kbar);
    pi += lambda * t * (ji - iui * kbar);
  }
  PSI[0] = pr;
  PSI[1] = pi;
  if (!grad) return;
  grad[0] = Dr;
  grad[1] = Di;
  const MMr = Mr * Mr - Mi * Mi;
  const MMi = 2 * Mr * Mi;
  // j = 1 κ, 2 θ, 3 σ, 4 ρ: derivatives of β and of σ itself
  for (let j = 1; j <= 4; j++) {
    const dbr = j === 1 ? 1 : j === 3 ? -rho * iur : j === 4 ? -sigma * iur : 0;
    const dbi = j === 3 ? -rho * iui : j === 4 ? -sigma * iui : 0;
    const dSig = j === 3 ? 1 : 0;
    cdiv(br * dbr - bi * dbi + sigma * ar * dSig, br * dbi + bi * dbr + sigma * ai * dSig, dr, di);
    const ddr = Z[0]; // ∂d = (β∂β + σa∂σ)/d
    const ddi = Z[1];
    const dsr = dbr + ddr;
    const dsi = dbi + ddi;
    const der = -t * (er * ddr - ei * ddi); // ∂e = −t·e·∂d
    const dei = -t * (er * ddi + ei * ddr);
    cdiv(Gr * dsr - Gi * dsi, Gr * dsi + Gi * dsr, sr, si);
    const dGr = -2 * Z[0]; // ∂G = −2G∂s/s
    const dGi = -2 * Z[1];
    const dgr = 2 * sigma * Gr * dSig + s2 * dGr; // ∂g = 2σG∂σ + σ²∂G
    const dgi = 2 * sigma * Gi * dSig + s2 * dGi;
    const dger = dgr * er - dgi * ei + gr * der - gi * dei; // ∂(ge)
    const dgei = dgr * ei + dgi * er + gr * dei + gi * der;
    // ∂Λ = ∂G·h + G·(f′(g)∂g − ∂e·f(ge) − e·f′(ge)∂(ge))
    const t3r = fpger * dger - fpgei * dgei;
    const t3i = fpger * dgei + fpgei * dger;
    const inr = fpgr * dgr - fpgi * dgi - (der * fger - dei * fgei) - (er * t3r - ei * t3i);
    const ini = fpgr * dgi + fpgi * dgr - (der * fgei + dei * fger) - (er * t3i + ei * t3r);
    const dLr = dGr * hr - dGi * hi + Gr * inr - Gi * ini;
    const dLi = dGr * hi + dGi * hr + Gr * ini + Gi * inr;
    cdiv(t * (ar * dsr - ai * dsi), t * (ar * dsi + ai * dsr), ssr, ssi);
    const dBr = Z[0] - 2 * dLr; // ∂B = at∂s/s² − 2∂Λ
    const dBi = Z[1] - 2 * dLi;
    let dAr = kt * dBr;
    let dAi = kt * dBi;
    if (j === 1) {
      dAr += theta * Br;
      dAi += theta * Bi;
    } else if (j === 2) {
      dAr += kappa * Br;
      dAi += kappa * Bi;
    }
    // ∂M = ∂s·q − s·∂(ge);  ∂D = a(∂e·M + N·∂M)/M²
    const dMr = dsr * qr - dsi * qi - (sr * dger - si * dgei);
    const dMi = dsr * qi + dsi * qr - (sr * dgei + si * dger);
    const wr = der * Mr - dei * Mi + Nr * dMr - Ni * dMi;
    const wi = der * Mi + dei * Mr + Nr * dMi + Ni * dMr;
    cdiv(ar * wr - ai * wi, ar * wi + ai * wr, MMr, MMi);
    grad[2 * j] = dAr + v0 * Z[0];
    grad[2 * j + 1] = dAi + v0 * Z[1];
  }
  if (bates) {
    const lambda = x[5];
    const sJ = x[7];
    const lt = lambda * t;
    // ∂/∂λ = t(E − 1 − iu k̄);  ∂/∂μ_J = λt·iu(E − e^{μ+σ²/2});  ∂/∂σ_J = −λtσ_J(u²E + iu e^{μ+σ²/2})
    grad[10] = t * (jr - 1 - iur * (kbar1 - 1));
    grad[11] = t * (ji - iui * (kbar1 - 1));
    grad[12] = lt * (iur * (jr - kbar1) - iui * ji);
    grad[13] = lt * (iur * ji + iui * (jr - kbar1));
    grad[14] = -lt * sJ * (u2r * jr - u2i * ji + iur * kbar1);
    grad[15] = -lt * sJ * (u2r * ji + u2i * jr + iui * kbar1);
  }
}

/** ln φ(u) and, optionally, ∂ ln φ/∂params (re, im pairs): exported for tests and calibration. */
export function logCharacteristicFunction(
  model: SvModel,
  x: ArrayLike<number>,
  t: number,
  uRe: number,
  uIm: number,
  grad?: Float64Array,
): { re: number; im: number } {
  logCf(uRe, uIm, t, x, model === "bates", grad);
  return { re: PSI[0], im: PSI[1] };
}

/**
 * Total variance of the Black-76 control variate: E[∫₀ᵗ v ds] = θt + (v₀ − θ)(1 − e^{−κt})/κ,
 * plus the jumps' variance λt(μ_J² + σ_J²).
 */
export function controlVariance(model: SvModel, x: ArrayLike<number>, t: number): number {
  const [v0, kappa, theta] = [x[0], x[1], x[2]];
  let v = theta * t + ((v0 - theta) * -Math.expm1(-kappa * t)) / kappa;
  if (model === "bates") v += x[5] * t * (x[6] * x[6] + x[7] * x[7]);
  return Math.max(v, 1e-300);
}

// ---- Gauss–Legendre nodes on [0, 1], cached by count ----

const glCache = new Map<number, { x: Float64Array; w: Float64Array }>();

/** Gauss–Legendre nodes and weights on [0, 1] (Newton on P_n from Tricomi's initial guesses). */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  const hit = glCache.get(n);
  if (hit) return hit;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const m = (n + 1) >> 1;
  for (let i = 0; i < m; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      pp = (n * (z * p1 - p2)) / (z * z - 1);
      const dz = p1 / pp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    // recompute the derivative at the converged node for the weight
    let p1 = 1;
    let p2 = 0;
    for (let j = 1; j <= n; j++) {
      const p3 = p2;
      p2 = p1;
      p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
    }
    pp = (n * (z * p1 - p2)) / (z * z - 1);
    const wt = 1 / ((1 - z * z) * pp * pp); // 2/((1−z²)P′²) halved for [0, 1]
    x[i] = 0.5 * (1 - z);
    x[n - 1 - i] = 0.5 * (1 + z);
    w[i] = wt;
    w[n - 1 - i] = wt;
  }
  const out = { x, w };
  glCache.set(n, out);
  return out;
}

const PANEL = 512;
const ruleCache = new Map<number, { x: Float64Array; w: Float64Array }>();

/**
 * The n-node quadrature on [0, 1] used by the pricer: Gauss–Legendre for n ≤ 1024; above that,
 * composite Gauss–Legendre with n/512 equal panels of 512 nodes (node generation stays cheap and
 * each panel spans a bounded number of oscillations of e^{iwx}).
 */
export function quadratureRule(n: number): { x: Float64Array; w: Float64Array } {
  if (n <= 1024) return gaussLegendre(n);
  const hit = ruleCache.get(n);
  if (hit) return hit;
  const base = gaussLegendre(PANEL);
  const panels = n / PANEL;
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let p = 0; p < panels; p++) {
    for (let j = 0; j < PANEL; j++) {
      x[p * PANEL + j] = (p + base.x[j]) / panels;
      w[p * PANEL + j] = base.w[j] / panels;
    }
  }
  const out = { x, w };
  ruleCache.set(n, out);
  return out;
}

/** |φ_BS(w − i/2)| = e^{−V̄(w² + ¼)/2}, and φ_BS(w − i/2) is real: a = w² + ¼ there. */
const bsCf = (w: number, vbar: number) => Math.exp(-0.5 * vbar * (w * w + 0.25));

/**
 * Truncation point W of the Lewis integral: the first W (growing geometrically from a start
 * scaled to the control variate's standard deviation, then rounded up to a power of 2^{1/4} so
 * that it is piecewise constant in the parameters) at which W·(|φ| + |φ_BS|)/(W² + ¼) ≤ tol.
 */
export function truncation(model: SvModel, x: ArrayLike<number>, t: number, tol: number): number {
  const vbar = controlVariance(model, x, t);
  const bates = model === "bates";
  let w = Math.max(1, 2 / Math.sqrt(vbar));
  for (let i = 0; i < 400; i++) {
    logCf(w, -0.5, t, x, bates);
    const env = (Math.exp(PSI[0]) + bsCf(w, vbar)) / (w * w + 0.25);
    if (w * env <= tol || !Number.isFinite(PSI[0])) break;
    w *= 1.25;
  }
  return Math.pow(2, Math.ceil(4 * Math.log2(w)) / 4);
}

/**
 * ln E[(F_T/F)^p] for real p, NaN when the moment has exploded by t. Explosion time (L. Andersen
 * & V. Piterbarg, "Moment explosions in stochastic volatility models", Finance Stoch. 11 (2007)
 * Prop. 3.1), with β = κ − ρσp and D = β² − σ²p(p − 1):
 *   D ≥ 0, β > 0: never;   D ≥ 0, β < 0: T* = ln((β + √D)/(β − √D))/√D;
 *   D < 0: T* = (2/√−D)(π·1[β < 0] + arctan(√−D/β)).
 * Only Re ln φ is used, which does not depend on the branch of the complex logarithm.
 */
export function logMoment(model: SvModel, x: ArrayLike<number>, t: number, p: number): number {
  const sigma = x[3];
  const beta = x[1] - x[4] * sigma * p;
  const D = beta * beta - sigma * sigma * p * (p - 1);
  let tStar = Infinity;
  if (D >= 0) {
    const sd = Math.sqrt(D);
    if (beta < 0) tStar = Math.log((beta + sd) / (beta - sd)) / sd;
    else if (beta === 0 && sd === 0) tStar = Infinity;
  } else {
    const g = Math.sqrt(-D);
    tStar = (2 / g) * ((beta < 0 ? Math.PI : 0) + Math.atan(g / beta));
  }
  if (!(t < tStar)) return NaN;
  logCf(0, -p, t, x, model === "bates");
  const v = PSI[0];
  return Number.isFinite(v) ? v : NaN;
}

/**
 * Bounds on the out-of-the-money option value, k = ln(K/F), Chernoff-type:
 *   call (k > 0): (e^X − e^k)⁺ ≤ e^{pX}·e^{−k(p−1)}(p − 1)^{p−1}/p^p, p > 1;
 *   put  (k < 0): (e^k − e^X)⁺ ≤ e^{−qX}·e^{k(1+q)}q^q/(1 + q)^{1+q}, q > 0;
 * times F, minimised over a ladder of moments that do not explode.
 */
function otmBound(model: SvModel, x: ArrayLike<number>, t: number, F: number, K: number): number {
  const k = Math.log(K / F);
  let best = Infinity;
  for (let j = -2; j <= 12; j++) {
    const q = Math.pow(2, j);
    let lb: number;
    if (k >= 0) {
      const p = 1 + q;
      lb = logMoment(model, x, t, p) - k * q + q * Math.log(q) - p * Math.log(p);
    } else {
      lb = logMoment(model, x, t, -q) + k * (1 + q) + q * Math.log(q) - (1 + q) * Math.log(1 + q);
    }
    if (lb < best) best = lb; // NaN (exploded) never wins
  }
  // and (F_T − K)⁺, (K − F_T)⁺ ≤ |F_T − F| on the out-of-the-money side, so by Cauchy–Schwarz
  // the value is at most F·√(E[(F_T/F)²] − 1): tight when the variance is tiny
  const m2 = Math.expm1(logMoment(model, x, t, 2));
  if (m2 >= 0) best = Math.min(best, 0.5 * Math.log(m2));
  return F * Math.exp(best);
}

export interface SvPriceResult {
  /** Undiscounted price, or null with the reason. */
  price: number | null;
  reason?: string;
  /** Estimated absolute error of the price (difference of the last two quadrature levels). */
  errorEstimate?: number;
  /** Gauss–Legendre nodes of the accepted level. */
  nodes?: number;
}

export interface SvPriceOptions {
  /** Tolerance relative to √(FK) for truncation and quadrature (default 1e-12). */
  tol?: number;
  /** Most nodes before giving up (default 2^17). */
  maxNodes?: number;
}

/**
 * Price of a European option under Heston or Bates (see the module comment), with the reason
 * when the inputs are invalid or the quadrature did not converge.
 */
export function svPriceResult(
  model: SvModel,
  params: HestonParams | BatesParams,
  forward: number,
  strike: number,
  t: number,
  type: OptionType,
  opts: SvPriceOptions = {},
): SvPriceResult {
  const bad = checkParams(model, params);
  if (bad) return { price: null, reason: bad };
  if (!(forward > 0 && forward < Infinity)) {
    return { price: null, reason: "invalid input: forward must be a positive finite number" };
  }
  if (!(strike > 0 && strike < Infinity)) {
    return { price: null, reason: "invalid input: strike must be a positive finite number" };
  }
  if (!(t > 0 && t < Infinity)) {
    return { price: null, reason: "invalid input: t must be a positive finite number" };
  }
  if (type !== "call" && type !== "put") {
    return { price: null, reason: 'invalid input: type must be "call" or "put"' };
  }
  const tol = opts.tol ?? 1e-12;
  const maxNodes = opts.maxNodes ?? 131072;
  const x = paramVector(model, params);
  const bates = model === "bates";
  const intrinsic = Math.max(type === "call" ? forward - strike : strike - forward, 0);
  if (x[0] === 0 && x[2] === 0 && !(bates && x[5] > 0)) {
    // no variance now or ever (v = 0 is absorbing when θ = 0), no jumps: F_T = F
    return { price: intrinsic, errorEstimate: 0, nodes: 0 };
  }
  const vbar = controlVariance(model, x, t);
  const sqrtFK = Math.sqrt(forward) * Math.sqrt(strike);
  const lx = Math.log(forward / strike);
  const W = truncation(model, x, t, tol);
  const integrate = (n: number) => {
    const { x: nodes, w } = quadratureRule(n);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const wj = W * nodes[j];
      logCf(wj, -0.5, t, x, bates);
      cexp(PSI[0], PSI[1]);
      const c = Math.cos(wj * lx);
      const sn = Math.sin(wj * lx);
      // Re[e^{iwx}(φ_BS − φ)]
      sum += (w[j] * (c * (bsCf(wj, vbar) - Z[0]) + sn * Z[1])) / (wj * wj + 0.25);
    }
    return (W * sum) / Math.PI;
  };
  // start above two nodes per oscillation of e^{iwx} over [0, W]
  let n = 32;
  while (n < (Math.abs(lx) * W) / Math.PI + 32 && n < 2 * maxNodes) n *= 2;
  let cur = NaN;
  let err = Infinity;
  if (W > 1e6) {
    // a vanishing variance: the domain is huge, try the moment bound before the quadrature
    const bound = otmBound(model, x, t, forward, strike);
    if (bound <= tol * sqrtFK) return { price: intrinsic, errorEstimate: bound, nodes: 0 };
  }
  if (n <= maxNodes / 2) {
    let prev = integrate(n);
    while (n < maxNodes) {
      n *= 2;
      cur = integrate(n);
      err = Math.abs(cur - prev);
      if (err <= tol || !Number.isFinite(cur)) break;
      prev = cur;
    }
  }
  if (!(err <= tol)) {
    // Too many oscillations (a strike many standard deviations out at a tiny variance) or no
    // convergence: if a moment bound shows the out-of-the-money value is below the tolerance,
    // the price is the intrinsic value.
    const bound = otmBound(model, x, t, forward, strike);
    if (bound <= tol * sqrtFK) return { price: intrinsic, errorEstimate: bound, nodes: 0 };
  }
  if (Number.isNaN(cur)) {
    return {
      price: null,
      reason: "strike too many standard deviations away for the quadrature",
    };
  }
  const base = black76Price(forward, strike, t, Math.sqrt(vbar / t), type);
  const raw = base + sqrtFK * cur;
  if (!Number.isFinite(raw)) {
    return { price: null, reason: "non-finite characteristic function" };
  }
  if (!(err <= 1e-7)) {
    return {
      price: null,
      reason: `quadrature did not converge (error estimate ${(err * sqrtFK).toExponential(2)})`,
    };
  }
  // within the quadrature error of the no-arbitrage bounds: clamp onto them
  const upper = type === "call" ? forward : strike;
  const price = Math.min(Math.max(raw, intrinsic), upper);
  return { price, errorEstimate: err * sqrtFK, nodes: n };
}

/** Heston price (undiscounted, on a forward); NaN on invalid inputs or no convergence. */
export function hestonPrice(
  p: HestonParams,
  forward: number,
  strike: number,
  t: number,
  type: OptionType,
  opts?: SvPriceOptions,
): number {
  return svPriceResult("heston", p, forward, strike, t, type, opts).price ?? NaN;
}

/** Bates price (undiscounted, on a forward); NaN on invalid inputs or no convergence. */
export function batesPrice(
  p: BatesParams,
  forward: number,
  strike: number,
  t: number,
  type: OptionType,
  opts?: SvPriceOptions,
): number {
  return svPriceResult("bates", p, forward, strike, t, type, opts).price ?? NaN;
}

/**
 * A fixed quadrature for all options of one maturity (the characteristic function and its
 * gradient do not depend on the strike): Gauss–Legendre with `n` nodes on [0, W].
 * Used by calibration, where the same nodes make the gradient the exact derivative of the price.
 */
export interface MaturityPlan {
  t: number;
  /** Truncation W and node count. */
  W: number;
  n: number;
}

/**
 * Prices and gradients of options of one maturity under a fixed plan. Writes prices into `out`
 * and, when `jac` is given, ∂price/∂params row-major (nParams per option).
 * ∂price/∂p = −(√(FK)/π) ∫ Re[e^{iwx} φ(u) ∂lnφ/∂p(u)]/(w² + ¼) dw (the control variate's own
 * dependence on the parameters cancels).
 */
export function svPricesOfMaturity(
  model: SvModel,
  x: ArrayLike<number>,
  plan: MaturityPlan,
  forward: ArrayLike<number>,
  strike: ArrayLike<number>,
  type: readonly OptionType[],
  out: Float64Array,
  jac?: Float64Array,
): void {
  const bates = model === "bates";
  const np = bates ? 8 : 5;
  const { t, W, n } = plan;
  const { x: nodes, w } = quadratureRule(n);
  const vbar = controlVariance(model, x, t);
  const volCv = Math.sqrt(vbar / t);
  // per node: Δφ = φ_BS − φ, and φ·∂lnφ/∂p
  const dRe = new Float64Array(n);
  const dIm = new Float64Array(n);
  const gRe = jac ? new Float64Array(n * np) : null;
  const gIm = jac ? new Float64Array(n * np) : null;
  const grad = new Float64Array(2 * np);
  for (let j = 0; j < n; j++) {
    const wj = W * nodes[j];
    logCf(wj, -0.5, t, x, bates, jac ? grad : undefined);
    cexp(PSI[0], PSI[1]);
    const phr = Z[0];
    const phi = Z[1];
    dRe[j] = bsCf(wj, vbar) - phr;
    dIm[j] = -phi;
    if (gRe && gIm) {
      for (let k = 0; k < np; k++) {
        const gr = grad[2 * k];
        const gi = grad[2 * k + 1];
        gRe[j * np + k] = phr * gr - phi * gi;
        gIm[j * np + k] = phr * gi + phi * gr;
      }
    }
  }
  const acc = new Float64Array(np);
  for (let i = 0; i < strike.length; i++) {
    const F = forward[i];
    const K = strike[i];
    const lx = Math.log(F / K);
    const sqrtFK = Math.sqrt(F) * Math.sqrt(K);
    let sum = 0;
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const wj = W * nodes[j];
      const c = Math.cos(wj * lx);
      const sn = Math.sin(wj * lx);
      const wt = w[j] / (wj * wj + 0.25);
      sum += wt * (c * dRe[j] - sn * dIm[j]);
      if (gRe && gIm) {
        for (let k = 0; k < np; k++) {
          acc[k] += wt * (c * gRe[j * np + k] - sn * gIm[j * np + k]);
        }
      }
    }
    out[i] = black76Price(F, K, t, volCv, type[i]) + (sqrtFK * W * sum) / Math.PI;
    if (jac) for (let k = 0; k < np; k++) jac[i * np + k] = (-sqrtFK * W * acc[k]) / Math.PI;
  }
}

/**
 * The plan the adaptive pricer would settle on for the given options of one maturity (the largest
 * node count over them), used as the fixed plan of a calibration.
 */
export function planFor(
  model: SvModel,
  x: ArrayLike<number>,
  t: number,
  forward: ArrayLike<number>,
  strike: ArrayLike<number>,
  tol = 1e-12,
): MaturityPlan {
  const W = truncation(model, x, t, tol);
  // the node count grows with |ln(F/K)| (oscillation of e^{iwx}): the nearest and the farthest
  // strikes decide it
  let near = 0;
  let far = 0;
  const lx = (i: number) => Math.abs(Math.log(forward[i] / strike[i]));
  for (let i = 1; i < strike.length; i++) {
    if (lx(i) < lx(near)) near = i;
    if (lx(i) > lx(far)) far = i;
  }
  let n = 32;
  const p = paramsOf(model, x);
  for (const i of near === far ? [near] : [near, far]) {
    const r = svPriceResult(model, p, forward[i], strike[i], t, "call", { tol });
    // the level before the accepted one already agreed with it to the tolerance
    if (r.nodes && r.nodes / 2 > n) n = r.nodes / 2;
  }
  return { t, W, n };
}
