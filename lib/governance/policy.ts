// From a policy target to a proposed parameter value: the guardrails (in the style of Aave's
// Risk Stewards) limit how far and how often the value may move. Targets: lib/risk/policies.
import { gridCeil, gridFloor, type Guardrails, type StepLimit } from "../config";

export type GuardrailStep =
  | { check: "target-bounds"; min: number; max: number; before: number; after: number }
  | { check: "dead-band"; relativeGap: number; threshold: number; passed: boolean }
  | { check: "min-delay"; hoursSinceLastChange: number; minHours: number; passed: boolean }
  | { check: "cooldown"; hoursSinceLastReject: number; minHours: number; passed: boolean }
  | {
      check: "max-change";
      direction: "increase" | "decrease";
      limit: StepLimit;
      before: number;
      after: number;
    }
  | { check: "step-grid"; step: number; before: number; after: number }
  | { check: "bounds"; min: number; max: number; before: number; after: number };

export interface GuardrailOutcome {
  /** The value to propose, or null when the guardrails say no change now. */
  proposed: number | null;
  reason: string;
  trace: GuardrailStep[];
}

/** Relative distance of a value from the current one; from 0 any move is infinitely large. */
function relativeGap(value: number, current: number): number {
  if (value === current) return 0;
  return current === 0 ? Infinity : Math.abs(value - current) / Math.abs(current);
}

/** The value after the largest step a limit allows from `current` toward `target`. */
function limitStep(current: number, target: number, limit: StepLimit): number {
  const room = limit.kind === "relative" ? Math.abs(current) * limit.value : limit.value;
  return target >= current ? Math.min(target, current + room) : Math.max(target, current - room);
}

/**
 * In the style of Aave's Risk Stewards, applies in order: the target clamped to the bounds; the
 * dead-band (no proposal for small moves); the minimum delay since the last *executed* change;
 * the cool-down after a rejection; the largest increase or decrease per update; the step grid
 * (rounding toward the current value, so the step limit still holds); and the hard bounds, last,
 * so that whatever the current value — inside the bounds, outside them, 0 — a proposed value lies
 * inside [min, max] and on the grid. A value out of the bounds skips the dead-band: being there
 * is itself the reason to move.
 */
export function applyGuardrails(input: {
  current: number;
  target: number;
  min: number;
  max: number;
  step: number;
  guardrails: Guardrails;
  hoursSinceLastChange: number;
  /** Hours since the committee last rejected a change of this parameter; Infinity if never. */
  hoursSinceLastReject: number;
}): GuardrailOutcome {
  const { current, target, step, guardrails: g } = input;
  if (![current, target, input.min, input.max, step].every(Number.isFinite))
    throw new Error("guardrails need finite current, target, bounds and step");
  // The bounds as the grid sees them: the outermost multiples of the step inside [min, max].
  const min = gridCeil(input.min, step);
  const max = gridFloor(input.max, step);
  if (!(step > 0) || min > max) throw new Error(`no multiple of ${step} inside the bounds`);
  const trace: GuardrailStep[] = [];
  const no = (reason: string): GuardrailOutcome => ({ proposed: null, reason, trace });

  const bounded = Math.min(max, Math.max(min, target));
  trace.push({ check: "target-bounds", min, max, before: target, after: bounded });
  const outOfBounds = current < min || current > max;
  const gap = relativeGap(bounded, current);
  const outside = outOfBounds || gap > g.deadBandRelative;
  trace.push({
    check: "dead-band",
    relativeGap: gap,
    threshold: g.deadBandRelative,
    passed: outside,
  });
  if (!outside) return no("target is within the dead-band of the current value");

  const delayPassed = input.hoursSinceLastChange >= g.minDelayHours;
  trace.push({
    check: "min-delay",
    hoursSinceLastChange: input.hoursSinceLastChange,
    minHours: g.minDelayHours,
    passed: delayPassed,
  });
  if (!delayPassed) return no("the last executed change is more recent than the minimum delay");

  const coolPassed = input.hoursSinceLastReject >= g.cooldownAfterRejectHours;
  trace.push({
    check: "cooldown",
    hoursSinceLastReject: input.hoursSinceLastReject,
    minHours: g.cooldownAfterRejectHours,
    passed: coolPassed,
  });
  if (!coolPassed) return no("the committee rejected a change of it within the cool-down");

  const direction = bounded >= current ? "increase" : "decrease";
  const limit = direction === "increase" ? g.maxIncrease : g.maxDecrease;
  const capped = limitStep(current, bounded, limit);
  trace.push({ check: "max-change", direction, limit, before: bounded, after: capped });

  // Round toward the current value so the step limit still holds; when no multiple of the step
  // lies between the current value and the capped one, the value stays (the bounds may still act).
  const gridded = direction === "increase" ? gridFloor(capped, step) : gridCeil(capped, step);
  const snapped =
    (direction === "increase" && gridded < current) ||
    (direction === "decrease" && gridded > current)
      ? current
      : gridded;
  trace.push({ check: "step-grid", step, before: capped, after: snapped });

  const final = Math.min(max, Math.max(min, snapped));
  trace.push({ check: "bounds", min, max, before: snapped, after: final });
  if (final === current) return no("the guardrails leave the value where it is");
  return {
    proposed: final,
    reason:
      final !== bounded
        ? capped !== bounded
          ? "target capped by the maximum change"
          : "target rounded to the step grid"
        : "target allowed in full",
    trace,
  };
}
