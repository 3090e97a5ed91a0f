import { describe, expect, it } from "vitest";
import { fundingSample, recordedFunding } from "../../lib/market/funding";

describe("recorded funding", () => {
  it("reads Binance's UTC+03:00 times as UTC funding times (00, 08, 16 h)", () => {
    const btc = recordedFunding("BTC");
    expect(btc).toHaveLength(4383);
    expect(new Date(btc[0].time).toISOString()).toBe("2020-01-01T00:00:00.000Z");
    expect(new Date(btc[2].time).toISOString()).toBe("2020-01-01T16:00:00.000Z");
    // the first UTC day's mean is the daily mean the other bundled source reports (SOURCES.md C2)
    expect((btc[0].rate + btc[1].rate + btc[2].rate) / 3).toBeCloseTo(-1.1469e-4, 8);
    expect(recordedFunding("XRP")).toEqual([]);
  });

  it("takes the lookback back from the newest observation and appends the live ticker's funding", () => {
    const at = Date.parse("2024-01-01T00:00:00Z");
    const s = fundingSample("BTC", at, 30, { time: at, rate: 0.01 });
    // (2023-12-02 00:00, 2024-01-01 00:00]: 30 days × 3 − the excluded 12-02 00:00, + the live one
    expect(s.rates).toHaveLength(90);
    expect(s.rates.at(-1)).toBe(0.01);
    expect(s.rates.at(-2)).toBe(0.00033597);
    expect(s).toMatchObject({ from: "2023-12-02", to: "2024-01-01", ageDays: 0 });
    expect(s.sources).toEqual(["binance-8h BTC-USDT", "deribit perpetual ticker (funding_8h)"]);
    // a record ending long before the run still gives a sample, and says how old it is
    const late = fundingSample("BTC", Date.parse("2026-08-19T12:00:00Z"), 1095);
    expect(late.to).toBe("2023-12-31");
    expect(late.ageDays).toBeGreaterThan(960);
    expect(fundingSample("XRP", at, 30).rates).toEqual([]);
  });
});
