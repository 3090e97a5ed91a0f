import { describe, expect, it } from "vitest";
import { atmVolFromSmile, constantMaturityAtmVol } from "../../lib/quant/atm";

describe("atmVolFromSmile", () => {
  it("interpolates linearly in log-moneyness across the forward", () => {
    // k = −0.1 → 0.60, k = +0.3 → 0.40: at k = 0 the weight is 0.25 → 0.55
    expect(
      atmVolFromSmile([
        { k: -0.2, iv: 0.7 },
        { k: -0.1, iv: 0.6 },
        { k: 0.3, iv: 0.4 },
      ]),
    ).toBeCloseTo(0.55, 15);
  });
  it("is NaN when the smile does not straddle the forward", () => {
    expect(
      atmVolFromSmile([
        { k: 0.1, iv: 0.5 },
        { k: 0.2, iv: 0.5 },
      ]),
    ).toBeNaN();
  });
});

describe("constantMaturityAtmVol", () => {
  it("interpolates total variance linearly in time", () => {
    // w(0.1) = 0.25·0.1 = 0.025, w(0.3) = 0.16·0.3 = 0.048; at 0.2: 0.0365 → σ = √0.1825
    const v = constantMaturityAtmVol(
      [
        { t: 0.1, atmVol: 0.5 },
        { t: 0.3, atmVol: 0.4 },
      ],
      0.2,
    );
    expect(v).toBeCloseTo(Math.sqrt(0.1825), 14);
  });
  it("is flat beyond the ends and skips missing slices", () => {
    const s = [
      { t: 0.1, atmVol: 0.5 },
      { t: 0.2, atmVol: NaN },
      { t: 0.3, atmVol: 0.4 },
    ];
    expect(constantMaturityAtmVol(s, 0.01)).toBe(0.5);
    expect(constantMaturityAtmVol(s, 1)).toBe(0.4);
  });
});
