// From a risk metric to a proposed parameter value: the policy sets a target, the guardrails
// (in the style of Aave's Risk Stewards) limit how far and how often the value may move.
import type { EsMarginPolicy, Guardrails } from "../config";

export interface TargetDerivation {
  es: number;
  horizonScale: number;
  liquidityAddOn: number;
  unrounded: number;
  target: number;
}

/**
 * Margin target = ES_level(h days) + liquidity add-on, rounded up to the policy step, where `es`
 * is the h-day ES over the liquidation horizon h as the run computes it (simulated for the GARCH
 * methods, overlapping h-day sums for HS) — the same number the risk targets read
 * (lib/risk/targets), not a √h-scaled one-day ES. horizonScale is therefore always 1.
 */
export function esMarginTarget(es: number, policy: EsMarginPolicy): TargetDerivation {
  if (!(es >= 0) || !Number.isFinite(es)) throw new Error(`ES must be a finite loss, got ${es}`);
  const horizonScale = 1;
  const unrounded = es * horizonScale + policy.liquidityAddOn;
  // Round up on the step grid; the epsilon stops 0.0600000001 from becoming 0.0605.
  const target = Math.ceil(unrounded / policy.step - 1e-9) * policy.step;
  return {
    es,
    horizonScale,
    liquidityAddOn: policy.liquidityAddOn,
    unrounded,
    target: Number(target.toFixed(10)),
  };
}

export type GuardrailStep =
  | { check: "bounds"; min: number; max: number; before: number; after: number }
  | { check: "dead-band"; relativeGap: number; threshold: number; passed: boolean }
  | { check: "max-change"; limit: number; before: number; after: number }
  | { check: "min-delay"; hoursSinceLastChange: number; minHours: number; passed: boolean };

export interface GuardrailOutcome {
  /** The value to propose, or null when the guardrails say no change now. */
  proposed: number | null;
  reason: string;
  trace: GuardrailStep[];
}

/**
 * Applies, in order: hard bounds to the target; the dead-band (no proposal for small moves);
 * the minimum delay since the last executed change; the maximum relative change per update.
 */
export function applyGuardrails(input: {
  current: number;
  target: number;
  min: number;
  max: number;
  guardrails: Guardrails;
  hoursSinceLastChange: number;
}): GuardrailOutcome {
  const { current, target, min, max, guardrails: g } = input;
  const trace: GuardrailStep[] = [];
  const bounded = Math.min(max, Math.max(min, target));
  trace.push({ check: "bounds", min, max, before: target, after: bounded });
  const relativeGap = Math.abs(bounded - current) / current;
  const outside = relativeGap > g.deadBandRelative;
  trace.push({ check: "dead-band", relativeGap, threshold: g.deadBandRelative, passed: outside });
  if (!outside) {
    return { proposed: null, reason: "target is within the dead-band of the current value", trace };
  }
  const delayPassed = input.hoursSinceLastChange >= g.minDelayHours;
  trace.push({
    check: "min-delay",
    hoursSinceLastChange: input.hoursSinceLastChange,
    minHours: g.minDelayHours,
    passed: delayPassed,
  });
  if (!delayPassed) {
    return {
      proposed: null,
      reason: "the last change is more recent than the minimum delay",
      trace,
    };
  }
  const lo = current * (1 - g.maxRelativeChange);
  const hi = current * (1 + g.maxRelativeChange);
  const capped = Math.min(hi, Math.max(lo, bounded));
  trace.push({ check: "max-change", limit: g.maxRelativeChange, before: bounded, after: capped });
  return {
    proposed: Number(capped.toFixed(10)),
    reason: capped === bounded ? "target allowed in full" : "target capped by the maximum change",
    trace,
  };
}
