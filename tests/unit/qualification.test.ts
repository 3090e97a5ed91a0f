// The qualification rule and the model-risk spread, on hand-built backtests; and the config's
// liquidation horizons.
import { describe, expect, it } from "vitest";
import { EsMarginPolicySchema } from "../../lib/config";
import { RISK_METHODS, type RiskMethod } from "../../lib/quant/riskMethods";
import { qualify, type BacktestEvidence } from "../../lib/risk/qualification";

const side = (zone: string | null, kupiecP = 0.5, indP = 0.5, ccP = 0.5) => ({
  exceptions: zone === "green" ? 2 : 6,
  kupiec: { pValue: kupiecP },
  christoffersen: { pValueInd: indP, pValueCc: ccP },
  trafficLight: zone === null ? null : { zone },
});
const good = (method: RiskMethod): BacktestEvidence => ({
  method,
  level: 0.99,
  days: 250,
  sides: { long: side("green"), short: side("green") },
  errors: [],
});
// worse-side ES by method at 99 %, 1 day: hs 5 %, ewma 3 %, garch-t 6 %, fhs 5.5 %, evt 7 %
const ES: Record<RiskMethod, number> = {
  hs: 0.05,
  ewma: 0.03,
  "garch-t": 0.06,
  fhs: 0.055,
  evt: 0.07,
};
const metrics = RISK_METHODS.map((method) => ({
  method,
  level: 0.99,
  horizonDays: 1,
  es: ES[method],
}));
const policy = { method: "hs" as const, level: 0.99, liquidationHorizonDays: 1 };

describe("qualify", () => {
  it("keeps the policy's method while it qualifies; the spread is the ES range", () => {
    const q = qualify({
      backtests: RISK_METHODS.map(good),
      metrics,
      policy,
      methods: RISK_METHODS,
    });
    expect(q.chosen).toBe("hs");
    expect(q.basis).toBe("policy method qualified");
    expect(q.spread.all).toMatchObject({
      min: 0.03,
      max: 0.07,
      minMethod: "ewma",
      maxMethod: "evt",
    });
    expect(q.spread.all!.range).toBeCloseTo(0.04, 15);
    expect(q.spread.qualified!.range).toBeCloseTo(0.04, 15);
    // default threshold 3 pp: 4 pp warns; a 5 pp threshold does not
    expect(q.warning).toBe(true);
    const calm = qualify({
      backtests: RISK_METHODS.map(good),
      metrics,
      policy: { ...policy, modelRiskSpreadWarning: 0.05 },
      methods: RISK_METHODS,
    });
    expect(calm.warning).toBe(false);
  });

  it("falls back to the most conservative qualified method, saying which and why", () => {
    const bts = RISK_METHODS.map(good);
    bts[0] = { ...good("hs"), sides: { long: side("green"), short: side("yellow", 0.02) } };
    bts[4] = { ...good("evt"), sides: { long: side("green", 0.5, 0.01), short: side("green") } };
    const q = qualify({ backtests: bts, metrics, policy, methods: RISK_METHODS });
    // evt (7 %) does not qualify (clustered exceptions): garch-t (6 %) is the highest qualified
    expect(q.chosen).toBe("garch-t");
    expect(q.basis).toBe("fallback to most conservative qualified");
    expect(q.why).toMatch(
      /\(hs\) does not qualify \(short: yellow zone \(6 exceptions\); short: Kupiec p 0\.020\)/,
    );
    expect(q.why).toMatch(/garch-t \(ES 6\.00 %\)/);
    expect(q.methods.find((m) => m.method === "evt")!.failures).toEqual([
      "long: Christoffersen independence p 0.010",
    ]);
    expect(q.spread.qualified).toMatchObject({ min: 0.03, max: 0.06 });
    expect(q.spread.all).toMatchObject({ min: 0.03, max: 0.07 });
  });

  it("error days, short backtests, missing traffic lights (97.5 %) and NaN p-values disqualify", () => {
    const cases: [BacktestEvidence, RegExp][] = [
      [
        { ...good("hs"), errors: [{ date: "2026-01-01", message: "NaN" }] },
        /1 day\(s\) without a finite forecast/,
      ],
      [{ ...good("hs"), days: 120 }, /120 backtest days \(need 250\)/],
      [
        { ...good("hs"), sides: { long: side(null), short: side("green") } },
        /long: no traffic light/,
      ],
      [
        { ...good("hs"), sides: { long: side("green", NaN), short: side("green") } },
        /long: Kupiec p NaN/,
      ],
      [
        { ...good("hs"), sides: { long: side("green"), short: side("green", 0.5, 0.5, 0.04) } },
        /short: Christoffersen conditional coverage p 0\.040/,
      ],
    ];
    for (const [bt, why] of cases) {
      const q = qualify({ backtests: [bt], metrics, policy, methods: ["hs"] });
      expect(q.methods[0].qualified).toBe(false);
      expect(q.methods[0].failures.join("; ")).toMatch(why);
      expect(q.basis).toBe("none qualified");
      expect(q.why).toMatch(/No method qualifies/);
    }
  });

  it("with no method qualified, the most conservative of all drives, and says so", () => {
    const q = qualify({ backtests: [], metrics, policy, methods: RISK_METHODS });
    expect(q.chosen).toBe("evt");
    expect(q.spread.qualified).toBeNull();
    expect(q.why).toMatch(/most conservative of all methods, evt \(ES 7\.00 %\)/);
  });

  it("reads the ES at the policy's level and liquidation horizon, and ignores non-finite ones", () => {
    const ten = [
      ...metrics,
      { method: "hs" as const, level: 0.99, horizonDays: 10, es: 0.2 },
      { method: "ewma" as const, level: 0.99, horizonDays: 10, es: NaN },
    ];
    const q = qualify({
      backtests: RISK_METHODS.map(good),
      metrics: ten,
      policy: { ...policy, liquidationHorizonDays: 10 },
      methods: RISK_METHODS,
    });
    expect(q.chosen).toBe("hs");
    expect(q.spread.all).toMatchObject({ min: 0.2, max: 0.2 });
    expect(q.methods.find((m) => m.method === "ewma")!.qualified).toBe(false);
  });
});

describe("liquidationHorizonDays", () => {
  const base = {
    kind: "es-margin",
    method: "hs",
    level: 0.99,
    liquidityAddOn: 0.005,
    step: 0.0005,
    guardrails: {
      maxIncrease: { kind: "relative", value: 0.25 },
      maxDecrease: { kind: "relative", value: 0.25 },
      deadBandRelative: 0.05,
      minDelayHours: 72,
      cooldownAfterRejectHours: 72,
    },
  };
  it("accepts only the horizons the engine computes", () => {
    for (const h of [1, 2, 3, 5, 7, 10]) {
      expect(EsMarginPolicySchema.safeParse({ ...base, liquidationHorizonDays: h }).success).toBe(
        true,
      );
    }
    for (const h of [0, 1.5, 4, 11, -1, NaN]) {
      const r = EsMarginPolicySchema.safeParse({ ...base, liquidationHorizonDays: h });
      expect(r.success, String(h)).toBe(false);
    }
  });
});
