// The API's risk series (db/queries/api.ts riskSeries) against a reference written here from its
// definition: every run's point, or each UTC day's last point per method, filtered, newest
// `limit` kept in as-of order; without a resolution, daily beyond 31 days of span.
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { riskSeries, type RiskFilter } from "../../db/queries/api";
import { riskMetrics, runs } from "../../db/schema";
import { testDatabases } from "../helpers/db";

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 0, 1);
const METHODS = ["hs", "ewma", "garch-t", "fhs", "evt"] as const;

interface Row {
  runId: number;
  market: string;
  asOf: number;
  method: string;
  level: number;
  horizon: number;
  var: number;
}

/** A time: a day of the span and, often, a day's first or last minute or millisecond. */
const time = fc
  .tuple(
    fc.integer({ min: 0, max: 80 }),
    fc.oneof(
      fc.constant(0),
      fc.constant(DAY - 1),
      fc.constant(DAY - 60_000),
      fc.integer({ min: 0, max: DAY - 1 }),
    ),
  )
  .map(([d, ms]) => BASE + d * DAY + ms);

const runSpec = fc.record({
  asOf: time,
  market: fc.constantFrom("deribit:BTC", "deribit:BTC", "deribit:ETH"),
  methods: fc.subarray([...METHODS], { minLength: 0 }),
  level: fc.constantFrom(0.99, 0.975),
  horizon: fc.constantFrom(1, 10),
});

type RunSpec = typeof runSpec extends fc.Arbitrary<infer T> ? T : never;

const filterSpec = fc.record({
  method: fc.option(fc.constantFrom(...METHODS), { nil: undefined }),
  level: fc.constantFrom(0.99, 0.975),
  horizon: fc.constantFrom(1, 10),
  from: fc.option(time, { nil: undefined }),
  to: fc.option(time, { nil: undefined }),
  resolution: fc.option(fc.constantFrom("run" as const, "day" as const), { nil: undefined }),
  limit: fc.integer({ min: 1, max: 60 }),
});

// Newest first; within a run, methods in reverse so that the oldest-first series lists them in order.
const byNewest = (a: Row, b: Row) =>
  b.asOf - a.asOf || b.runId - a.runId || (a.method < b.method ? 1 : a.method > b.method ? -1 : 0);

function reference(
  all: Row[],
  runTimes: number[],
  f: Omit<RiskFilter, "from" | "to"> & { from?: number; to?: number },
  limit: number,
) {
  const lo = f.from ?? Math.min(...runTimes);
  const hi = f.to ?? Math.max(...runTimes);
  const resolution = f.resolution ?? ((hi - lo) / DAY > 31 ? "day" : "run");
  let rows = all.filter(
    (r) =>
      r.market === "deribit:BTC" &&
      r.level === f.level &&
      r.horizon === f.horizon &&
      (!f.method || r.method === f.method) &&
      (f.from === undefined || r.asOf >= f.from) &&
      (f.to === undefined || r.asOf <= f.to),
  );
  if (resolution === "day") {
    const last = new Map<string, Row>();
    for (const r of rows) {
      const key = `${Math.floor(r.asOf / DAY)}|${r.method}`;
      const held = last.get(key);
      if (!held || byNewest(r, held) < 0) last.set(key, r);
    }
    rows = [...last.values()];
  }
  rows.sort(byNewest);
  return {
    resolution,
    truncated: rows.length > limit,
    series: rows
      .slice(0, limit)
      .reverse()
      .map((r) => [r.runId, new Date(r.asOf).toISOString(), r.method, r.var]),
  };
}

describe.each(testDatabases)("the API risk series on $name", ({ open }) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await open();
  }, 60_000);
  afterAll(() => h.close());

  async function store(specs: RunSpec[]): Promise<{ rows: Row[]; runTimes: number[] }> {
    await h.db.delete(runs);
    const rows: Row[] = [];
    const runTimes: number[] = [];
    for (const [i, s] of specs.entries()) {
      const [run] = await h.db
        .insert(runs)
        .values({
          runKey: `risk-series-${i}`,
          job: "test",
          slot: new Date(s.asOf),
          asOf: new Date(s.asOf),
          trigger: "cli",
          status: "succeeded",
          codeVersion: "test",
          configHash: "test",
          config: {},
        })
        .returning({ id: runs.id });
      runTimes.push(s.asOf);
      for (const [k, method] of s.methods.entries()) {
        const row: Row = {
          runId: run.id,
          market: s.market,
          asOf: s.asOf,
          method,
          level: s.level,
          horizon: s.horizon,
          var: 0.01 + i / 1000 + k / 1e6,
        };
        rows.push(row);
        await h.db.insert(riskMetrics).values({
          runId: run.id,
          marketId: s.market,
          asOf: new Date(s.asOf),
          method,
          level: s.level,
          horizonDays: s.horizon,
          var: row.var,
          es: row.var * 1.2,
          sampleSize: 500,
          windowFrom: "2025-01-01",
          windowTo: "2025-12-31",
          details: { worseSide: "short" },
        });
      }
    }
    return { rows, runTimes };
  }

  it("keeps every run's point or each UTC day's last one, filtered and cut to the newest (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(runSpec, { minLength: 1, maxLength: 30 }),
        filterSpec,
        async (specs, f) => {
          const { rows, runTimes } = await store(specs);
          const iso = (t?: number) => (t === undefined ? undefined : new Date(t).toISOString());
          const got = await riskSeries(
            h.db,
            "deribit:BTC",
            { ...f, from: iso(f.from), to: iso(f.to) },
            f.limit,
          );
          const want = reference(rows, runTimes, f, f.limit);
          expect({
            resolution: got.resolution,
            truncated: got.truncated,
            series: got.series.map((p) => [p.runId, p.asOf, p.method, p.var]),
          }).toEqual(want);
        },
      ),
      {
        numRuns: 40,
        examples: [
          // Two runs a minute apart across midnight, a span of 40 days: two days, two points.
          [
            [
              {
                asOf: BASE + DAY - 60_000,
                market: "deribit:BTC",
                methods: ["hs"],
                level: 0.99,
                horizon: 1,
              },
              { asOf: BASE + DAY, market: "deribit:BTC", methods: ["hs"], level: 0.99, horizon: 1 },
              {
                asOf: BASE + DAY + 1,
                market: "deribit:BTC",
                methods: ["hs"],
                level: 0.99,
                horizon: 1,
              },
              {
                asOf: BASE + 40 * DAY,
                market: "deribit:ETH",
                methods: ["hs"],
                level: 0.99,
                horizon: 1,
              },
            ],
            {
              method: "hs",
              level: 0.99,
              horizon: 1,
              from: undefined,
              to: undefined,
              resolution: undefined,
              limit: 10,
            },
          ],
        ],
      },
    );
  }, 600_000);

  it("a year of hourly runs is served daily by default, every run when asked", async () => {
    await h.db.delete(runs);
    // 366 days of 24 runs, as the benchmark's year: 8,784 points of hs.
    await h.db.execute(sql`
      insert into runs (run_key, job, slot, as_of, trigger, status, code_version, config_hash, config)
      select 'year-' || k, 'test', t, t, 'cli', 'succeeded', 'test', 'test', '{}'::jsonb
      from generate_series(0, 366 * 24 - 1) k,
        lateral (select ${new Date(BASE).toISOString()}::timestamptz + k * interval '1 hour' t) x`);
    await h.db.execute(sql`
      insert into risk_metrics (run_id, market_id, as_of, method, level, horizon_days, var, es,
        sample_size, window_from, window_to, details)
      select id, 'deribit:BTC', as_of, 'hs', 0.99, 1, 0.02, 0.025, 500, '2025-01-01', '2025-12-31',
        '{"worseSide":"long"}'::jsonb
      from runs`);
    const q = { method: "hs", level: 0.99, horizon: 1 };
    const daily = await riskSeries(h.db, "deribit:BTC", q, 20_000);
    expect(daily.resolution).toBe("day");
    expect(daily.series.length).toBe(366);
    // each day's last hourly run is at 23:00 UTC
    expect(daily.series.every((p) => p.asOf.slice(11) === "23:00:00.000Z")).toBe(true);
    const every = await riskSeries(h.db, "deribit:BTC", { ...q, resolution: "run" }, 20_000);
    expect(every.resolution).toBe("run");
    expect(every.series.length).toBe(366 * 24);
    const month = await riskSeries(
      h.db,
      "deribit:BTC",
      { ...q, from: new Date(BASE).toISOString(), to: new Date(BASE + 31 * DAY).toISOString() },
      20_000,
    );
    expect(month.resolution).toBe("run");
    expect(month.series.length).toBe(31 * 24 + 1);
    // One hour more than 31 days is daily: 32 calendar days touched, each day's last run.
    const longer = await riskSeries(
      h.db,
      "deribit:BTC",
      {
        ...q,
        from: new Date(BASE).toISOString(),
        to: new Date(BASE + 31 * DAY + 3_600_000).toISOString(),
      },
      20_000,
    );
    expect(longer.resolution).toBe("day");
    expect(longer.series.map((p) => p.asOf.slice(11, 13))).toEqual([
      ...Array<string>(31).fill("23"),
      "01",
    ]);
  }, 600_000);
});
