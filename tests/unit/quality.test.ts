// cleanSnapshot on hand-built quotes (one reason at a time), its report, an invariant checked on
// random chains, and the seeded simulator's determinism.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cleanSnapshot,
  QUALITY_REASONS,
  type QualityInput,
  type TimedOptionQuote,
} from "../../lib/market/quality";
import { expiriesAfter, niceStep, Rng, SimulatorSource } from "../../lib/market/simulator";
import { black76Price } from "../../lib/quant/black76";

const NOW = Date.parse("2026-03-01T10:00:00Z");
const F = 100_000;
const EXPIRY = Date.parse("2026-03-27T08:00:00Z");
const T = (EXPIRY - NOW) / (365 * 86_400_000);

/** A two-sided quote at `vol`, ±`half` around the Black-76 coin price. */
function quote(
  strike: number,
  type: "call" | "put" = strike >= F ? "call" : "put",
  vol = 0.6,
  half = 0.02,
  over: Partial<TimedOptionQuote> = {},
): TimedOptionQuote {
  const coin = black76Price(F, strike, T, vol, type) / F;
  return {
    instrument: `BTC-27MAR26-${strike}-${type === "call" ? "C" : "P"}`,
    expiry: EXPIRY,
    strike,
    type,
    bid: coin * (1 - half),
    ask: coin * (1 + half),
    mark: coin,
    markIv: vol,
    forward: F,
    openInterest: 1,
    quotedAt: NOW - 1000,
    ...over,
  };
}

function snap(options: TimedOptionQuote[], over: Partial<QualityInput> = {}): QualityInput {
  return {
    market: "deribit:BTC",
    source: "test",
    capturedAt: NOW,
    indexPrice: F,
    options,
    ...over,
  };
}

/** A smooth smile: 15 strikes, OTM side, 60 % flat. */
const smile = () =>
  Array.from({ length: 15 }, (_, i) => quote(72_000 + i * 4000)).map((q) => ({ ...q }));

const onlyReason = (q: TimedOptionQuote, over: Partial<QualityInput> = {}) => {
  const { clean, report } = cleanSnapshot(snap([q], over), { now: NOW });
  expect(clean).toEqual([]);
  const reasons = Object.entries(report.dropped).filter(([, n]) => n > 0);
  expect(reasons).toHaveLength(1);
  return reasons[0][0];
};

describe("cleanSnapshot: one reason at a time", () => {
  it("keeps a healthy smile whole", () => {
    const { clean, report } = cleanSnapshot(snap(smile()), { now: NOW });
    expect(clean).toHaveLength(15);
    expect(report.quotes).toEqual({ total: 15, usable: 15, dropped: 0 });
    expect(Object.keys(report.dropped)).toEqual([...QUALITY_REASONS]);
  });

  it("drops each bad quote for its reason", () => {
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { bid: 0 }))).toBe("zero bid");
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { ask: null }))).toBe("one-sided");
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { bid: null, ask: null }))).toBe(
      "one-sided",
    );
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { bid: 0.08, ask: 0.07 }))).toBe(
      "crossed or locked",
    );
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { bid: 0.07, ask: 0.07 }))).toBe(
      "crossed or locked",
    );
    expect(
      onlyReason(quote(100_000, "call", 0.6, 0.02, { bid: 0.01, ask: 0.05, mark: 0.03 })),
    ).toBe("wide spread");
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { mark: 0.2 }))).toBe("mark outside band");
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { quotedAt: NOW - 10 * 60_000 }))).toBe(
      "stale",
    );
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { expiry: NOW - 1 }))).toBe(
      "invalid or expired",
    );
    expect(onlyReason(quote(100_000, "call", 0.6, 0.02, { forward: NaN }))).toBe(
      "invalid or expired",
    );
  });

  it("applies the inverse-option no-arbitrage bounds in coin", () => {
    // ITM call K/F = 0.8: lower bound 1 − 0.8 = 0.2; an ask below it is an arbitrage
    expect(
      onlyReason(quote(80_000, "call", 0.6, 0.02, { bid: 0.18, ask: 0.19, mark: 0.185 })),
    ).toBe("outside no-arbitrage bounds");
    // a call costs less than one coin
    expect(onlyReason(quote(20_000, "call", 0.6, 0.02, { bid: 0.999, ask: 1.01, mark: 1 }))).toBe(
      "outside no-arbitrage bounds",
    );
    // ITM put K/F = 1.2: in [0.2, 1.2)
    expect(
      onlyReason(quote(120_000, "put", 0.6, 0.02, { bid: 0.15, ask: 0.16, mark: 0.155 })),
    ).toBe("outside no-arbitrage bounds");
    expect(onlyReason(quote(120_000, "put", 0.6, 0.02, { bid: 1.2, ask: 1.21, mark: 1.205 }))).toBe(
      "outside no-arbitrage bounds",
    );
    // exactly at the bounds' inside edges: kept (a deep ITM bid below intrinsic is no arbitrage)
    const ok = quote(80_000, "call", 0.6, 0.02, { bid: 0.15, ask: 0.26, mark: 0.205 });
    expect(cleanSnapshot(snap([...smile(), ok]), { now: NOW, maxRelSpread: 2 }).clean).toContain(
      ok,
    );
  });

  it("checks reasons in order: a stale crossed quote counts as stale", () => {
    expect(
      onlyReason(quote(100_000, "call", 0.6, 0.02, { bid: 0.08, ask: 0.07, quotedAt: 0 })),
    ).toBe("stale");
  });

  it("flags a mid IV far from its neighbours, unless its bid-ask band reaches them", () => {
    const chain = smile();
    chain[7] = quote(chain[7].strike, chain[7].type, 1.2); // 120 % among 60 %
    chain[3] = quote(chain[3].strike, chain[3].type, 0.62); // a little off: kept
    const { clean, report } = cleanSnapshot(snap(chain), { now: NOW });
    expect(report.dropped.outlier).toBe(1);
    expect(report.examples.outlier).toEqual([chain[7].instrument]);
    expect(clean).toHaveLength(14);
    // the same mid with a band wide enough to include 60 % is not an outlier
    const wide = smile();
    const bad = quote(wide[7].strike, wide[7].type, 1.2);
    const fair = quote(wide[7].strike, wide[7].type, 0.6);
    wide[7] = { ...bad, bid: fair.bid! * 0.9, mark: bad.mark };
    const r2 = cleanSnapshot(snap(wide), { now: NOW, maxRelSpread: 10 });
    expect(r2.report.dropped.outlier).toBe(0);
  });
});

describe("the data-quality report", () => {
  it("reports coverage per expiry, age, staleness and the index move during capture", () => {
    const near = Date.parse("2026-03-06T08:00:00Z");
    const chain = [
      ...smile(),
      { ...quote(100_000), instrument: "BTC-6MAR26-100000-C", expiry: near },
      { ...quote(100_000), instrument: "BTC-6MAR26-104000-C", expiry: near, ask: null },
    ];
    const capture = {
      startedAt: NOW,
      finishedAt: NOW + 4000,
      indexAtStart: F,
      indexAtEnd: F * 1.02,
    };
    const { report } = cleanSnapshot(snap(chain, { capture }), { now: NOW + 60_000 });
    expect(report.dataAgeMs).toBe(60_000);
    expect(report.stale).toBe(false);
    expect(report.expiries.map((e) => [e.expiryIso, e.total, e.usable])).toEqual([
      ["2026-03-06T08:00:00.000Z", 2, 1],
      ["2026-03-27T08:00:00.000Z", 15, 15],
    ]);
    expect(report.expiries[0].days).toBeCloseTo((near - NOW) / 86_400_000, 12);
    expect(report.usableExpiries).toBe(2);
    expect(report.quoteAge).toEqual({ known: 17, medianMs: 61_000, maxMs: 61_000 });
    expect(report.indexMove).toMatchObject({ from: F, to: F * 1.02, durationMs: 4000 });
    expect(report.indexMove!.relative).toBeCloseTo(0.02, 12);
    expect(report.warnings).toEqual(["index moved 2.00 % during capture (limit 1.00 %)"]);
  });

  it("flags an old snapshot as stale and drops all its quotes", () => {
    const { clean, report } = cleanSnapshot(snap(smile()), { now: NOW + 30 * 3_600_000 });
    expect(clean).toEqual([]);
    expect(report.stale).toBe(true);
    expect(report.dropped.stale).toBe(15);
    expect(report.warnings[0]).toBe("snapshot is 30.0 h old (limit 24.0 h)");
    // a larger limit accepts it
    expect(
      cleanSnapshot(snap(smile()), { now: NOW + 30 * 3_600_000, maxAgeMs: 48 * 3_600_000 }).clean,
    ).toHaveLength(15);
  });

  it("accounts for every quote exactly once on random chains", () => {
    const q = fc.record({
      strike: fc.integer({ min: 20, max: 300 }).map((k) => k * 1000),
      call: fc.boolean(),
      bid: fc.option(fc.double({ min: 0, max: 1.5, noNaN: true }), { nil: null }),
      ask: fc.option(fc.double({ min: 0, max: 1.5, noNaN: true }), { nil: null }),
      mark: fc.option(fc.double({ min: 0, max: 1.5, noNaN: true }), { nil: null }),
      lag: fc.integer({ min: 0, max: 600_000 }),
    });
    fc.assert(
      fc.property(fc.array(q, { maxLength: 60 }), (rows) => {
        const options = rows.map((r, i) => ({
          ...quote(r.strike, r.call ? "call" : "put"),
          instrument: `q${i}`,
          bid: r.bid,
          ask: r.ask,
          mark: r.mark,
          quotedAt: NOW - r.lag,
        }));
        const { clean, report } = cleanSnapshot(snap(options), { now: NOW });
        const dropped = Object.values(report.dropped).reduce((a, b) => a + b, 0);
        expect(report.quotes.usable + dropped).toBe(options.length);
        expect(clean.length).toBe(report.quotes.usable);
        for (const c of clean) {
          expect(c.bid! > 0 && c.ask! > c.bid!).toBe(true);
          const kf = c.strike / c.forward;
          const mid = (c.bid! + c.ask!) / 2;
          if (c.type === "call") expect(mid >= Math.max(0, 1 - kf) && mid < 1).toBe(true);
          else expect(mid >= Math.max(0, kf - 1) && mid < kf).toBe(true);
        }
        // order preserved
        const idx = clean.map((c) => options.indexOf(c as (typeof options)[number]));
        expect([...idx].sort((a, b) => a - b)).toEqual(idx);
      }),
      { numRuns: 200, seed: 4 },
    );
  });
});

describe("SimulatorSource", () => {
  const at = Date.parse("2025-06-03T09:30:00Z");

  it("is deterministic: same seed, same snapshot and prices, whatever the query order", async () => {
    const a = new SimulatorSource({ seed: 42 });
    const b = new SimulatorSource({ seed: 42 });
    await b.snapshotAsOf("deribit:ETH", at + 86_400_000); // another market and time first
    const sa = await a.snapshotAsOf("deribit:BTC", at);
    const sb = await b.snapshotAsOf("deribit:BTC", at);
    expect(sb).toEqual(sa);
    expect(await b.dailyPricesAsOf("deribit:BTC", at)).toEqual(
      await a.dailyPricesAsOf("deribit:BTC", at),
    );
    const other = await new SimulatorSource({ seed: 43 }).snapshotAsOf("deribit:BTC", at);
    expect(other!.indexPrice).not.toBe(sa!.indexPrice);
    // Every seed its own path (single-digit seeds once collided in the seed hash).
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const spots = await Promise.all(
      seeds.map(
        async (seed) =>
          (await new SimulatorSource({ seed }).snapshotAsOf("deribit:ETH", at))!.indexPrice,
      ),
    );
    expect(new Set(spots).size).toBe(11);
  });

  it("has as-of semantics on an hourly grid and produces Deribit-like clean chains", async () => {
    const sim = new SimulatorSource({ seed: 42 });
    expect(await sim.snapshotAsOf("deribit:BTC", Date.parse("2024-12-31T23:00:00Z"))).toBeNull();
    expect(await sim.snapshotAsOf("deribit:SOL", at)).toBeNull();
    const s = (await sim.snapshotAsOf("deribit:BTC", at))!;
    expect(s.capturedAt).toBe(Date.parse("2025-06-03T09:00:00Z"));
    expect(new Set(s.options.map((o) => new Date(o.expiry).getUTCHours()))).toEqual(new Set([8]));
    expect(s.options.every((o) => o.expiry > s.capturedAt)).toBe(true);
    const { report } = cleanSnapshot(s, { now: at });
    expect(report.usableExpiries).toBeGreaterThanOrEqual(10);
    expect(report.quotes.usable / report.quotes.total).toBeGreaterThan(0.9);
    expect(report.dropped["crossed or locked"] + report.dropped.outlier).toBe(0);
    const daily = await sim.dailyPricesAsOf("deribit:BTC", at);
    expect(daily[0].day).toBe("2025-01-01");
    expect(daily.at(-1)!.day).toBe("2025-06-02");
  });

  it("switches regimes and fattens the tails", async () => {
    const sim = new SimulatorSource({ seed: 42, days: 730 });
    const regimes = new Set<string>();
    for (let d = 0; d < 730; d += 5) {
      regimes.add(
        sim.regimeAt("deribit:BTC", Date.parse("2025-01-01T00:00:00Z") + d * 86_400_000)!,
      );
    }
    expect(regimes).toEqual(new Set(["calm", "stressed"]));
    const p = (await sim.dailyPricesAsOf("deribit:BTC", Date.parse("2027-01-01T00:00:00Z"))).map(
      (d) => d.price,
    );
    const r = p.slice(1).map((x, i) => Math.log(x / p[i]));
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
    const kurt = r.reduce((a, b) => a + (b - m) ** 4, 0) / r.length / (v * v);
    expect(kurt).toBeGreaterThan(4); // a normal has 3
  });

  it("injects the faults it is asked for, and cleaning catches them", async () => {
    const sim = new SimulatorSource({ seed: 9, faults: { crossed: 0.05, outlier: 0.05 } });
    const s = (await sim.snapshotAsOf("deribit:BTC", at))!;
    const { report } = cleanSnapshot(s, { now: at });
    expect(report.dropped["crossed or locked"]).toBeGreaterThan(10);
    expect(report.dropped.outlier + report.dropped["outside no-arbitrage bounds"]).toBeGreaterThan(
      5,
    );
  });

  it("rounds strike steps Deribit-like, following the price", () => {
    expect([90_000, 3000, 947, 206_790, 150].map((s) => niceStep(s * 0.0125))).toEqual([
      1000, 50, 10, 2500, 2,
    ]);
  });

  it("lists Deribit-like expiries and has a reproducible RNG", () => {
    const e = expiriesAfter(Date.parse("2025-06-03T09:00:00Z")).map((t) =>
      new Date(t).toISOString().slice(0, 10),
    );
    expect(e.slice(0, 4)).toEqual(["2025-06-04", "2025-06-05", "2025-06-06", "2025-06-13"]);
    expect(e).toContain("2025-06-27"); // last Friday of June
    expect(e).toContain("2025-12-26"); // a quarterly
    const a = new Rng(1);
    const b = new Rng(1);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
  });
});
