import { describe, expect, it } from "vitest";
import { black76Price } from "../../lib/quant/black76";
import { shockGrid, spotShockLadder, worstMoves } from "../../lib/quant/stress";

describe("worstMoves", () => {
  it("finds the worst h-day fall and rise over consecutive days, as simple-return losses, skipping gaps", () => {
    const dates = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05", "2024-01-06"];
    const r = [-0.05, 0.01, -0.02, -0.1, -0.1];
    const [long1, short1, long2, short2] = worstMoves(dates, r, [1, 2]);
    // long: the −10 % log move of 01-05 (first of two equal ones) loses 1 − e^−0.1 of notional
    expect(long1).toMatchObject({ horizon: 1, side: "long", from: "2024-01-05", to: "2024-01-05" });
    expect(long1.loss).toBeCloseTo(1 - Math.exp(-0.1), 15);
    // short: the only rise, +1 % on 01-02, loses e^0.01 − 1
    expect(short1).toMatchObject({
      horizon: 1,
      side: "short",
      from: "2024-01-02",
      to: "2024-01-02",
    });
    expect(short1.loss).toBeCloseTo(Math.exp(0.01) - 1, 15);
    // 01-05 + 01-06 = −0.2; 01-03 + 01-05 spans a gap and is not a 2-day move
    expect(long2).toMatchObject({ horizon: 2, side: "long", from: "2024-01-05", to: "2024-01-06" });
    expect(long2.loss).toBeCloseTo(1 - Math.exp(-0.2), 15);
    // the best 2-day window for a short is 01-02..01-03 (−0.01): a gain, i.e. a negative loss
    expect(short2).toMatchObject({
      horizon: 2,
      side: "short",
      from: "2024-01-02",
      to: "2024-01-03",
    });
    expect(short2.loss).toBeCloseTo(Math.exp(-0.01) - 1, 15);
  });
});

describe("shockGrid", () => {
  it("revalues a short straddle on a flat surface: the worst cell is the largest spot move with vol up", () => {
    const pos = [
      { quantity: -1, strike: 100, t: 0.1, forward: 100, type: "call" as const },
      { quantity: -1, strike: 100, t: 0.1, forward: 100, type: "put" as const },
    ];
    const {
      cells,
      worst: w,
      dropped,
    } = shockGrid(pos, () => 0.5, spotShockLadder(0.05, 0.2), [-0.25, 0, 0.25]);
    expect(dropped).toEqual([]);
    const worst = w!;
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

describe("shockGrid with a surface that cannot price everywhere", () => {
  const pos = [{ quantity: -1, strike: 100, t: 0.1, forward: 100, type: "call" as const }];
  it("drops the cells where the surface has no vol, with the reason, instead of pricing at vol 0", () => {
    // no vol for k = ln(100/F′) < −0.1, i.e. spot shocks above e^0.1 − 1 ≈ +10.5 %
    const volAt = (k: number) => (k < -0.1 ? NaN : 0.5);
    const { cells, dropped, worst } = shockGrid(pos, volAt, spotShockLadder(0.05, 0.2), [0]);
    expect(dropped.map((d) => d.spotShock)).toEqual([0.15, 0.2]);
    for (const d of dropped) expect(d.reason).toMatch(/no implied vol at k = -0\.1/);
    expect(cells.map((c) => c.spotShock)).toEqual([-0.2, -0.15, -0.1, -0.05, 0, 0.05, 0.1]);
    // the worst priced cell is the largest rise still priced, never a cell at vol 0
    expect(worst!.spotShock).toBe(0.1);
  });
  it("prices nothing when the base cell cannot be priced", () => {
    for (const bad of [0, NaN, -0.1, Infinity]) {
      const { cells, dropped, worst } = shockGrid(pos, () => bad, [0, 0.1], [0]);
      expect(cells).toEqual([]);
      expect(dropped).toHaveLength(2);
      expect(worst).toBeNull();
    }
  });
});
