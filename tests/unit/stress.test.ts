import { describe, expect, it } from "vitest";
import { black76Price } from "../../lib/quant/black76";
import { shockGrid, spotShockLadder, worstMoves } from "../../lib/quant/stress";
import { parameterTargets } from "../../lib/risk/targets";

describe("worstMoves", () => {
  it("finds the worst h-day loss over consecutive days and skips windows across gaps", () => {
    const dates = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"];
    const r = [-0.05, 0.01, -0.02, -0.1, -0.1];
    const [one, two] = worstMoves(dates, r, [1, 2]);
    expect(one).toMatchObject({ horizon: 1, from: "2024-01-05", to: "2024-01-05" });
    expect(one.loss).toBeCloseTo(0.1, 15);
    // 01-05 + 01-06 = 0.2; 01-03 + 01-05 spans a gap and is not a 2-day move
    expect(two).toMatchObject({ horizon: 2, from: "2024-01-05", to: "2024-01-06" });
    expect(two.loss).toBeCloseTo(0.2, 15);
  });
});

describe("shockGrid", () => {
  it("revalues a short straddle on a flat surface: the worst cell is the largest spot move with vol up", () => {
    const pos = [
      { quantity: -1, strike: 100, t: 0.1, forward: 100, type: "call" as const },
      { quantity: -1, strike: 100, t: 0.1, forward: 100, type: "put" as const },
    ];
    const { cells, worst } = shockGrid(
      pos,
      () => 0.5,
      spotShockLadder(0.05, 0.2),
      [-0.25, 0, 0.25],
    );
    expect(cells).toHaveLength(27);
    expect(Math.abs(worst.spotShock)).toBeCloseTo(0.2, 12);
    expect(worst.volShock).toBe(0.25);
    // independent revaluation of that cell
    const f = 100 * (1 + worst.spotShock);
    const base = black76Price(100, 100, 0.1, 0.5, "call") + black76Price(100, 100, 0.1, 0.5, "put");
    const shocked =
      black76Price(f, 100, 0.1, 0.625, "call") + black76Price(f, 100, 0.1, 0.625, "put");
    expect(worst.loss).toBeCloseTo(shocked - base, 10);
    expect(cells.find((c) => c.spotShock === 0 && c.volShock === 0)!.loss).toBe(0);
  });
});

describe("parameterTargets", () => {
  it("applies each formula to the named metrics", () => {
    const m = [
      { method: "fhs" as const, level: 0.99, horizonDays: 1, var: 0.05, es: 0.0712 },
      { method: "fhs" as const, level: 0.99, horizonDays: 10, var: 0.171, es: 0.2203 },
    ];
    const t = parameterTargets(m, {
      method: "fhs",
      liquidationHorizonDays: 1,
      liquidityAddOn: 0.005,
    });
    expect(Object.fromEntries(t.map((x) => [x.name, Number(x.value.toFixed(6))]))).toEqual({
      "perp.maintenanceMarginFraction": 0.0765, // 0.0762 rounded up to 0.05 %
      "perp.initialMarginFraction": 0.2255, // 0.2253 → 0.2255
      "options.scanRange": 0.18, // 0.171 → 18 %
      "collateral.haircut": 0.0765,
    });
    expect(() =>
      parameterTargets(m, { method: "hs", liquidationHorizonDays: 1, liquidityAddOn: 0 }),
    ).toThrow(/no hs metric/);
  });
});
