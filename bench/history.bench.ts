// A year of hourly runs for both markets on the Postgres server (DATABASE_URL; a fresh database
// of its own, dropped at the end). One real run (the replay source, both markets) is recorded
// through the pipeline, then its rows are copied in SQL (generate_series) to 8,760 hourly runs:
// every table gets the row counts and row sizes a year of the hourly job writes (a snapshot with
// all its quotes per market and hour, five surfaces with their slices, 30 risk metrics, 10
// backtests with their series, 8 stage records, the data-quality report).
// Measured: database size per market-year, the market page's server time (its queries and their
// post-processing), each history query's execution time with its plan, and the prune.
import { performance } from "node:perf_hooks";
import pg from "pg";
import { migrateDb, openDb, type DbHandle } from "../db/client";
import {
  marketBacktests,
  marketOverview,
  parameterHistory as apiParameterHistory,
  proposalPage,
  publishedSurface,
  riskSeries as apiRiskSeries,
  runPage,
  type RiskFilter,
} from "../db/queries/api";
import { pruneQuotes } from "../db/queries/runs";
import {
  latestBacktests,
  latestSurfaces,
  listRuns,
  marketHistory,
  marketIds,
} from "../db/queries/views";
import { RISK_LIMIT_MAX } from "../lib/api/schemas";
import { DEFAULT_CONFIG } from "../lib/config";
import { replaySource } from "../lib/market/sources";
import { executeRun } from "../lib/pipeline/run";
import type { BenchSection } from "./run";

const HOURS = 24 * 365;
const START = Date.parse("2025-03-04T10:00:00Z");
const TEMPLATE_AT = "2026-03-04T10:00:00Z";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Copies the template run's rows to `HOURS - 1` more hourly runs (run ids template + g). */
async function fillYear(c: pg.Client, template: number): Promise<void> {
  const q = (sql: string) => c.query(sql);
  await q(`create temp table g as select g from generate_series(1, ${HOURS - 1}) g`);
  await q(`insert into runs (id, run_key, job, slot, as_of, trigger, status, reason, input_hash,
      code_version, config_hash, config, started_at, finished_at, source, markets)
    select ${template} + g, 'hourly:' || g, 'hourly', ts, ts, 'cron', r.status, r.reason, r.input_hash,
      r.code_version, r.config_hash, r.config, ts, ts + interval '20 seconds', r.source, r.markets
    from runs r, (select g, timestamptz '${new Date(START).toISOString()}' + g * interval '1 hour' ts from g) s
    where r.id = ${template}`);
  await q(`select setval(pg_get_serial_sequence('runs', 'id'), (select max(id) from runs))`);
  // One new snapshot per market and hour, with all its quotes.
  await q(`create temp table snap_map as
    select s.id as old_id, g, s.market_id,
      nextval(pg_get_serial_sequence('snapshots', 'id')) as new_id
    from snapshots s join run_markets rm on rm.snapshot_id = s.id and rm.run_id = ${template}, g`);
  await q(`insert into snapshots (id, market_id, source, source_kind, captured_at, index_price, content_hash, extras)
    select m.new_id, s.market_id, s.source, s.source_kind,
      timestamptz '${new Date(START).toISOString()}' + m.g * interval '1 hour', s.index_price,
      s.content_hash || ':' || m.g, s.extras
    from snap_map m join snapshots s on s.id = m.old_id`);
  // 15 M quotes: bulk-load without the key and foreign key, then build them once (as a restore does).
  await q(`alter table option_quotes drop constraint option_quotes_snapshot_id_instrument_pk,
    drop constraint option_quotes_snapshot_id_snapshots_id_fk`);
  await q(`insert into option_quotes (snapshot_id, instrument, expiry, strike, option_type, bid, ask,
      mark, mark_iv, forward, open_interest, quoted_at)
    select m.new_id, o.instrument, o.expiry, o.strike, o.option_type, o.bid, o.ask, o.mark,
      o.mark_iv, o.forward, o.open_interest, o.quoted_at
    from snap_map m join option_quotes o on o.snapshot_id = m.old_id`);
  await q(`alter table option_quotes
    add constraint option_quotes_snapshot_id_instrument_pk primary key (snapshot_id, instrument),
    add constraint option_quotes_snapshot_id_snapshots_id_fk foreign key (snapshot_id)
      references snapshots (id) on delete cascade`);
  await q(`insert into run_markets (run_id, market_id, status, reason, snapshot_id, quotes_used,
      quotes_dropped, input_hash, quality)
    select ${template} + m.g, rm.market_id, rm.status, rm.reason, m.new_id, rm.quotes_used,
      rm.quotes_dropped, rm.input_hash, rm.quality
    from snap_map m join run_markets rm on rm.snapshot_id = m.old_id and rm.run_id = ${template}`);
  await q(`insert into run_stages (run_id, market_id, stage, seq, status, started_at, duration_ms, summary)
    select ${template} + g, market_id, stage, seq, status, started_at, duration_ms, summary
    from run_stages, g where run_id = ${template}`);
  await q(`create temp table surf_map as
    select s.id as old_id, g, nextval(pg_get_serial_sequence('surfaces', 'id')) as new_id
    from surfaces s, g where s.run_id = ${template}`);
  await q(`insert into surfaces (id, run_id, market_id, model, as_of, diagnostics)
    select m.new_id, ${template} + m.g, s.market_id, s.model,
      timestamptz '${new Date(START).toISOString()}' + m.g * interval '1 hour', s.diagnostics
    from surf_map m join surfaces s on s.id = m.old_id`);
  await q(`insert into surface_slices (surface_id, expiry, t, forward, atm_vol, params, quotes_used, diagnostics)
    select m.new_id, x.expiry, x.t, x.forward, x.atm_vol, x.params, x.quotes_used, x.diagnostics
    from surf_map m join surface_slices x on x.surface_id = m.old_id`);
  await q(`insert into risk_metrics (run_id, market_id, as_of, method, level, horizon_days, var, es,
      sample_size, window_from, window_to, details)
    select ${template} + g, market_id, timestamptz '${new Date(START).toISOString()}' + g * interval '1 hour',
      method, level, horizon_days, var * (1 + 0.1 * sin(g / 50.0)),
      es * (1 + 0.1 * sin(g / 50.0)), sample_size, window_from, window_to, details
    from risk_metrics, g where run_id = ${template}`);
  await q(`insert into backtests (run_id, market_id, method, level, estimation_window, days,
      tested_from, tested_to, exceptions, expected, kupiec_p_value, christoffersen_ind_p_value,
      christoffersen_cc_p_value, zone, plus_factor, z2, z2_p_value, details)
    select ${template} + g, market_id, method, level, estimation_window, days, tested_from,
      tested_to, exceptions, expected, kupiec_p_value, christoffersen_ind_p_value,
      christoffersen_cc_p_value, zone, plus_factor, z2, z2_p_value, details
    from backtests, g where run_id = ${template}`);
  // A parameter change a week (executions), for the parameter history.
  await q(`insert into parameter_values (parameter_id, value, effective_at, source)
    select p.id, v.value * (1 + 0.01 * (w % 5)), timestamptz '${new Date(START).toISOString()}' + w * interval '7 days', 'execution'
    from parameters p join lateral (select value from parameter_values where parameter_id = p.id limit 1) v on true,
      generate_series(1, 52) w`);
  await q(`analyze`);
}

/** Records the SQL a function sends (drizzle over node-postgres goes through Client.query). */
async function captureQueries(
  fn: () => Promise<unknown>,
): Promise<{ text: string; values: unknown[] }[]> {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  const seen: { text: string; values: unknown[] }[] = [];
  proto.query = function (this: unknown, ...a: unknown[]) {
    // drizzle passes ({text, rowMode, types}, values); a plain call passes (text, values).
    const cfg = a[0] as { text?: string; values?: unknown[] } | string;
    const text = typeof cfg === "string" ? cfg : cfg?.text;
    const values = (typeof cfg === "object" ? cfg?.values : undefined) ?? a[1] ?? [];
    if (text) seen.push({ text, values: values as unknown[] });
    return original.apply(this, a);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return seen.filter((s) => /^\s*(\(?\s*select|with)/i.test(s.text));
}

interface Plan {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  Plans?: Plan[];
}
/** The plan's nodes, depth first, as `Node(index or relation)`. */
function planSummary(p: Plan): string {
  const me = p["Index Name"] ?? p["Relation Name"];
  const self = me ? `${p["Node Type"]}(${me})` : p["Node Type"];
  const kids = (p.Plans ?? []).map(planSummary);
  return kids.length ? `${self} ← ${kids.join(", ")}` : self;
}

async function explain(c: pg.Client, text: string, values: unknown[]) {
  const r = await c.query(`explain (analyze, buffers, format json) ${text}`, values as unknown[]);
  const [doc] = r.rows[0]["QUERY PLAN"] as { Plan: Plan; "Execution Time": number }[];
  return { ms: doc["Execution Time"], plan: planSummary(doc.Plan) };
}

async function timeIt(fn: () => Promise<unknown>, n = 7): Promise<number> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

export default async function historyBench(): Promise<BenchSection[]> {
  const server = process.env.DATABASE_URL;
  if (!server) {
    return [
      {
        title: "A year of history (skipped: set DATABASE_URL to a Postgres server)",
        rows: [],
      },
    ];
  }
  const name = `vigil_bench_history_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  const url = u.toString();
  let h: DbHandle | undefined;
  const c = new pg.Client({ connectionString: url });
  try {
    h = await openDb({ driver: "pg", url, pgliteDir: "" });
    await migrateDb(h);
    const at = new Date(TEMPLATE_AT);
    const t = await executeRun(h.db, replaySource(), DEFAULT_CONFIG, {
      job: "template",
      slot: at,
      asOf: at,
      trigger: "cli",
    });
    await c.connect();
    const t0 = performance.now();
    await fillYear(c, t.runId);
    const fillS = (performance.now() - t0) / 1000;

    const count = async (table: string) =>
      Number((await c.query(`select count(*)::int n from ${table}`)).rows[0].n);
    const dbBytes = Number(
      (await c.query(`select pg_database_size(current_database()) b`)).rows[0].b,
    );
    const tables = (
      await c.query(`select relname, pg_total_relation_size(relid) b from pg_statio_user_tables
        order by b desc limit 6`)
    ).rows as { relname: string; b: string }[];
    const size: BenchSection = {
      title: `A year of hourly runs, both markets (${HOURS} runs; built in ${fillS.toFixed(0)} s)`,
      rows: [
        { what: "runs", value: await count("runs") },
        { what: "option_quotes rows", value: await count("option_quotes") },
        { what: "surface_slices rows", value: await count("surface_slices") },
        { what: "risk_metrics rows", value: await count("risk_metrics") },
        { what: "database size (MB)", value: dbBytes / 1e6 },
        { what: "per market-year (MB)", value: dbBytes / 2 / 1e6 },
        ...tables.map((r) => ({ what: `  ${r.relname} (MB)`, value: Number(r.b) / 1e6 })),
      ],
    };

    const db = h.db;
    const btc = "deribit:BTC";
    const page = async () => {
      if (!(await marketIds(db)).includes(btc)) throw new Error("no market");
      await Promise.all([
        latestSurfaces(db, btc),
        marketHistory(db, btc),
        latestBacktests(db, btc),
      ]);
    };
    const mid = (await listRuns(db, HOURS / 2))!.at(-1)!;
    // The public API's own read models (db/queries/api.ts), as its routes call them.
    const from = new Date(START + 90 * 86_400_000).toISOString();
    const to = new Date(START + 120 * 86_400_000).toISOString();
    const cursor = { at: mid.asOf, id: mid.id };
    const series = (f: RiskFilter) => () => apiRiskSeries(db, btc, f, RISK_LIMIT_MAX);
    const apiRows = [
      {
        query: "API risk series hs/0.99/1d, 30 days",
        ms: await timeIt(series({ method: "hs", level: 0.99, horizon: 1, from, to })),
        goal: 50,
      },
      {
        query: "API risk series hs/0.99/1d, the whole year (daily by default)",
        ms: await timeIt(series({ method: "hs", level: 0.99, horizon: 1 })),
        goal: 50,
      },
      {
        query: "API risk series, all five methods, the whole year (daily)",
        ms: await timeIt(series({ level: 0.99, horizon: 1 })),
        goal: 50,
      },
      {
        query: "API risk series hs/0.99/1d, the whole year, resolution=run (8,760 points)",
        ms: await timeIt(series({ method: "hs", level: 0.99, horizon: 1, resolution: "run" })),
        goal: "- (bulk export)",
      },
      {
        query: "API parameter history",
        ms: await timeIt(() => apiParameterHistory(db, btc)),
        goal: 50,
      },
      {
        query: "API runs, 50 from a mid-year cursor",
        ms: await timeIt(() => runPage(db, { limit: 50, cursor })),
        goal: 50,
      },
      {
        query: "API runs of one market, 50",
        ms: await timeIt(() => runPage(db, { limit: 50, market: btc })),
        goal: 50,
      },
      {
        query: "API proposals, 50",
        ms: await timeIt(() => proposalPage(db, { limit: 50 })),
        goal: 50,
      },
      { query: "API market overview", ms: await timeIt(() => marketOverview(db, btc)), goal: 50 },
      {
        query: "API latest backtests",
        ms: await timeIt(() => marketBacktests(db, btc, {})),
        goal: 50,
      },
      {
        query: "API published surface (latest)",
        ms: await timeIt(() => publishedSurface(db, btc)),
        goal: 50,
      },
    ];
    const timing: BenchSection = {
      title: "Server time at one year (median of 7, after a warm-up; goals 300 ms / 50 ms)",
      rows: [
        { query: "market page (all its queries + processing)", ms: await timeIt(page), goal: 300 },
        { query: "marketHistory alone", ms: await timeIt(() => marketHistory(db, btc)), goal: 300 },
        {
          query: "runs list, 100 from a mid-year cursor",
          ms: await timeIt(() => listRuns(db, 101, cursor)),
          goal: 50,
        },
        ...apiRows,
      ],
    };

    const captured = [
      ...(await captureQueries(page)).map((q, i) => ({ name: `market page #${i + 1}`, ...q })),
      ...(await captureQueries(() => listRuns(db, 101, cursor))).map((q) => ({
        name: "runs list by cursor",
        ...q,
      })),
      ...(await captureQueries(series({ method: "hs", level: 0.99, horizon: 1 }))).map((q) => ({
        name: "API risk series, the year, daily",
        ...q,
      })),
    ];
    const plans: BenchSection = { title: "History queries: EXPLAIN ANALYZE", rows: [] };
    for (const q of captured) {
      const e = await explain(c, q.text, q.values).catch((err: Error) => ({
        ms: NaN,
        plan: `(not explained: ${err.message})`,
      }));
      plans.rows.push({ query: q.name, ms: e.ms, plan: e.plan.slice(0, 220) });
    }
    for (const [nameQ, text, values] of [
      [
        "risk series",
        `select m.as_of, m.var, m.es, m.run_id from risk_metrics m
         where m.market_id = $1 and m.method = $2 and m.level = $3 and m.horizon_days = $4
           and m.as_of >= $5 and m.as_of < $6 order by m.as_of`,
        [btc, "hs", 0.99, 1, new Date(START + 90 * 86_400_000), new Date(START + 120 * 86_400_000)],
      ],
      [
        "parameter history",
        `select v.value, v.effective_at, v.source from parameter_values v
         join parameters p on p.id = v.parameter_id
         where p.market_id = $1 and p.name = $2 order by v.effective_at desc limit 500`,
        [btc, "perp.maintenanceMarginFraction"],
      ],
    ] as const) {
      const e = await explain(c, text, [...values]);
      plans.rows.push({ query: nameQ, ms: e.ms, plan: e.plan.slice(0, 220) });
    }

    const p0 = performance.now();
    const pruned = await pruneQuotes(db, 30, new Date(START + HOURS * 3_600_000));
    const pruneS = (performance.now() - p0) / 1000;
    await c.query("vacuum full option_quotes");
    const after = Number(
      (await c.query(`select pg_database_size(current_database()) b`)).rows[0].b,
    );
    const prune: BenchSection = {
      title: "vigil db prune --keep-quotes-days 30 at one year",
      rows: [
        { what: "quotes deleted", value: pruned },
        { what: "time (s)", value: pruneS },
        { what: "database size after VACUUM FULL (MB)", value: after / 1e6 },
        { what: "per market-year (MB)", value: after / 2 / 1e6 },
        { what: "market page after prune (ms)", value: await timeIt(page) },
      ],
    };
    return [size, timing, plans, prune];
  } finally {
    await c.end().catch(() => undefined);
    await h?.close();
    // BENCH_KEEP_DB=1 leaves the database for EXPLAIN by hand (drop it yourself afterwards).
    if (process.env.BENCH_KEEP_DB === "1") console.error(`kept database ${name}`);
    else await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
