// Upgrading a populated database: a database migrated to 0004 (before sources were kept apart,
// leases and the as-of series index) and holding rows as that schema stored them is migrated to
// the latest; the backfilled columns are checked against what the old rows say, and the current
// pipeline and read models then work on it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_DIR, migrateDb, openDb, type DbHandle } from "../../db/client";
import { riskSeries } from "../../db/queries/api";
import { listRuns, marketHistory } from "../../db/queries/views";
import { DEFAULT_CONFIG } from "../../lib/config";
import { replaySource } from "../../lib/market/sources";
import { executeRun } from "../../lib/pipeline/run";
import { createDatabase, dropDatabase, queryDb } from "../helpers/app";

const serverUrl = process.env.DATABASE_URL;
const LAST_OLD = "0004_api_rate_limits";

describe.skipIf(!serverUrl)("upgrading a populated database from 0004 to the latest", () => {
  const name = `vigil_upgrade_${process.pid}`;
  let url: string;
  let h: DbHandle;
  let old: string;
  const q = <T>(text: string, values: unknown[] = []) => queryDb<T>(url, text, values);

  beforeAll(async () => {
    url = await createDatabase(serverUrl!, name);
    // The migrations as they stood at 0004: the same files, the journal cut after it.
    old = mkdtempSync(join(tmpdir(), "vigil-migrations-"));
    cpSync(MIGRATIONS_DIR, old, { recursive: true });
    const journal = JSON.parse(readFileSync(join(old, "meta/_journal.json"), "utf8"));
    const cut = journal.entries.findIndex((e: { tag: string }) => e.tag === LAST_OLD);
    expect(cut).toBeGreaterThan(0);
    journal.entries = journal.entries.slice(0, cut + 1);
    writeFileSync(join(old, "meta/_journal.json"), JSON.stringify(journal));
    h = await openDb({ driver: "pg", url, pgliteDir: "" });
    await migrate(h.db as never, { migrationsFolder: old });

    // Rows as the 0004 schema held them: two runs of two markets, snapshots of every source,
    // price history of the replay and the live perpetual, risk numbers and a surface whose
    // diagnostics carry the large parts the history summary leaves out.
    await q(`insert into markets (id, venue, underlying) values
      ('deribit:BTC', 'deribit', 'BTC'), ('deribit:ETH', 'deribit', 'ETH')`);
    await q(`insert into runs (id, run_key, job, slot, as_of, trigger, status, code_version, config_hash, config)
      values (1, 'hourly:2026-03-01T10', 'hourly', '2026-03-01T10:00Z', '2026-03-01T10:00Z', 'cron', 'succeeded', 'v1', 'h', '{}'),
             (2, 'hourly:2026-03-01T11', 'hourly', '2026-03-01T11:00Z', '2026-03-01T11:00Z', 'cron', 'degraded', 'v1', 'h', '{}')`);
    await q(`select setval('runs_id_seq', 2)`);
    await q(`insert into snapshots (id, market_id, source, captured_at, index_price, content_hash) values
      (1, 'deribit:BTC', 'deribit', '2026-03-01T09:59Z', 90000, 'a'),
      (2, 'deribit:ETH', 'replay', '2026-03-01T09:59Z', 3000, 'a'),
      (3, 'deribit:BTC', 'simulator:7', '2026-03-01T10:59Z', 91000, 'b')`);
    await q(`select setval('snapshots_id_seq', 3)`);
    await q(`insert into run_markets (run_id, market_id, status, snapshot_id) values
      (1, 'deribit:BTC', 'succeeded', 1), (1, 'deribit:ETH', 'succeeded', 2),
      (2, 'deribit:BTC', 'degraded', 3)`);
    await q(`insert into price_history (market_id, day, price, source) values
      ('deribit:BTC', '2026-02-27', 88000, 'deribit-perpetual'),
      ('deribit:BTC', '2026-02-28', 89000, 'deribit-perpetual:tradingview'),
      ('deribit:ETH', '2026-02-28', 2950, 'bundled:eth_usd_daily_open')`);
    for (const [run, market, method, v] of [
      [1, "deribit:BTC", "hs", 0.031],
      [1, "deribit:ETH", "hs", 0.044],
      [2, "deribit:BTC", "hs", 0.032],
      [2, "deribit:BTC", "evt", 0.035],
    ] as const) {
      await q(
        `insert into risk_metrics (run_id, market_id, method, level, horizon_days, var, es, sample_size, window_from, window_to, details)
         values ($1, $2, $3, 0.99, 1, $4, $5, 500, '2024-10-01', '2026-02-28', '{"worseSide":"short"}')`,
        [run, market, method, v, v * 1.3],
      );
    }
    await q(`insert into surfaces (run_id, market_id, model, as_of, diagnostics) values
      (1, 'deribit:BTC', 'published', '2026-03-01T10:00Z',
       '{"rmseVolPts":0.3,"representation":{"grid":[1,2,3]},"covariance":[[1]],"regime":{"flag":false,"runIds":[1]}}')`);

    await migrateDb(h);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (old) rmSync(old, { recursive: true, force: true });
    if (serverUrl) await dropDatabase(serverUrl, name);
  });

  it("backfills the new columns from what the old rows say", async () => {
    expect(
      await q(
        `select market_id, day::text, source, source_kind from price_history order by market_id, day`,
      ),
    ).toEqual([
      {
        market_id: "deribit:BTC",
        day: "2026-02-27",
        source: "deribit-perpetual",
        source_kind: "live",
      },
      {
        market_id: "deribit:BTC",
        day: "2026-02-28",
        source: "deribit-perpetual:tradingview",
        source_kind: "live",
      },
      {
        market_id: "deribit:ETH",
        day: "2026-02-28",
        source: "bundled:eth_usd_daily_open",
        source_kind: "replay",
      },
    ]);
    expect(await q(`select id, source_kind from snapshots order by id`)).toEqual([
      { id: 1, source_kind: "live" },
      { id: 2, source_kind: "replay" },
      { id: 3, source_kind: "simulator" },
    ]);
    expect(await q(`select id, markets, lease_expires_at from runs order by id`)).toEqual([
      { id: 1, markets: ["deribit:BTC", "deribit:ETH"], lease_expires_at: null },
      { id: 2, markets: ["deribit:BTC"], lease_expires_at: null },
    ]);
    const asOf = await q<{ run_id: number; same: boolean }>(
      `select m.run_id, m.as_of = r.as_of as same from risk_metrics m join runs r on r.id = m.run_id`,
    );
    expect(asOf.length).toBe(4);
    expect(asOf.every((r) => r.same)).toBe(true);
    const [s] = await q<{ history_summary: Record<string, unknown> }>(
      `select history_summary from surfaces`,
    );
    expect(s.history_summary).toEqual({ rmseVolPts: 0.3, regime: { flag: false } });
    const [idx] = await q<{ def: string }>(
      `select indexdef as def from pg_indexes where indexname = 'risk_metrics_series_idx'`,
    );
    expect(idx.def).toMatch(/\(market_id, method, level, horizon_days, as_of, run_id\)/);
  });

  it("serves the old rows through the current read models, and the current pipeline runs on it", async () => {
    const series = await riskSeries(h.db, "deribit:BTC", { level: 0.99, horizon: 1 }, 100);
    expect(series.series.map((p) => [p.runId, p.method, p.var])).toEqual([
      [1, "hs", 0.031],
      [2, "evt", 0.035],
      [2, "hs", 0.032],
    ]);
    const before = await listRuns(h.db);
    expect(before.map((r) => r.id).sort()).toEqual([1, 2]);
    const at = new Date("2026-03-04T10:00:00Z");
    const run = await executeRun(h.db, replaySource(), DEFAULT_CONFIG, {
      job: "upgrade",
      slot: at,
      asOf: at,
      trigger: "cli",
      markets: ["deribit:BTC"],
    });
    expect(run.runId).toBe(3);
    const history = await marketHistory(h.db, "deribit:BTC");
    const runsInRisk = new Set(history.risk.map((r) => r.runId));
    expect([...runsInRisk].sort()).toEqual([1, 2, 3]);
    // the replay run wrote replay history only, beside the live rows it found
    const kinds = await q<{ source_kind: string; n: number }>(
      `select source_kind, count(*)::int n from price_history where market_id = 'deribit:BTC' group by 1 order by 1`,
    );
    expect(kinds.find((k) => k.source_kind === "live")?.n).toBe(2);
    expect(kinds.find((k) => k.source_kind === "replay")?.n ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
