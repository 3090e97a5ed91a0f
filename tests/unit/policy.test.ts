import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EsMarginPolicy } from "../../lib/config";
import { applyGuardrails, esMarginTarget } from "../../lib/governance/policy";

const policy: EsMarginPolicy = {
  kind: "es-margin",
  method: "hs",
  level: 0.99,
  liquidationHorizonDays: 5,
  liquidityAddOn: 0.005,
  step: 0.0005,
  guardrails: { maxRelativeChange: 0.25, deadBandRelative: 0.05, minDelayHours: 72 },
};
const g = policy.guardrails;

describe("esMarginTarget", () => {
  it("adds the liquidity add-on to the h-day ES as given (no √h) and rounds up to the step", () => {
    // the ES passed in is already the h-day ES: 0.062 + 0.005 = 0.067 exactly on the grid;
    // 0.0622 + 0.005 = 0.0672 → 0.0675
    expect(esMarginTarget(0.062, policy).target).toBe(0.067);
    expect(esMarginTarget(0.0622, policy).target).toBe(0.0675);
    expect(esMarginTarget(0.0622, policy).horizonScale).toBe(1);
  });
  it("rejects a non-finite or negative ES", () => {
    expect(() => esMarginTarget(Number.NaN, policy)).toThrow(/finite/);
    expect(() => esMarginTarget(-0.01, policy)).toThrow(/finite/);
  });
  it("is never below the unrounded target and at most one step above (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.5, noNaN: true }), (es) => {
        const d = esMarginTarget(es, policy);
        expect(d.target).toBeGreaterThanOrEqual(d.unrounded - 1e-12);
        expect(d.target - d.unrounded).toBeLessThan(policy.step + 1e-12);
      }),
    );
  });
});

describe("applyGuardrails", () => {
  const base = { min: 0.005, max: 0.25, guardrails: g, hoursSinceLastChange: 1000 };
  it("proposes nothing inside the dead-band", () => {
    const o = applyGuardrails({ ...base, current: 0.05, target: 0.052 }); // 4 % < 5 %
    expect(o.proposed).toBeNull();
    expect(o.trace.map((s) => s.check)).toEqual(["bounds", "dead-band"]);
  });
  it("caps an increase at +25 % of the current value", () => {
    const o = applyGuardrails({ ...base, current: 0.05, target: 0.09 });
    expect(o.proposed).toBeCloseTo(0.0625, 15);
    expect(o.reason).toBe("target capped by the maximum change");
  });
  it("caps a decrease at −25 %", () => {
    expect(applyGuardrails({ ...base, current: 0.08, target: 0.03 }).proposed).toBeCloseTo(
      0.06,
      15,
    );
  });
  it("allows a target within the max change in full", () => {
    const o = applyGuardrails({ ...base, current: 0.05, target: 0.06 });
    expect(o.proposed).toBe(0.06);
    expect(o.reason).toBe("target allowed in full");
  });
  it("clamps to the hard bounds before anything else", () => {
    const o = applyGuardrails({ ...base, current: 0.21, target: 0.4 });
    expect(o.proposed).toBe(0.25);
    expect(o.trace[0]).toMatchObject({ check: "bounds", before: 0.4, after: 0.25 });
  });
  it("waits for the minimum delay since the last change", () => {
    const o = applyGuardrails({ ...base, current: 0.05, target: 0.09, hoursSinceLastChange: 10 });
    expect(o.proposed).toBeNull();
    expect(o.reason).toMatch(/minimum delay/);
  });
  it("never leaves the bounds or the per-update limit (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.005, max: 0.25, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (current, target) => {
          const o = applyGuardrails({ ...base, current, target });
          if (o.proposed === null) return;
          expect(o.proposed).toBeGreaterThanOrEqual(0.005);
          expect(o.proposed).toBeLessThanOrEqual(0.25);
          // proposals are rounded to 10 decimals
          expect(Math.abs(o.proposed - current)).toBeLessThanOrEqual(0.25 * current + 1e-10);
        },
      ),
    );
  });
});
