// Policy formulas of the six governed parameters: from evidence (ES, order book, funding, implied
// and historical moves) to a target on the parameter's step grid. Pure: no I/O, every input is
// passed in, so the pipeline, the policy backtest and the what-if share one function per formula
// (docs/methodology.md §4a).
import { gridCeil, type ParameterPolicy, type PolicyKind } from "../config";
import { pct } from "../format";
import { ewmaSigmaPath } from "../quant/ewma";
import { historicalVarEs } from "../quant/var";
import { normInv } from "../quant/normal";
import { walkBook, type BookLevel, type LiquidityWalk } from "../quant/orderBook";
import type { RiskMethod } from "../quant/riskMethods";

export interface TargetDerivation {
  kind: PolicyKind;
  /** The formula with its numbers, as a rationale or page shows it. */
  formula: string;
  /** The named inputs of the formula (fractions), stored with the guardrail trace. */
  terms: Record<string, number>;
  unrounded: number;
  /** The unrounded value rounded up to the policy's step. */
  target: number;
}

export interface LiquidityAddOn {
  value: number;
  source: "order-book" | "constant";
  referencePositionUsd: number;
  /** Why this add-on: the walk's numbers, or why the configured constant was used. */
  detail: string;
  walk?: LiquidityWalk;
}

/**
 * The liquidity add-on: the worse side's volume-weighted slippage of the reference position
 * walked through the perpetual's book; the configured constant without a usable book; and, when
 * the book cannot fill the position, the larger of the two (the unfilled rest costs at least
 * what the constant assumes).
 */
export function liquidityAddOn(
  book: { bids: readonly BookLevel[]; asks: readonly BookLevel[]; source: string } | null,
  referencePositionUsd: number,
  constant: number,
): LiquidityAddOn {
  const usd = `$${Math.round(referencePositionUsd).toLocaleString("en-US")}`;
  if (!book || !book.bids.length || !book.asks.length)
    return {
      value: constant,
      source: "constant",
      referencePositionUsd,
      detail:
        `no order book of the perpetual was available (${book ? `${book.source}: one side empty` : "none in this snapshot"}), ` +
        `so the configured constant ${pct(constant)} is used`,
    };
  const walk = walkBook(book, referencePositionUsd);
  const side = walk.worseSide === "sell" ? "selling into the bids" : "buying from the asks";
  const w = walk[walk.worseSide];
  const exhausted = walk.sell.exhausted || walk.buy.exhausted;
  const value = exhausted ? Math.max(walk.slippage, constant) : walk.slippage;
  return {
    value,
    source: "order-book",
    referencePositionUsd,
    walk,
    detail:
      `liquidating ${usd} through the perpetual's order book (${book.source}) costs ` +
      `${pct(walk.sell.slippage, 3)} selling and ${pct(walk.buy.slippage, 3)} buying against the mid ` +
      `${walk.mid.toFixed(2)}; the worse side, ${side} over ${w.levelsUsed} levels, gives ${pct(walk.slippage, 3)}` +
      (exhausted
        ? `, but the book could not fill the whole position, so the add-on is at least the configured ${pct(constant)}`
        : ""),
  };
}

function derive(
  kind: PolicyKind,
  step: number,
  unrounded: number,
  terms: Record<string, number>,
  formula: string,
): TargetDerivation {
  if (!Number.isFinite(unrounded) || unrounded < 0)
    throw new Error(`${kind}: the target must be a finite non-negative number, got ${unrounded}`);
  return { kind, formula, terms, unrounded, target: gridCeil(unrounded, step) };
}

const finiteLoss = (x: number, what: string) => {
  if (!(x >= 0) || !Number.isFinite(x)) throw new Error(`${what} must be a finite loss, got ${x}`);
  return x;
};

/** Maintenance margin = ES_level(h days, worse side) + liquidity add-on. */
export function maintenanceMarginTarget(es: number, addOn: number, step: number): TargetDerivation {
  finiteLoss(es, "ES");
  return derive(
    "es-margin",
    step,
    es + addOn,
    { es, liquidityAddOn: addOn },
    `ES ${pct(es)} + liquidity add-on ${pct(addOn, 3)}`,
  );
}

/** Initial margin = max(ES_level(h days, worse side), ratio × maintenance target). */
export function initialMarginTarget(
  es: number,
  maintenanceTarget: number,
  ratio: number,
  step: number,
): TargetDerivation {
  finiteLoss(es, "ES");
  const floor = ratio * finiteLoss(maintenanceTarget, "maintenance target");
  return derive(
    "es-initial-margin",
    step,
    Math.max(es, floor),
    { es, maintenanceTarget, maintenanceRatio: ratio, floor },
    `max(ES ${pct(es)}, ${ratio} × maintenance ${pct(maintenanceTarget)} = ${pct(floor)})`,
  );
}

/** Haircut = ES_level(h days) of a long position + liquidity add-on (the coin is sold to cover). */
export function haircutTarget(longEs: number, addOn: number, step: number): TargetDerivation {
  finiteLoss(longEs, "long-side ES");
  return derive(
    "es-haircut",
    step,
    longEs + addOn,
    { longEs, liquidityAddOn: addOn },
    `long-side ES ${pct(longEs)} + liquidity add-on ${pct(addOn, 3)}`,
  );
}

/** Funding cap = the `quantile` of |funding per period| over the sample (empirical quantile). */
export function fundingCapTarget(
  rates: readonly number[],
  quantile: number,
  step: number,
): TargetDerivation {
  const abs = rates.filter(Number.isFinite).map(Math.abs);
  if (abs.length === 0) throw new Error("funding cap: no funding observations in the lookback");
  const q = historicalVarEs(abs, quantile).var;
  return derive(
    "funding-cap",
    step,
    q,
    { quantile, observations: abs.length, absQuantile: q, absMax: Math.max(...abs) },
    `${pct(quantile, 1)} quantile of |funding| over ${abs.length} periods = ${pct(q, 4)}`,
  );
}

/**
 * |simple return| over every overlapping h-day window of consecutive daily log returns:
 * |e^{r_i + … + r_{i+h−1}} − 1|.
 */
export function absoluteMoves(returns: ArrayLike<number>, h: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + h <= returns.length; i++) {
    let s = 0;
    for (let j = i; j < i + h; j++) s += returns[j];
    out.push(Math.abs(Math.expm1(s)));
  }
  return out;
}

/**
 * Scan range = max(implied move, historical move): the implied move is the two-sided normal
 * quantile of the ATM implied vol over h days, z_{(1+level)/2} · σ_ATM · √(h/365) (the way
 * SPAN's price scan range covers a confidence level of the margin period's move, CME 2019); the
 * historical move is the `level` quantile of |h-day simple return| in the window.
 */
export function scanRangeTarget(
  returns: ArrayLike<number>,
  atmVol: number | null,
  level: number,
  horizonDays: number,
  step: number,
): TargetDerivation {
  const moves = absoluteMoves(returns, horizonDays);
  if (moves.length === 0) throw new Error("scan range: no h-day moves in the window");
  const historical = historicalVarEs(moves, level).var;
  const implied =
    atmVol !== null && atmVol > 0
      ? normInv((1 + level) / 2) * atmVol * Math.sqrt(horizonDays / 365)
      : null;
  const terms: Record<string, number> = { historical, moves: moves.length };
  if (implied !== null && atmVol !== null) {
    terms.implied = implied;
    terms.atmVol = atmVol;
  }
  return derive(
    "scan-range",
    step,
    Math.max(historical, implied ?? 0),
    terms,
    implied === null
      ? `historical ${pct(level, 1)} |${horizonDays}-day move| ${pct(historical)} (no implied move: no surface)`
      : `max(implied ${pct(implied)} from ATM vol ${pct(atmVol)}, historical ${pct(level, 1)} |${horizonDays}-day move| ${pct(historical)})`,
  );
}

/**
 * |σ_{t+h}/σ_t − 1| of the EWMA volatility over every overlapping h-day window, skipping the first
 * 30 days while the recursion forgets its start.
 */
export function volChanges(returns: ArrayLike<number>, lambda: number, h: number): number[] {
  const s = ewmaSigmaPath(returns, lambda);
  const out: number[] = [];
  for (let i = 30; i + h < s.length; i++) if (s[i] > 0) out.push(Math.abs(s[i + h] / s[i] - 1));
  return out;
}

/**
 * Vol shock = the `level` quantile of the relative change of the EWMA volatility over h days: a
 * realised-vol stand-in for the implied-vol move a portfolio-margin grid must cover (there is no
 * daily implied-vol history for the whole window; docs/methodology.md §4a says what this misses).
 */
export function volShockTarget(
  returns: ArrayLike<number>,
  lambda: number,
  level: number,
  horizonDays: number,
  step: number,
): TargetDerivation {
  const changes = volChanges(returns, lambda, horizonDays);
  if (changes.length === 0) throw new Error("vol shock: too few returns for EWMA vol changes");
  const q = historicalVarEs(changes, level).var;
  return derive(
    "vol-shock",
    step,
    q,
    { volChangeQuantile: q, observations: changes.length, lambda },
    `${pct(level, 1)} quantile of the ${horizonDays}-day relative change of the EWMA(${lambda}) vol over ${changes.length} days = ${pct(q)}`,
  );
}

/** Everything a policy formula may read; each kind reads its own part. */
export interface PolicyContext {
  /** Worse-side and long-side ES of the method driving the policy, at its level and horizon. */
  es?: { worse: number; long: number; method: RiskMethod };
  liquidity: LiquidityAddOn;
  /** The maintenance margin's target (the initial margin's floor). */
  maintenanceTarget?: number;
  /** Daily log returns of the window, oldest first. */
  returns: ArrayLike<number>;
  /** Funding per 8-hour period in the lookback, oldest first. */
  funding: readonly number[];
  /** ATM implied vol at the scan-range horizon, or null without a surface. */
  atmVol: number | null;
}

/** One function serves every caller: the policy's formula applied to the context. */
export function parameterTarget(policy: ParameterPolicy, ctx: PolicyContext): TargetDerivation {
  const needEs = () => {
    if (!ctx.es) throw new Error(`${policy.kind}: no ES in the context`);
    return ctx.es;
  };
  switch (policy.kind) {
    case "es-margin":
      return maintenanceMarginTarget(needEs().worse, ctx.liquidity.value, policy.step);
    case "es-initial-margin":
      if (ctx.maintenanceTarget === undefined)
        throw new Error("initial margin: the maintenance target is needed for its floor");
      return initialMarginTarget(
        needEs().worse,
        ctx.maintenanceTarget,
        policy.maintenanceRatio,
        policy.step,
      );
    case "es-haircut":
      return haircutTarget(needEs().long, ctx.liquidity.value, policy.step);
    case "funding-cap":
      return fundingCapTarget(ctx.funding, policy.quantile, policy.step);
    case "scan-range":
      return scanRangeTarget(
        ctx.returns,
        ctx.atmVol,
        policy.level,
        policy.horizonDays,
        policy.step,
      );
    case "vol-shock":
      return volShockTarget(
        ctx.returns,
        policy.ewmaLambda,
        policy.level,
        policy.horizonDays,
        policy.step,
      );
  }
}
