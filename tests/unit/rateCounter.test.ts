// The public API's rate counter against an exact shared store (what the Postgres upsert does):
// one instance decides exactly; several instances together over-admit by less than half the limit
// per other instance, and only until their counts are written through; nothing is ever lost.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RateCounter } from "../../lib/api/rateLimit";

function store() {
  const counts = new Map<string, number>();
  let writes = 0;
  const flush = async (client: string, n: number) => {
    writes++;
    const count = (counts.get(client) ?? 0) + n;
    counts.set(client, count);
    return { count, resetSeconds: 60 };
  };
  return { counts, flush, writes: () => writes };
}

/** A short write-through lag, so the tests can wait it out on the real clock. */
const LAG_MS = 5;
const settle = () => new Promise((done) => setTimeout(done, 4 * LAG_MS));

describe("RateCounter", () => {
  it("one instance sees the exact count of every request, so the (limit+1)-th is the first refused", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 400 }),
        async (limit, n) => {
          const s = store();
          const c = new RateCounter(s.flush, limit, LAG_MS);
          for (let i = 1; i <= n; i++) expect((await c.count("a", 0)).count).toBe(i);
          await settle();
          expect(s.counts.get("a")).toBe(n); // everything written through
        },
      ),
      { numRuns: 60 },
    );
  });

  it("writes through far fewer times than it counts below half the limit", async () => {
    const s = store();
    const c = new RateCounter(s.flush, 1_000_000);
    for (let i = 0; i < 5_000; i++) await c.count("bench", 0);
    expect(s.writes()).toBe(1); // the window's first request; the rest within the same instant
    for (let i = 0; i < 5; i++) await c.count("bench", 1_000 * (i + 1));
    expect(s.writes()).toBe(6); // then once a second
  });

  it("several instances admit at most limit + (instances − 1)·limit/2 before writing through, and never lose a count", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 300 }),
        async (limit, who) => {
          const s = store();
          const instances = [0, 1, 2].map(() => new RateCounter(s.flush, limit, LAG_MS));
          let admitted = 0;
          for (const i of who) if ((await instances[i].count("a", 0)).count <= limit) admitted++;
          expect(admitted).toBeLessThanOrEqual(limit + 2 * Math.ceil(limit / 2));
          if (who.length <= limit) expect(admitted).toBe(who.length); // never refuses early
          await settle();
          expect(s.counts.get("a")).toBe(who.length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("a new window starts from the store's count again", async () => {
    const s = store();
    const c = new RateCounter(s.flush, 4);
    for (let i = 0; i < 5; i++) await c.count("a", 0);
    expect((await c.count("a", 0)).count).toBe(6);
    s.counts.clear(); // the database opened a new window
    expect((await c.count("a", 61_000)).count).toBe(1);
  });
});
