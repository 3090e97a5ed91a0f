// Which risk method may drive a parameter: a method earns its place by its own backtest. Pure.
//
// Rule (docs/methodology.md §3d): a method qualifies while its rolling one-day backtest at the
// policy's level covers at least QUALIFYING_DAYS days without an error day and, on both sides
// (long and short), is in the Basel green zone and passes Kupiec's unconditional-coverage test and
// Christoffersen's independence and conditional-coverage tests at 5 %. The policy's own method
// drives the parameter while it qualifies; otherwise the most conservative qualified method (the
// highest worse-side ES at the policy's level and horizon); when none qualifies, the most
// conservative of all methods, said as such.
import type { RiskMethod, Side } from "../quant/riskMethods";

/** Backtest days a qualification needs (one trading year, as in Basel's traffic light). */
export const QUALIFYING_DAYS = 250;
/** Significance of the coverage tests. */
export const TEST_SIZE = 0.05;
/** Default threshold of the all-methods ES range above which a proposal carries a warning. */
export const DEFAULT_SPREAD_WARNING = 0.03;

export interface SideEvidence {
  exceptions: number;
  kupiec: { pValue: number };
  christoffersen: { pValueInd: number; pValueCc: number };
  trafficLight: { zone: string } | null;
}

export interface BacktestEvidence {
  method: RiskMethod;
  level: number;
  days: number;
  sides: Record<Side, SideEvidence>;
  errors: readonly { date: string; message: string }[];
}

export interface MetricEvidence {
  method: RiskMethod;
  level: number;
  horizonDays: number;
  /** The worse side's ES. */
  es: number;
}

export interface PolicyEvidence {
  method: RiskMethod;
  level: number;
  liquidationHorizonDays: number;
  modelRiskSpreadWarning?: number;
}

export interface MethodQualification {
  method: RiskMethod;
  qualified: boolean;
  /** Why not, in plain words (empty when qualified). */
  failures: string[];
  /** Worse-side ES at the policy's level and horizon; null when the run has none. */
  es: number | null;
}

export interface EsRange {
  min: number;
  max: number;
  /** max − min, in fractions of notional. */
  range: number;
  minMethod: RiskMethod;
  maxMethod: RiskMethod;
}

export interface Qualification {
  policyMethod: RiskMethod;
  level: number;
  horizonDays: number;
  chosen: RiskMethod;
  basis: "policy method qualified" | "fallback to most conservative qualified" | "none qualified";
  /** One or two sentences for the rationale. */
  why: string;
  methods: MethodQualification[];
  /** The model-risk spread: range of the worse-side ES across qualified methods and across all. */
  spread: { qualified: EsRange | null; all: EsRange | null };
  warningThreshold: number;
  /** True when the all-methods range exceeds the threshold. */
  warning: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

function range(rows: { method: RiskMethod; es: number }[]): EsRange | null {
  if (rows.length === 0) return null;
  let lo = rows[0];
  let hi = rows[0];
  for (const r of rows) {
    if (r.es < lo.es) lo = r;
    if (r.es > hi.es) hi = r;
  }
  return {
    min: lo.es,
    max: hi.es,
    range: hi.es - lo.es,
    minMethod: lo.method,
    maxMethod: hi.method,
  };
}

/** Why a method's backtest does not qualify it (empty: it qualifies). */
export function backtestFailures(b: BacktestEvidence | undefined, level: number): string[] {
  if (!b) return [`no backtest at ${level}`];
  const out: string[] = [];
  if (b.errors.length) out.push(`${b.errors.length} day(s) without a finite forecast`);
  if (b.days < QUALIFYING_DAYS) out.push(`${b.days} backtest days (need ${QUALIFYING_DAYS})`);
  for (const side of ["long", "short"] as const) {
    const s = b.sides[side];
    const zone = s.trafficLight?.zone ?? null;
    if (zone === null) out.push(`${side}: no traffic light at ${level}`);
    else if (zone !== "green") out.push(`${side}: ${zone} zone (${s.exceptions} exceptions)`);
    if (!(s.kupiec.pValue >= TEST_SIZE))
      out.push(`${side}: Kupiec p ${s.kupiec.pValue.toFixed(3)}`);
    if (!(s.christoffersen.pValueInd >= TEST_SIZE))
      out.push(`${side}: Christoffersen independence p ${s.christoffersen.pValueInd.toFixed(3)}`);
    if (!(s.christoffersen.pValueCc >= TEST_SIZE))
      out.push(
        `${side}: Christoffersen conditional coverage p ${s.christoffersen.pValueCc.toFixed(3)}`,
      );
  }
  return out;
}

/** Applies the qualification rule for one policy to a run's backtests and metrics. */
export function qualify(input: {
  backtests: readonly BacktestEvidence[];
  metrics: readonly MetricEvidence[];
  policy: PolicyEvidence;
  methods: readonly RiskMethod[];
}): Qualification {
  const { policy } = input;
  const h = policy.liquidationHorizonDays;
  const methods: MethodQualification[] = input.methods.map((method) => {
    const m = input.metrics.find(
      (x) => x.method === method && x.level === policy.level && x.horizonDays === h,
    );
    const failures = backtestFailures(
      input.backtests.find((b) => b.method === method && b.level === policy.level),
      policy.level,
    );
    const es = m && Number.isFinite(m.es) ? m.es : null;
    if (es === null) failures.push(`no finite ES at ${policy.level} over ${h} d`);
    return { method, qualified: failures.length === 0, failures, es };
  });
  const withEs = methods.filter((m): m is MethodQualification & { es: number } => m.es !== null);
  const qualified = withEs.filter((m) => m.qualified);
  const spread = { qualified: range(qualified), all: range(withEs) };
  const threshold = policy.modelRiskSpreadWarning ?? DEFAULT_SPREAD_WARNING;
  const own = methods.find((m) => m.method === policy.method);
  let chosen: RiskMethod;
  let basis: Qualification["basis"];
  let why: string;
  if (own?.qualified) {
    chosen = policy.method;
    basis = "policy method qualified";
    why = `The policy's method (${policy.method}) qualifies: its ${QUALIFYING_DAYS}-day backtest at ${pct(policy.level)} is green on both sides and passes Kupiec and Christoffersen at 5 %.`;
  } else if (qualified.length > 0) {
    const top = qualified.reduce((a, b) => (b.es > a.es ? b : a));
    chosen = top.method;
    basis = "fallback to most conservative qualified";
    why =
      `The policy's method (${policy.method}) does not qualify (${own?.failures.join("; ") ?? "not computed"}), ` +
      `so the most conservative qualified method, ${top.method} (ES ${pct(top.es)}), drives the target.`;
  } else {
    if (withEs.length === 0) throw new Error(`no method has an ES at ${policy.level} over ${h} d`);
    const top = withEs.reduce((a, b) => (b.es > a.es ? b : a));
    chosen = top.method;
    basis = "none qualified";
    why =
      `No method qualifies (${policy.method}: ${own?.failures.join("; ") ?? "not computed"}), ` +
      `so the most conservative of all methods, ${top.method} (ES ${pct(top.es)}), drives the target.`;
  }
  const warning = spread.all !== null && spread.all.range > threshold;
  return {
    policyMethod: policy.method,
    level: policy.level,
    horizonDays: h,
    chosen,
    basis,
    why,
    methods,
    spread,
    warningThreshold: threshold,
    warning,
  };
}
