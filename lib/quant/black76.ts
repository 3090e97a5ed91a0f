/**
 * Black-76 option prices on a forward, evaluated to (close to) full double precision everywhere,
 * including deep out of the money where prices like 9e-27 must come out exact to the last digits.
 *
 * The price is computed as intrinsic + √(FK)·b(x, s), with x = ln(F/K), s = σ√T and b the
 * normalised out-of-the-money Black call function
 *     b(x, s) = Φ(h + t)·e^{x/2} − Φ(h − t)·e^{−x/2},   h = x/s, t = s/2, x ≤ 0,
 * evaluated in one of four regions as in P. Jäckel, "Let's Be Rational", Wilmott (2015) 40-53:
 *   1. h < −10 and h + t < −10 + τ: asymptotic expansion of Y(h+t) − Y(h−t), Y = Φ/φ
 *      (Abramowitz & Stegun 26.2.12);
 *   2. t < τ: Taylor expansion of Y(h+t) − Y(h−t) in t around h (Y' = 1 + hY);
 *   3. h + t > 0.85: the Black formula itself with Φ from Cody's erfc;
 *   4. otherwise: ½·e^{−(h²+t²)/2}·[erfcx(−(h+t)/√2) − erfcx(−(h−t)/√2)] (Cody's erfcx).
 * τ = 2·ε^{1/16} ≈ 0.2107. The same x, √F·√K and b are used by the implied-vol inversion, so
 * pricing and inversion are exactly consistent.
 */
import { erf, erfcx, erfcxRemainder, ONE_OVER_SQRT_TWO_PI } from "./normal";

export type OptionType = "call" | "put";

const EPS = 2.220446049250313e-16; // 2^-52
const TAU = 2 * Math.pow(EPS, 1 / 16); // small-t threshold, ≈ 0.2107
const ETA = -10; // asymptotic-expansion threshold in h
const SQRT_HALF_PI = 1.2533141373155003; // √(π/2)
const ONE_OVER_SQRT_TWO = 0.7071067811865476;
const SPLITTER = 134217729; // 2^27 + 1 (Veltkamp)
const INV_FACT3 = 1 / 6;
const INV_FACT5 = 1 / 120;
const INV_FACT7 = 1 / 5040;
const INV_FACT9 = 1 / 362880;
const INV_FACT11 = 1 / 39916800;
const INV_FACT13 = 1 / 6227020800;

/**
 * ln(F/K) accurate to about 1 ulp of the result: the rounding error of the quotient q = F/K is
 * recovered exactly (Dekker's two-product) and added as a first-order correction.
 */
export function logMoneyness(forward: number, strike: number): number {
  const q = forward / strike;
  const x = Math.log(q);
  if (!(Math.abs(q) < 1e290 && Math.abs(strike) < 1e290 && q > 1e-290 && strike > 1e-290)) {
    return x;
  }
  const p = q * strike;
  let c = SPLITTER * q;
  const qh = c - (c - q);
  const ql = q - qh;
  c = SPLITTER * strike;
  const kh = c - (c - strike);
  const kl = strike - kh;
  const err = qh * kh - p + qh * kl + ql * kh + ql * kl; // q·K = p + err exactly
  return x + (forward - p - err) / forward;
}

/** Y(h+t) − Y(h−t) by the asymptotic series of Y(z) = Φ(z)/φ(z) for z → −∞ (h < −10). */
function asymptoticExpansion(h: number, t: number): number {
  // Y(z) ~ −Σ (−1)^n (2n−1)!! z^{−(2n+1)}. With a = 1/(h+t), c = 1/(h−t), m = 2n+1:
  // Y(h+t) − Y(h−t) = Σ (−1)^n (2n−1)!! (c^m − a^m) = (c − a)·Σ (−1)^n (2n−1)!!·T_m,
  // T_m = Σ_{k<m} c^k a^{m−1−k} > 0 (no cancellation), T_1 = 1, T_{m+2} = a²T_m + c^m (a + c).
  const u = h + t;
  const v = h - t;
  const a = 1 / u;
  const c = 1 / v;
  const a2 = a * a;
  const c2 = c * c;
  const apc = a + c;
  let tm = 1;
  let cm = c;
  let dfact = 1; // (2n−1)!!
  let sum = 1;
  let lastAbs = Infinity;
  for (let n = 1; n < 40; n++) {
    tm = a2 * tm + cm * apc;
    cm *= c2;
    dfact *= 2 * n - 1;
    const term = dfact * tm;
    if (!(term < lastAbs)) break; // the asymptotic series started to diverge
    lastAbs = term;
    sum += n & 1 ? -term : term;
    if (term < EPS * 0.25 * sum) break;
  }
  return ((2 * t) / (u * v)) * sum;
}

/** Y(h+t) − Y(h−t) by its Taylor series in t (to t^13), for t < τ and h ≤ 0. */
function smallTExpansion(h: number, t: number): number {
  // Y^(n) from Y' = 1 + hY: Y^(n+1) = h·Y^(n) + n·Y^(n−1).  b ∝ 2·Σ_{k odd} Y^(k) t^k / k!.
  const y0 = SQRT_HALF_PI * erfcx(-ONE_OVER_SQRT_TWO * h);
  const y1 = 1 + h * y0;
  const y2 = h * y1 + y0;
  const y3 = h * y2 + 2 * y1;
  const y4 = h * y3 + 3 * y2;
  const y5 = h * y4 + 4 * y3;
  const y6 = h * y5 + 5 * y4;
  const y7 = h * y6 + 6 * y5;
  const y8 = h * y7 + 7 * y6;
  const y9 = h * y8 + 8 * y7;
  const y10 = h * y9 + 9 * y8;
  const y11 = h * y10 + 10 * y9;
  const y12 = h * y11 + 11 * y10;
  const y13 = h * y12 + 12 * y11;
  const w = t * t;
  const series =
    y1 +
    w *
      (y3 * INV_FACT3 +
        w *
          (y5 * INV_FACT5 +
            w *
              (y7 * INV_FACT7 +
                w * (y9 * INV_FACT9 + w * (y11 * INV_FACT11 + w * y13 * INV_FACT13)))));
  return 2 * t * series;
}

/** Error of the floating-point product a·b (Dekker's two-product with Veltkamp splitting). */
function productError(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * e^{−(h²+t²)/2} for h = x/s, t = s/2, to about one ulp: the exponent is large in the wings and
 * the rounding errors of x/s and of the squares would otherwise be amplified by it (an exponent
 * of 50 turns ½ ulp into 50 ulps), so they are carried along exactly (Dekker products).
 */
function gaussFactor(x: number, s: number, h: number, t: number): number {
  const q = h * h + t * t;
  if (!(q >= 4 && q < 1500)) return Math.exp(-0.5 * q);
  const hs = h * s;
  const hl = (x - hs - productError(h, s, hs)) / s; // x/s = h + hl
  const p1 = h * h;
  const p2 = t * t;
  const sum = p1 + p2;
  const bb = sum - p1;
  const sumErr = p1 - (sum - bb) + (p2 - bb); // two-sum
  const lo = productError(h, h, p1) + productError(t, t, p2) + sumErr + 2 * h * hl;
  return Math.exp(-0.5 * sum) * (1 - 0.5 * lo);
}

/**
 * Normalised out-of-the-money Black call b(x, s) for x ≤ 0 (the price of a call struck at or above
 * the forward, divided by √(FK)), in [0, e^{x/2}), and its vega ∂b/∂s = e^{−(h²+t²)/2}/√(2π),
 * written to out[0] and out[1] (no allocation; the two share their exponential).
 */
export function normalisedBlackAndVega(x: number, s: number, out: Float64Array): void {
  if (!(s > 0)) {
    out[0] = 0;
    out[1] = x === 0 ? ONE_OVER_SQRT_TWO_PI : 0;
    return;
  }
  if (s === Infinity) {
    out[0] = Math.exp(0.5 * x);
    out[1] = 0;
    return;
  }
  const h = x / s;
  const t = 0.5 * s;
  const vega = ONE_OVER_SQRT_TWO_PI * gaussFactor(x, s, h, t);
  out[1] = vega;
  let b: number;
  if (h < ETA && h + t < ETA + TAU) b = vega * asymptoticExpansion(h, t);
  else if (h + t < -5.65685424949238 && t * h < -0.05) {
    // both −(h±t)/√2 ≥ 4: with Cody's erfcx(y) = (1/√π − r(y))/y, Y(z) = √(π/2)·erfcx(−z/√2),
    // Y(h+t) − Y(h−t) = 2t/(h² − t²) − √(π/2)·(r(y₁)/y₁ − r(y₂)/y₂), y₁,₂ = −(h±t)/√2; the
    // cancelling part is the small second term only (better than the Taylor series unless t·|h|
    // is tiny, where the cancellation of that term, ~1/(2t|h|), would dominate)
    const y1 = -ONE_OVER_SQRT_TWO * (h + t);
    const y2 = -ONE_OVER_SQRT_TWO * (h - t);
    const d =
      (2 * t) / ((h + t) * (h - t)) -
      SQRT_HALF_PI * (erfcxRemainder(y1) / y1 - erfcxRemainder(y2) / y2);
    b = vega * d;
  } else if (t < TAU) b = vega * smallTExpansion(h, t);
  else if (h + t > 0.85) {
    // b_max − b = e^{x/2}Φ(−h−t) + e^{−x/2}Φ(h−t) = ½e^{−(h²+t²)/2}·[erfcx((h+t)/√2) + erfcx((t−h)/√2)]
    // (both arguments positive), and b is at least about 60 % of b_max here
    b =
      Math.exp(0.5 * x) -
      vega *
        SQRT_HALF_PI *
        (erfcx(ONE_OVER_SQRT_TWO * (h + t)) + erfcx(ONE_OVER_SQRT_TWO * (t - h)));
  } else if (h + t > 0 && x > -0.375) {
    // near the money: b = sinh(x/2) + ½·[e^{x/2}·erf((h+t)/√2) + e^{−x/2}·erf((t−h)/√2)],
    // all terms but the small sinh positive, so (unlike the erfcx form) no cancellation
    const ex = Math.exp(0.5 * x);
    b =
      0.5 * (ex - 1 / ex) +
      0.5 * (ex * erf(ONE_OVER_SQRT_TWO * (h + t)) + erf(ONE_OVER_SQRT_TWO * (t - h)) / ex);
  } else {
    b =
      vega *
      SQRT_HALF_PI *
      (erfcx(-ONE_OVER_SQRT_TWO * (h + t)) - erfcx(-ONE_OVER_SQRT_TWO * (h - t)));
  }
  out[0] = b > 0 ? b : 0;
}

const scratch = new Float64Array(2);

/** Normalised out-of-the-money Black call b(x, s), x ≤ 0 (see normalisedBlackAndVega). */
export function normalisedBlackOtm(x: number, s: number): number {
  normalisedBlackAndVega(x, s, scratch);
  return scratch[0];
}

/** ∂b/∂s = e^{−(h²+t²)/2}/√(2π), h = x/s, t = s/2 (the same for calls and puts, and for ±x). */
export function normalisedVega(x: number, s: number): number {
  if (x === 0) return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.125 * s * s);
  if (!(s > 0)) return 0;
  const h = x / s;
  return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + 0.25 * s * s));
}

function validInputs(forward: number, strike: number, t: number, vol: number): boolean {
  return (
    forward > 0 &&
    strike > 0 &&
    t >= 0 &&
    vol >= 0 &&
    forward < Infinity &&
    strike < Infinity &&
    t < Infinity
  );
}

/**
 * Black-76 price of a European option on a forward: discount·(F·N(d1) − K·N(d2)) for a call,
 * discount·(K·N(−d2) − F·N(−d1)) for a put, d1,2 = ln(F/K)/(σ√T) ± σ√T/2. With discount = 1
 * (the default) this is the undiscounted price. NaN on invalid inputs (F, K ≤ 0, T < 0, σ < 0).
 */
export function black76Price(
  forward: number,
  strike: number,
  t: number,
  vol: number,
  type: OptionType,
  discount = 1,
): number {
  if (!validInputs(forward, strike, t, vol)) return NaN;
  const isCall = type === "call";
  const intrinsic = isCall ? forward - strike : strike - forward;
  const s = vol * Math.sqrt(t);
  let x = logMoneyness(forward, strike);
  // out-of-the-money part: a call with x ≤ 0 (put ↔ call with −x by put-call symmetry)
  if (!isCall) x = -x;
  const otm = Math.sqrt(forward) * Math.sqrt(strike) * normalisedBlackOtm(-Math.abs(x), s);
  const price = intrinsic > 0 ? intrinsic + otm : otm;
  return discount * price;
}

/** Black-76 vega ∂price/∂σ = discount·√(FK)·√T·e^{−(h²+t²)/2}/√(2π) (= discount·F·φ(d1)·√T). */
export function black76Vega(
  forward: number,
  strike: number,
  t: number,
  vol: number,
  type: OptionType = "call",
  discount = 1,
): number {
  if (!validInputs(forward, strike, t, vol) || (type !== "call" && type !== "put")) return NaN;
  const sqrtT = Math.sqrt(t);
  const x = logMoneyness(forward, strike);
  return discount * Math.sqrt(forward) * Math.sqrt(strike) * sqrtT * normalisedVega(x, vol * sqrtT);
}

/**
 * Deribit BTC/ETH options are inverse (quoted and settled in coin): their USD value under the
 * USD-forward Black-76 model (rate 0) is the coin price times the forward.
 */
export function coinToUsdForward(coinPrice: number, forward: number): number {
  return coinPrice * forward;
}
