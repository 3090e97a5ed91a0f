// A quote whose price cannot be inverted is dropped with its reason: it never becomes a vol (of 0
// or anything else) in the chain, the surface input or the stress grid.
import { describe, expect, it } from "vitest";
import { chainImpliedVols } from "../../lib/market/impliedVols";
import type { OptionQuote, Snapshot } from "../../lib/market/types";

const DAY = 86_400_000;
const now = Date.UTC(2026, 2, 4, 10);
const quote = (strike: number, bid: number, ask: number, type: "call" | "put"): OptionQuote => ({
  instrument: `BTC-${strike}-${type}`,
  expiry: now + 30 * DAY,
  strike,
  type,
  bid,
  ask,
  mark: (bid + ask) / 2,
  markIv: 0.5,
  forward: 100_000,
  openInterest: null,
});

describe("chainImpliedVols", () => {
  it("drops quotes whose bid or ask is above the no-arbitrage bound, naming the side", () => {
    const snap: Snapshot = {
      market: "deribit:BTC",
      source: "test",
      capturedAt: now,
      indexPrice: 100_000,
      options: [
        quote(110_000, 0.02, 0.021, "call"), // fine: 2 % of the forward for a 10 % OTM call
        // an OTM call is worth less than the forward (1 coin): 1.2 coin is not a Black price
        quote(120_000, 0.02, 1.2, "call"),
        quote(130_000, 1.1, 1.2, "call"),
        // an OTM put is worth less than its strike: 0.95 coin × F > K
        quote(90_000, 0.95, 0.96, "put"),
      ],
    };
    const ivs = chainImpliedVols(snap, 1);
    expect(ivs.used).toBe(1);
    expect(ivs.dropped).toEqual({ "ask IV not attainable": 1, "bid IV not attainable": 2 });
    const points = ivs.expiries.flatMap((e) => e.points);
    expect(points.map((p) => p.strike)).toEqual([110_000]);
    for (const p of points) {
      for (const v of [p.bidIv, p.askIv, p.midIv]) expect(v).toBeGreaterThan(0);
    }
  });
});
