import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePriceCsv } from "../../lib/market/priceCsv";
import { dailyLogReturns } from "../../lib/quant/returns";
import { historicalVarEs } from "../../lib/quant/var";

describe("historicalVarEs", () => {
  it("matches the α-tail integral of the empirical distribution (integer tail count)", () => {
    const losses = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    // m = 100 · 0.05 = 5: VaR = the 95th smallest = 95; ES = mean(96..100) = 98
    expect(historicalVarEs(losses, 0.95)).toEqual({ var: 95, es: 98 });
  });
  it("weights the boundary observation for a fractional tail count", () => {
    // n = 10, α = 0.75: ∫ q_u du over (0.75, 1] = 0.05·8 + 0.1·9 + 0.1·10 = 2.3 → ES = 9.2
    const r = historicalVarEs([3, 10, 1, 8, 2, 9, 4, 7, 6, 5], 0.75);
    expect(r.var).toBe(8);
    expect(r.es).toBeCloseTo(9.2, 14);
  });
  it("rejects an empty sample or a level outside (0, 1)", () => {
    expect(() => historicalVarEs([], 0.99)).toThrow(/at least one loss/);
    expect(() => historicalVarEs([1], 1)).toThrow(/level must be in \(0, 1\)/);
  });
  const sample = fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), {
    minLength: 20,
    maxLength: 300,
  });
  it("ES ≥ VaR, both monotone in the level (property)", () => {
    fc.assert(
      fc.property(sample, fc.double({ min: 0.5, max: 0.98, noNaN: true }), (xs, a) => {
        const lo = historicalVarEs(xs, a);
        const hi = historicalVarEs(xs, a + 0.01);
        expect(lo.es).toBeGreaterThanOrEqual(lo.var - 1e-15);
        expect(hi.var).toBeGreaterThanOrEqual(lo.var);
        expect(hi.es).toBeGreaterThanOrEqual(lo.es - 1e-12);
      }),
    );
  });
  it("is positively homogeneous and translation equivariant (property)", () => {
    fc.assert(
      fc.property(
        sample,
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (xs, c, s) => {
          const base = historicalVarEs(xs, 0.99);
          const scaled = historicalVarEs(
            xs.map((x) => c * x + s),
            0.99,
          );
          expect(scaled.var).toBeCloseTo(c * base.var + s, 10);
          expect(scaled.es).toBeCloseTo(c * base.es + s, 10);
        },
      ),
    );
  });
});

describe("dailyLogReturns", () => {
  it("takes returns only between consecutive calendar days and reports gaps", () => {
    const r = dailyLogReturns(
      ["2025-01-14", "2025-01-15", "2025-01-17", "2025-01-18"],
      [100, 110, 99, 99],
    );
    expect(r.dates).toEqual(["2025-01-15", "2025-01-18"]);
    expect(Array.from(r.returns)).toEqual([Math.log(1.1), 0]);
    expect(r.gaps).toEqual([{ from: "2025-01-15", to: "2025-01-17", days: 2 }]);
  });
  it("reports the missing 2025-01-15 in the recorded ETH series", async () => {
    const { readFileSync } = await import("node:fs");
    const s = parsePriceCsv(readFileSync("data/eth_usd_daily_open_2017-2025.csv", "utf8"));
    expect(s.issues).toEqual([]);
    expect(dailyLogReturns(s.dates, s.prices).gaps).toEqual([
      { from: "2025-01-14", to: "2025-01-16", days: 2 },
    ]);
  });
});

describe("parsePriceCsv", () => {
  it("reads each bundled layout: date + price | value | index_usd", async () => {
    const { readFileSync } = await import("node:fs");
    const btc = parsePriceCsv(readFileSync("data/btc_usd_daily_2015-2026.csv", "utf8"));
    expect([btc.dates[0], btc.prices[0], btc.dates.length]).toEqual([
      "2015-01-01",
      314.248992919922,
      4062,
    ]);
    const eth = parsePriceCsv(readFileSync("data/eth_usd_daily_open_2017-2025.csv", "utf8"));
    expect([eth.dates[0], eth.prices[0], eth.dates.length]).toEqual([
      "2017-11-09",
      308.6449890136719,
      2625,
    ]);
    const idx = parsePriceCsv(readFileSync("data/deribit_index_daily_BTC.csv", "utf8"));
    expect([idx.dates[0], idx.prices[0], idx.dates.length]).toEqual([
      "2025-12-30",
      88535.17693037877,
      236,
    ]);
  });
  it("reports bad, duplicate and out-of-order rows instead of using them", () => {
    const s = parsePriceCsv(
      "date,close\n2024-01-01,10\n2024-01-02,abc\n2024-01-02,11\n2024-01-02,12\n2023-12-31,9\nnot-a-date,5\n2024-01-03,-1\n",
    );
    expect(s.dates).toEqual(["2024-01-01", "2024-01-02"]);
    expect(s.issues.map((i) => [i.line, i.reason])).toEqual([
      [3, "bad price 'abc' on 2024-01-02"],
      [5, "duplicate date 2024-01-02"],
      [6, "out-of-order date 2023-12-31"],
      [7, "bad date 'not-a-date'"],
      [8, "bad price '-1' on 2024-01-03"],
    ]);
  });
  it("names the problem when no price column can be found", () => {
    expect(() => parsePriceCsv("when,a,b\n2024-01-01,x,y\n")).toThrow(/no date and price columns/);
  });
});
