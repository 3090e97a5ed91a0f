/**
 * The model-risk basket: a fixed set of path-dependent claims priced under every calibrated model
 * (published local-vol surface, Heston, Bates) so that their disagreement measures model risk.
 *
 * Conventions: the underlying is the forward F_t (rate 0, undiscounted), and everything is per
 * unit of today's forward, X_t = F_t/F_0, X_0 = 1, so prices of different markets are comparable
 * (a price of 0.02 is 2 % of the forward). Time in years of 365 days; monitoring at the end of
 * each day (the daily fixing of crypto venues).
 *
 * The claims (all within the first two monthly expiries a crypto chain quotes):
 *  - downAndOutPut: 30-day put, strike 1, knocked out if X ≤ 0.85 at any daily fixing 1..30.
 *    Sensitive to the conditional skew near the barrier (local vol vs stochastic vol differ most).
 *  - oneTouch: pays 1 at day 30 if X ≥ 1.15 at any daily fixing 1..30. Sensitive to the upside
 *    wing and to vol-of-vol (the classic one-touch model-risk example).
 *  - forwardStartCall: pays (X_60 − X_30)⁺, strike set at day 30. Sensitive to the forward smile,
 *    which local vol flattens and stochastic vol keeps.
 * Control payoffs (vanillas with prices every model knows exactly): put(1, 30 d) for the
 * down-and-out put, call(1.15, 30 d) for the one-touch, call(1, 60 d) for the forward start.
 *
 * A Monte Carlo generator fills one path X_0..X_60 (daily) into a buffer and calls `add`; the
 * accumulator keeps the sums needed for means, standard errors and control-variate estimates,
 * so nothing is allocated per path.
 */

/** One day in years. */
export const DAY = 1 / 365;

export const BASKET = {
  horizonDays: 60,
  downAndOutPut: { strike: 1, barrier: 0.85, days: 30 },
  oneTouch: { level: 1.15, days: 30 },
  forwardStartCall: { startDays: 30, days: 60 },
} as const;

export type ClaimId = "downAndOutPut" | "oneTouch" | "forwardStartCall";
export const CLAIMS: readonly ClaimId[] = ["downAndOutPut", "oneTouch", "forwardStartCall"];

export type VanillaId = "put30" | "call115x30" | "call60";
export const VANILLAS: readonly VanillaId[] = ["put30", "call115x30", "call60"];

/** The vanillas as (strike, days, type) per unit of forward. */
export const VANILLA_SPECS: Record<
  VanillaId,
  { strike: number; days: number; type: "call" | "put" }
> = {
  put30: { strike: 1, days: 30, type: "put" },
  call115x30: { strike: 1.15, days: 30, type: "call" },
  call60: { strike: 1, days: 60, type: "call" },
};

/** The control of each claim. */
export const CONTROL_OF: Record<ClaimId, VanillaId> = {
  downAndOutPut: "put30",
  oneTouch: "call115x30",
  forwardStartCall: "call60",
};

export interface McEstimate {
  price: number;
  stdError: number;
  paths: number;
}

export interface ClaimEstimate extends McEstimate {
  /** The plain Monte Carlo mean and its standard error (before the control variate). */
  raw: { price: number; stdError: number };
  /** Control-variate coefficient used (0 when none). */
  beta: number;
}

export interface BasketMcResult {
  claims: Record<ClaimId, ClaimEstimate>;
  /** The control vanillas as priced by the same paths (plain means). */
  vanillas: Record<VanillaId, McEstimate>;
  seed: number;
  paths: number;
  stepsPerDay: number;
}

export interface McOptions {
  /** Number of paths (default 20 000). */
  paths?: number;
  /** Seed of the xoshiro128** generator (default 1). */
  seed?: number;
  /** Time steps per day (default 1 for Heston/Bates, 4 for local vol; monitoring stays daily). */
  stepsPerDay?: number;
  /**
   * Use the vanillas as control variates (default true when their exact prices are known):
   * price = mean(Y) − β(mean(C) − E[C]), β = cov(Y, C)/var(C) from the same paths (its O(1/n)
   * bias is far below the standard error at these path counts).
   */
  controlVariates?: boolean;
}

export interface ResolvedMcOptions {
  paths: number;
  seed: number;
  stepsPerDay: number;
  controlVariates: boolean;
}

/** Options with defaults, or the reason they are invalid. */
export function resolveMcOptions(o: McOptions, defaultStepsPerDay = 1): ResolvedMcOptions | string {
  const paths = o.paths ?? 20000;
  const seed = o.seed ?? 1;
  const stepsPerDay = o.stepsPerDay ?? defaultStepsPerDay;
  if (!Number.isInteger(paths) || paths < 2 || paths > 1e8) {
    return "invalid input: paths must be an integer in [2, 1e8]";
  }
  if (!Number.isInteger(seed)) return "invalid input: seed must be an integer";
  if (!Number.isInteger(stepsPerDay) || stepsPerDay < 1 || stepsPerDay > 1000) {
    return "invalid input: stepsPerDay must be an integer in [1, 1000]";
  }
  return { paths, seed, stepsPerDay, controlVariates: o.controlVariates ?? true };
}

const NC = CLAIMS.length;
const NV = VANILLAS.length;

/** Running sums of the basket's payoffs over paths (no allocation per path). */
export class BasketAccumulator {
  private n = 0;
  private sy = new Float64Array(NC);
  private syy = new Float64Array(NC);
  private syc = new Float64Array(NC);
  private sc = new Float64Array(NV);
  private scc = new Float64Array(NV);
  private y = new Float64Array(NC);
  private c = new Float64Array(NV);

  /** Adds one path: x[d] = F at the end of day d over F_0, d = 0..60. */
  add(x: Float64Array): void {
    const dop = BASKET.downAndOutPut;
    const ot = BASKET.oneTouch;
    const fs = BASKET.forwardStartCall;
    let alive = true;
    let touched = false;
    for (let d = 1; d <= dop.days; d++) {
      const v = x[d];
      if (v <= dop.barrier) alive = false;
      if (v >= ot.level) touched = true;
    }
    const x30 = x[30];
    const x60 = x[60];
    const y = this.y;
    const c = this.c;
    y[0] = alive && x30 < dop.strike ? dop.strike - x30 : 0;
    y[1] = touched ? 1 : 0;
    y[2] = x[fs.days] > x[fs.startDays] ? x[fs.days] - x[fs.startDays] : 0;
    c[0] = x30 < 1 ? 1 - x30 : 0;
    c[1] = x30 > 1.15 ? x30 - 1.15 : 0;
    c[2] = x60 > 1 ? x60 - 1 : 0;
    for (let i = 0; i < NC; i++) {
      this.sy[i] += y[i];
      this.syy[i] += y[i] * y[i];
      this.syc[i] += y[i] * c[i]; // claim i's control is vanilla i (CONTROL_OF order)
    }
    for (let j = 0; j < NV; j++) {
      this.sc[j] += c[j];
      this.scc[j] += c[j] * c[j];
    }
    this.n++;
  }

  /**
   * Estimates; `exact` holds the vanillas' exact prices (the control variates), or null for plain
   * Monte Carlo.
   */
  result(
    exact: Record<VanillaId, number> | null,
    meta: { seed: number; stepsPerDay: number },
  ): BasketMcResult {
    const n = this.n;
    const vanillas = {} as Record<VanillaId, McEstimate>;
    const claims = {} as Record<ClaimId, ClaimEstimate>;
    VANILLAS.forEach((id, j) => {
      const m = this.sc[j] / n;
      const v = Math.max(this.scc[j] / n - m * m, 0) * (n / (n - 1));
      vanillas[id] = { price: m, stdError: Math.sqrt(v / n), paths: n };
    });
    CLAIMS.forEach((id, i) => {
      const my = this.sy[i] / n;
      const mc = this.sc[i] / n;
      const vy = Math.max(this.syy[i] / n - my * my, 0) * (n / (n - 1));
      const vc = Math.max(this.scc[i] / n - mc * mc, 0) * (n / (n - 1));
      const cov = (this.syc[i] / n - my * mc) * (n / (n - 1));
      const raw = { price: my, stdError: Math.sqrt(vy / n) };
      const target = exact ? exact[CONTROL_OF[id]] : NaN;
      if (exact && Number.isFinite(target) && vc > 0) {
        const beta = cov / vc;
        // residual variance var(Y − βC) = var(Y) − cov²/var(C)
        const vr = Math.max(vy - (cov * cov) / vc, 0);
        claims[id] = {
          price: my - beta * (mc - target),
          stdError: Math.sqrt(vr / n),
          paths: n,
          raw,
          beta,
        };
      } else {
        claims[id] = { ...raw, paths: n, raw, beta: 0 };
      }
    });
    return { claims, vanillas, seed: meta.seed, paths: n, stepsPerDay: meta.stepsPerDay };
  }
}
