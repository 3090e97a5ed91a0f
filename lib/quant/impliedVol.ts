/**
 * Black-76 implied volatility to (close to) machine precision: a TypeScript implementation of
 * P. Jäckel, "Let's Be Rational", Wilmott (2015) 40-53 (the version with a rational-cubic
 * initial guess over four branches and at most two Householder(3) iterations).
 *
 * Outline (everything in normalised variables x = ln(F/K), s = σ√T, β = price/√(FK)):
 *  - in-the-money prices are turned into out-of-the-money ones by subtracting the intrinsic
 *    value, and puts into calls by x → −x, so that we always invert a call with x ≤ 0 whose
 *    normalised price lies in (0, b_max), b_max = e^{x/2};
 *  - the inflexion point s_c = √(2|x|) and its tangent's intersections with b = 0 (s_l) and
 *    b = b_max (s_h) split the price axis into four branches. The two middle ones interpolate
 *    s(β) directly by a shape-preserving rational cubic (Delbourgo & Gregory 1985); the lowest
 *    and highest interpolate transformed functions f(β) whose inverse maps are explicit
 *    (f_lower = 2π|x|/√27·Φ(−|x|/(√3 s))³, f_upper = Φ(−s/2));
 *  - the guess is polished by Householder's third-order method on an objective chosen per
 *    branch (1/ln b − 1/ln β in the lowest, b − β in the middle, ln(b_max − β) − ln(b_max − b) in
 *    the highest), which converges in two iterations to the attainable precision
 *    ε·β/(s·∂b/∂s) in relative terms.
 *
 * The hot path allocates nothing.
 */
import { logMoneyness, normalisedBlackAndVega, type OptionType } from "./black76";
import { erfcx, normCdf, normInvAS241, normPdf, ONE_OVER_SQRT_TWO_PI } from "./normal";

const DBL_EPSILON = 2.220446049250313e-16;
const DBL_MIN = 2.2250738585072014e-308;
const DBL_MAX = Number.MAX_VALUE;
const SQRT_DBL_MAX = 1.3407807929942596e154;
const MAX_ITERATIONS = 2;
const SQRT_THREE = 1.7320508075688772;
const SQRT_ONE_OVER_THREE = 0.5773502691896257;
const TWO_PI_OVER_SQRT_TWENTY_SEVEN = 1.2091995761561452;
const TWO_PI = 6.283185307179586;
const PI_OVER_SIX = 0.5235987755982988;
const SQRT_PI_OVER_TWO = 1.2533141373155003;
const ONE_OVER_SQRT_TWO = 0.7071067811865476;
const R_MIN = -(1 - Math.sqrt(DBL_EPSILON)); // rational cubic control parameter bounds
const R_MAX = 2 / (DBL_EPSILON * DBL_EPSILON);

// ---- shape-preserving rational cubic interpolation (Delbourgo & Gregory 1985) ----

function rationalCubic(
  x: number,
  xl: number,
  xr: number,
  yl: number,
  yr: number,
  dl: number,
  dr: number,
  r: number,
): number {
  const h = xr - xl;
  if (Math.abs(h) <= 0) return 0.5 * (yl + yr);
  const t = (x - xl) / h;
  if (!(r >= R_MAX)) {
    const omt = 1 - t;
    const t2 = t * t;
    const omt2 = omt * omt;
    return (
      (yr * t2 * t +
        (r * yr - h * dr) * t2 * omt +
        (r * yl + h * dl) * t * omt2 +
        yl * omt2 * omt) /
      (1 + (r - 3) * t * omt)
    );
  }
  return yr * t + yl * (1 - t); // linear limit
}

function minimumControlParameter(dl: number, dr: number, s: number, preferShape: boolean): number {
  const monotonic = dl * s >= 0 && dr * s >= 0;
  const convex = dl <= s && s <= dr;
  const concave = dl >= s && s >= dr;
  if (!monotonic && !convex && !concave) return R_MIN;
  let r1 = -DBL_MAX;
  let r2 = -DBL_MAX;
  if (monotonic) {
    if (Math.abs(s) >= DBL_MIN)
      r1 = (dr + dl) / s; // monotonicity, D&G (3.8)
    else if (preferShape) r1 = R_MAX;
  }
  if (convex || concave) {
    const sl = s - dl;
    const rs = dr - s;
    if (Math.abs(sl) >= DBL_MIN && Math.abs(rs) >= DBL_MIN) {
      r2 = Math.max(Math.abs((dr - dl) / rs), Math.abs((dr - dl) / sl)); // convexity, D&G (3.18)
    } else if (preferShape) r2 = R_MAX;
  } else if (monotonic && preferShape) r2 = R_MAX;
  return Math.max(R_MIN, r1, r2);
}

/** Control parameter matching the second derivative at the left end, but at least shape-preserving. */
function controlLeft(
  xl: number,
  xr: number,
  yl: number,
  yr: number,
  dl: number,
  dr: number,
  d2l: number,
  preferShape: boolean,
): number {
  const h = xr - xl;
  const num = 0.5 * h * d2l + (dr - dl);
  let r: number;
  if (Math.abs(num) < DBL_MIN) r = 0;
  else {
    const den = (yr - yl) / h - dl;
    if (Math.abs(den) < DBL_MIN) r = num > 0 ? R_MAX : R_MIN;
    else r = num / den;
  }
  return Math.max(r, minimumControlParameter(dl, dr, (yr - yl) / h, preferShape));
}

/** As controlLeft, matching the second derivative at the right end. */
function controlRight(
  xl: number,
  xr: number,
  yl: number,
  yr: number,
  dl: number,
  dr: number,
  d2r: number,
  preferShape: boolean,
): number {
  const h = xr - xl;
  const num = 0.5 * h * d2r + (dr - dl);
  let r: number;
  if (Math.abs(num) < DBL_MIN) r = 0;
  else {
    const den = dr - (yr - yl) / h;
    if (Math.abs(den) < DBL_MIN) r = num > 0 ? R_MAX : R_MIN;
    else r = num / den;
  }
  return Math.max(r, minimumControlParameter(dl, dr, (yr - yl) / h, preferShape));
}

// ---- transformation maps of the outer branches (results in module scratch: no allocation) ----

// f, df/dβ, d²f/dβ² of the last map evaluated (a typed array: no boxed doubles)
const map = new Float64Array(3);
// b and ∂b/∂s of the last normalised Black evaluation
const bv = new Float64Array(2);

/** f_lower(s) = 2π|x|/√27·Φ(−z)³, z = |x|/(√3 s), with df/dβ and d²f/dβ² (x < 0). */
function lowerMap(x: number, s: number): void {
  const ax = Math.abs(x);
  const z = (SQRT_ONE_OVER_THREE * ax) / s;
  const y = z * z;
  const s2 = s * s;
  const phi = normPdf(z);
  const Y = SQRT_PI_OVER_TWO * erfcx(ONE_OVER_SQRT_TWO * z); // Φ(−z)/φ(z)
  const Phi = phi * Y;
  const e = Math.exp(y + 0.125 * s2);
  map[2] =
    ((PI_OVER_SIX * y) / (s2 * s)) *
    Phi *
    (8 * SQRT_THREE * s * ax + (3 * s2 * (s2 - 8) - 8 * x * x) * Y) *
    (e * e);
  const Phi2 = Phi * Phi;
  map[1] = TWO_PI * y * Phi2 * e;
  map[0] = TWO_PI_OVER_SQRT_TWENTY_SEVEN * ax * (Phi2 * Phi);
}

function inverseLowerMap(x: number, f: number): number {
  if (f <= 0) return 0;
  const ax = Math.abs(x);
  return Math.abs(
    x / (SQRT_THREE * normInvAS241(Math.cbrt(f / (TWO_PI_OVER_SQRT_TWENTY_SEVEN * ax)))),
  );
}

/** f_upper(s) = Φ(−s/2), with df/dβ and d²f/dβ². */
function upperMap(x: number, s: number): void {
  map[0] = normCdf(-0.5 * s);
  if (x === 0) {
    map[1] = -0.5;
    map[2] = 0;
  } else {
    const w = (x / s) * (x / s);
    map[1] = -0.5 * Math.exp(0.5 * w);
    map[2] = (SQRT_PI_OVER_TWO * Math.exp(w + 0.125 * s * s) * w) / s;
  }
}

function householderFactor(newton: number, halley: number, hh3: number): number {
  return (1 + 0.5 * halley * newton) / (1 + newton * (halley + (hh3 * newton) / 6));
}

/**
 * Normalised implied volatility s = σ√T of an out-of-the-money call: x ≤ 0, 0 < β < e^{x/2}.
 * (Callers check the bounds.)
 */
export function normalisedImpliedVolOtm(beta: number, x: number): number {
  return otmVol(beta, x, Math.exp(0.5 * x));
}

function otmVol(beta: number, x: number, bMax: number): number {
  let iterations = 0;
  let directionReversals = 0;
  let f = -DBL_MAX;
  let s = -DBL_MAX;
  let ds = s;
  let dsPrevious = 0;
  let sLeft = DBL_MIN;
  let sRight = DBL_MAX;
  const sC = Math.sqrt(Math.abs(2 * x));
  let bC: number;
  let vC: number;
  if (x < -0.25) {
    // At the inflexion point s_c = √(2|x|): h = −t, so b_c = ½e^{x/2}·(1 − erfcx(√|x|)) and
    // ∂b/∂s = e^{x/2}/√(2π) (one erfcx instead of a full evaluation).
    bC = 0.5 * bMax * (1 - erfcx(Math.sqrt(-x)));
    vC = ONE_OVER_SQRT_TWO_PI * bMax;
  } else {
    normalisedBlackAndVega(x, sC, bv);
    bC = bv[0];
    vC = bv[1];
  }
  if (beta < bC) {
    const sL = sC - bC / vC;
    normalisedBlackAndVega(x, sL, bv);
    const bL = bv[0];
    const vL = bv[1];
    if (beta < bL) {
      // Lowest branch: interpolate f_lower(β) on [0, b_l] with f(0) = 0, f'(0) = 1.
      lowerMap(x, sL);
      const fL = map[0];
      const fpL = map[1];
      const rLL = controlRight(0, bL, 0, fL, 1, fpL, map[2], true);
      f = rationalCubic(beta, 0, bL, 0, fL, 1, fpL, rLL);
      if (!(f > 0)) {
        // round-off for extreme |x|: quadratic through f(0) = 0, f'(0) = 1 and f(b_l)
        const q = beta / bL;
        f = (fL * q + bL * (1 - q)) * q;
      }
      s = inverseLowerMap(x, f);
      sRight = sL;
      // Objective g(s) = 1/ln b(s) − 1/ln β.
      const lnBeta = Math.log(beta);
      while (iterations < MAX_ITERATIONS && Math.abs(ds) > DBL_EPSILON * s) {
        if (ds * dsPrevious < 0) directionReversals++;
        if (iterations > 0 && (directionReversals === 3 || !(s > sLeft && s < sRight))) {
          s = 0.5 * (sLeft + sRight); // bisection safeguard (extreme |x| only)
          if (sRight - sLeft <= DBL_EPSILON * s) break;
          directionReversals = 0;
          ds = 0;
        }
        dsPrevious = ds;
        normalisedBlackAndVega(x, s, bv);
        const b = bv[0];
        const bp = bv[1];
        if (b > beta && s < sRight) sRight = s;
        else if (b < beta && s > sLeft) sLeft = s;
        if (b <= 0 || bp <= 0) {
          ds = 0.5 * (sLeft + sRight) - s;
        } else {
          const lnB = Math.log(b);
          const bpob = bp / b;
          const h = x / s;
          const bHalley = (h * h) / s - s / 4;
          const newton = ((lnBeta - lnB) * lnB) / lnBeta / bpob;
          const halley = bHalley - bpob * (1 + 2 / lnB);
          const bHh3 = bHalley * bHalley - 3 * (h / s) * (h / s) - 0.25;
          const hh3 =
            bHh3 +
            2 * bpob * bpob * (1 + (3 / lnB) * (1 + 1 / lnB)) -
            3 * bHalley * bpob * (1 + 2 / lnB);
          ds = newton * householderFactor(newton, halley, hh3);
        }
        ds = Math.max(-0.5 * s, ds);
        s += ds;
        iterations++;
      }
      return s;
    }
    // Lower middle branch: s(β) on [b_l, b_c], ds/dβ = 1/vega, zero second derivative at b_c.
    const rLM = controlRight(bL, bC, sL, sC, 1 / vL, 1 / vC, 0, false);
    s = rationalCubic(beta, bL, bC, sL, sC, 1 / vL, 1 / vC, rLM);
    sLeft = sL;
    sRight = sC;
  } else {
    const sH = vC > DBL_MIN ? sC + (bMax - bC) / vC : sC;
    normalisedBlackAndVega(x, sH, bv);
    const bH = bv[0];
    const vH = bv[1];
    if (beta <= bH) {
      // Upper middle branch on [b_c, b_h], zero second derivative at b_c.
      const rHM = controlLeft(bC, bH, sC, sH, 1 / vC, 1 / vH, 0, false);
      s = rationalCubic(beta, bC, bH, sC, sH, 1 / vC, 1 / vH, rHM);
      sLeft = sC;
      sRight = sH;
    } else {
      // Highest branch: interpolate f_upper(β) on [b_h, b_max] with f(b_max) = 0, f' = −1/2.
      upperMap(x, sH);
      const fH = map[0];
      const fpH = map[1];
      const fppH = map[2];
      if (fppH > -SQRT_DBL_MAX && fppH < SQRT_DBL_MAX) {
        const rHH = controlLeft(bH, bMax, fH, 0, fpH, -0.5, fppH, true);
        f = rationalCubic(beta, bH, bMax, fH, 0, fpH, -0.5, rHH);
      }
      if (f <= 0) {
        const hh = bMax - bH;
        const q = (beta - bH) / hh;
        f = (fH * (1 - q) + 0.5 * hh * q) * (1 - q); // quadratic fallback
      }
      s = -2 * normInvAS241(f);
      sLeft = sH;
      if (beta > 0.5 * bMax) {
        // Objective g(s) = ln(b_max − β) − ln(b_max − b(s)).
        const bMaxMinusBeta = bMax - beta;
        while (iterations < MAX_ITERATIONS && Math.abs(ds) > DBL_EPSILON * s) {
          if (ds * dsPrevious < 0) directionReversals++;
          if (iterations > 0 && (directionReversals === 3 || !(s > sLeft && s < sRight))) {
            s = 0.5 * (sLeft + sRight);
            if (sRight - sLeft <= DBL_EPSILON * s) break;
            directionReversals = 0;
            ds = 0;
          }
          dsPrevious = ds;
          normalisedBlackAndVega(x, s, bv);
          const b = bv[0];
          const bp = bv[1];
          if (b > beta && s < sRight) sRight = s;
          else if (b < beta && s > sLeft) sLeft = s;
          if (b >= bMax || bp <= DBL_MIN) {
            ds = 0.5 * (sLeft + sRight) - s;
          } else {
            const bMaxMinusB = bMax - b;
            const g = Math.log(bMaxMinusBeta / bMaxMinusB);
            const gp = bp / bMaxMinusB;
            const xs = x / s;
            const bHalley = (xs * xs) / s - s / 4;
            const bHh3 = bHalley * bHalley - 3 * (xs / s) * (xs / s) - 0.25;
            const newton = -g / gp;
            const halley = bHalley + gp;
            const hh3 = bHh3 + gp * (2 * gp + 3 * bHalley);
            ds = newton * householderFactor(newton, halley, hh3);
          }
          ds = Math.max(-0.5 * s, ds);
          s += ds;
          iterations++;
        }
        return s;
      }
    }
  }
  // Middle branches (and the highest one for β ≤ b_max/2): objective g(s) = b(s) − β.
  while (iterations < MAX_ITERATIONS && Math.abs(ds) > DBL_EPSILON * s) {
    if (ds * dsPrevious < 0) directionReversals++;
    if (iterations > 0 && (directionReversals === 3 || !(s > sLeft && s < sRight))) {
      s = 0.5 * (sLeft + sRight);
      if (sRight - sLeft <= DBL_EPSILON * s) break;
      directionReversals = 0;
      ds = 0;
    }
    dsPrevious = ds;
    normalisedBlackAndVega(x, s, bv);
    const b = bv[0];
    const bp = bv[1];
    if (b > beta && s < sRight) sRight = s;
    else if (b < beta && s > sLeft) sLeft = s;
    const newton = (beta - b) / bp;
    const xs = x / s;
    const halley = (xs * xs) / s - s / 4;
    const hh3 = halley * halley - 3 * (xs / s) * (xs / s) - 0.25;
    ds = Math.max(-0.5 * s, newton * householderFactor(newton, halley, hh3));
    s += ds;
    iterations++;
  }
  return s;
}

// Outcome codes of the input checks (numbers, so the hot path allocates nothing).
const OK = 0;
const BAD_PRICE = 1;
const BAD_FORWARD = 2;
const BAD_STRIKE = 3;
const BAD_TIME = 4;
const NON_POSITIVE_TIME = 5;
const BELOW_INTRINSIC = 6;
const AT_INTRINSIC = 7;
const AT_OR_ABOVE_BOUND = 8;
const UNDERFLOW = 9;
const BAD_TYPE = 10;

let lastCode = OK;

function solve(
  price: number,
  forward: number,
  strike: number,
  t: number,
  type: OptionType,
): number {
  if (!Number.isFinite(price)) return fail(BAD_PRICE);
  if (!(forward > 0 && forward < Infinity)) return fail(BAD_FORWARD);
  if (!(strike > 0 && strike < Infinity)) return fail(BAD_STRIKE);
  if (!(t === t && t < Infinity)) return fail(BAD_TIME);
  if (!(t > 0)) return fail(NON_POSITIVE_TIME);
  let isCall: boolean;
  if (type === "call") isCall = true;
  else if (type === "put") isCall = false;
  else return fail(BAD_TYPE);
  const upper = isCall ? forward : strike;
  if (price >= upper) return fail(AT_OR_ABOVE_BOUND);
  const intrinsic = isCall ? forward - strike : strike - forward;
  let timeValue = price;
  if (intrinsic > 0) {
    if (price < intrinsic) return fail(BELOW_INTRINSIC);
    timeValue = price - intrinsic; // the out-of-the-money option of the other type
  } else if (price < 0) return fail(BELOW_INTRINSIC);
  if (timeValue === 0) return fail(AT_INTRINSIC);
  let x = logMoneyness(forward, strike);
  if (x > 0) x = -x; // OTM call with x ≤ 0 (put ↔ call by x → −x)
  const beta = timeValue / (Math.sqrt(forward) * Math.sqrt(strike));
  if (!(beta >= DBL_MIN)) return fail(UNDERFLOW);
  const bMax = Math.exp(0.5 * x);
  if (beta >= bMax) return fail(AT_OR_ABOVE_BOUND);
  lastCode = OK;
  return otmVol(beta, x, bMax) / Math.sqrt(t);
}

function fail(code: number): number {
  lastCode = code;
  return NaN;
}

/**
 * Implied Black-76 volatility of an undiscounted option price. NaN when there is none: the price
 * is not finite, below intrinsic value, at intrinsic value (no time value left in double
 * arithmetic), at or above the upper bound (F for a call, K for a put), or its time value
 * underflows; or the inputs are invalid (t ≤ 0, forward or strike ≤ 0 or not finite).
 */
export function impliedVol(
  price: number,
  forward: number,
  strike: number,
  t: number,
  type: OptionType,
): number {
  return solve(price, forward, strike, t, type);
}

const REASONS: Record<number, string> = {
  [BAD_PRICE]: "invalid input: price must be a finite number",
  [BAD_FORWARD]: "invalid input: forward must be a positive finite number",
  [BAD_STRIKE]: "invalid input: strike must be a positive finite number",
  [BAD_TIME]: "invalid input: t must be a finite number",
  [NON_POSITIVE_TIME]: "non-positive time to expiry",
  [BELOW_INTRINSIC]: "price below intrinsic value",
  [AT_INTRINSIC]: "price equals intrinsic value (no time value)",
  [AT_OR_ABOVE_BOUND]: "price at or above the upper bound",
  [UNDERFLOW]: "time value too small to invert (underflows double precision)",
  [BAD_TYPE]: 'invalid input: type must be "call" or "put"',
};

/** impliedVol with the reason when there is no implied volatility. */
export function impliedVolResult(
  price: number,
  forward: number,
  strike: number,
  t: number,
  type: OptionType,
): { iv: number | null; reason?: string } {
  const iv = solve(price, forward, strike, t, type);
  if (lastCode !== OK) return { iv: null, reason: REASONS[lastCode] };
  if (!Number.isFinite(iv) || !(iv >= 0)) return { iv: null, reason: "no convergence" };
  return { iv };
}
