// The stored ∪ fetched daily history: append-only, no look-ahead, sorted, revisions counted.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeDailyHistory } from "../../lib/market/history";
import type { DailyPrice } from "../../lib/market/types";

const DAY = 86_400_000;
const dayOf = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * DAY).toISOString().slice(0, 10);
const p = (i: number, price: number, source = "s"): DailyPrice => ({
  day: dayOf(i),
  price,
  source,
});

describe("mergeDailyHistory", () => {
  it("keeps stored days, appends new fetched days, and counts revisions", () => {
    const stored = [p(0, 100, "old"), p(1, 101, "old"), p(2, 102, "old")];
    const fetched = [p(1, 101), p(2, 150), p(3, 103), p(4, 104)];
    const asOf = Date.UTC(2026, 0, 6, 12); // days 0..4 have ended
    const m = mergeDailyHistory(stored, fetched, asOf);
    expect(m.history).toEqual([
      p(0, 100, "old"),
      p(1, 101, "old"),
      p(2, 102, "old"),
      p(3, 103),
      p(4, 104),
    ]);
    expect(m.added).toEqual([p(3, 103), p(4, 104)]);
    expect(m.revisions).toEqual([{ day: dayOf(2), stored: 102, fetched: 150 }]);
  });

  it("never reads a stored day that had not ended at the as-of time", () => {
    const stored = [p(0, 100), p(1, 101), p(2, 102)];
    // As of day 2, 00:00: day 1 has just ended, day 2 has not.
    const m = mergeDailyHistory(stored, [], Date.UTC(2026, 0, 3));
    expect(m.history.map((d) => d.day)).toEqual([dayOf(0), dayOf(1)]);
    // and a day stored by a later run is not appended again
    expect(mergeDailyHistory(stored, [p(2, 102)], Date.UTC(2026, 0, 3)).added).toEqual([]);
  });

  it("is a sorted union with stored precedence (property)", () => {
    const series = fc
      .uniqueArray(fc.integer({ min: 0, max: 60 }))
      .map((days) => days.map((i) => p(i, 100 + i)));
    fc.assert(
      fc.property(series, series, fc.integer({ min: 0, max: 70 }), (stored, fetched, end) => {
        const asOf = Date.UTC(2026, 0, 1) + end * DAY;
        const shuffled = [...fetched].reverse();
        const m = mergeDailyHistory(stored, shuffled, asOf);
        const days = m.history.map((d) => d.day);
        expect([...days].sort()).toEqual(days);
        expect(new Set(days).size).toBe(days.length);
        const storedDays = new Set(stored.map((d) => d.day));
        const visible = stored.filter((d) => Date.parse(d.day) + DAY <= asOf).map((d) => d.day);
        const expected = new Set([...visible, ...fetched.map((d) => d.day)]);
        expect(new Set(days)).toEqual(expected);
        expect(m.added.every((d) => !storedDays.has(d.day))).toBe(true);
        expect(m.added.length).toBe(fetched.filter((d) => !storedDays.has(d.day)).length);
        expect(m.revisions).toEqual([]);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
