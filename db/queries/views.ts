// Read models for pages and the JSON API. Each reads bounded, indexed slices: pages never scan
// all quotes.
import { and, asc, desc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { publicReason } from "../../lib/api/publicReason";
import type { LatestRunBody } from "../../lib/api/schemas";
import type { Db } from "../client";

/** A keyset position in the runs' (as-of, id) order (lib/api/schemas.Cursor). */
export interface RunCursor {
  at: Date;
  id: number;
}
import { effectiveStatus } from "../../lib/pipeline/status";
import {
  backtests,
  markets,
  parameters,
  parameterValues,
  proposalChanges,
  proposals,
  reviews,
  riskMetrics,
  runMarkets,
  runs,
  runStages,
  snapshots,
  surfaces,
  surfaceSlices,
} from "../schema";

export interface ParameterView {
  id: number;
  marketId: string;
  name: string;
  unit: string;
  value: number;
  effectiveAt: string;
  min: number;
  max: number;
}

export async function currentParameters(db: Db): Promise<ParameterView[]> {
  const result = await db.execute(sql`
    select p.id, p.market_id, p.name, p.unit, p.min_value, p.max_value, v.value, v.effective_at
    from ${parameters} p
    join lateral (
      select value, effective_at from ${parameterValues} pv
      where pv.parameter_id = p.id order by pv.effective_at desc, pv.id desc limit 1
    ) v on true
    order by p.market_id, p.name`);
  return rowsOf<{
    id: number;
    market_id: string;
    name: string;
    unit: string;
    value: number;
    effective_at: string | Date;
    min_value: number;
    max_value: number;
  }>(result).map((r) => ({
    id: r.id,
    marketId: r.market_id,
    name: r.name,
    unit: r.unit,
    value: Number(r.value),
    effectiveAt: new Date(r.effective_at).toISOString(),
    min: Number(r.min_value),
    max: Number(r.max_value),
  }));
}

/** drizzle's execute returns { rows } on pg/PGlite/vercel drivers. */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

export async function marketIds(db: Db): Promise<string[]> {
  const rows = await db.select({ id: markets.id }).from(markets).orderBy(asc(markets.id));
  return rows.map((r) => r.id);
}

/** A run row with its status as readers see it (`abandoned` once a running run's lease passed). */
export const withEffectiveStatus = <R extends { status: string; leaseExpiresAt: Date | null }>(
  r: R,
): R => ({
  ...r,
  status: effectiveStatus(r.status, r.leaseExpiresAt),
});

/** Runs newest first (by as-of time, then id); `before` pages on from an (as-of, id) cursor. */
export async function listRuns(db: Db, limit = 200, before?: RunCursor) {
  const rows = await db
    .select()
    .from(runs)
    .where(
      before
        ? sql`(${runs.asOf}, ${runs.id}) < (${before.at.toISOString()}::timestamptz, ${before.id})`
        : undefined,
    )
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(limit);
  return rows.map(withEffectiveStatus);
}

export async function latestRun(db: Db) {
  const [row] = await db.select().from(runs).orderBy(desc(runs.asOf), desc(runs.id)).limit(1);
  if (!row) return null;
  const run = withEffectiveStatus(row);
  const ms = await db
    .select({
      marketId: runMarkets.marketId,
      status: runMarkets.status,
      reason: runMarkets.reason,
      capturedAt: snapshots.capturedAt,
      quality: runMarkets.quality,
    })
    .from(runMarkets)
    .leftJoin(snapshots, eq(runMarkets.snapshotId, snapshots.id))
    .where(eq(runMarkets.runId, run.id))
    .orderBy(asc(runMarkets.marketId));
  return { run, markets: ms };
}

export async function runDetail(db: Db, id: number) {
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  if (!row) return null;
  const run = withEffectiveStatus(row);
  const [ms, stages, metrics, props, surfs] = await Promise.all([
    db
      .select({
        marketId: runMarkets.marketId,
        status: runMarkets.status,
        reason: runMarkets.reason,
        quotesUsed: runMarkets.quotesUsed,
        quotesDropped: runMarkets.quotesDropped,
        inputHash: runMarkets.inputHash,
        quality: runMarkets.quality,
        snapshotId: runMarkets.snapshotId,
        extras: snapshots.extras,
        capturedAt: snapshots.capturedAt,
        source: snapshots.source,
        indexPrice: snapshots.indexPrice,
      })
      .from(runMarkets)
      .leftJoin(snapshots, eq(runMarkets.snapshotId, snapshots.id))
      .where(eq(runMarkets.runId, id))
      .orderBy(asc(runMarkets.marketId)),
    db
      .select()
      .from(runStages)
      .where(eq(runStages.runId, id))
      .orderBy(asc(runStages.marketId), asc(runStages.seq)),
    db
      .select()
      .from(riskMetrics)
      .where(eq(riskMetrics.runId, id))
      .orderBy(asc(riskMetrics.marketId), desc(riskMetrics.level), asc(riskMetrics.method)),
    db.select().from(proposals).where(eq(proposals.runId, id)).orderBy(asc(proposals.id)),
    db.select().from(surfaces).where(eq(surfaces.runId, id)),
  ]);
  const slices = surfs.length
    ? await db
        .select({
          surfaceId: surfaceSlices.surfaceId,
          expiry: surfaceSlices.expiry,
          t: surfaceSlices.t,
          forward: surfaceSlices.forward,
          atmVol: surfaceSlices.atmVol,
          quotesUsed: surfaceSlices.quotesUsed,
        })
        .from(surfaceSlices)
        .where(
          inArray(
            surfaceSlices.surfaceId,
            surfs.map((s) => s.id),
          ),
        )
        .orderBy(asc(surfaceSlices.expiry))
    : [];
  return { run, markets: ms, stages, metrics, proposals: props, surfaces: surfs, slices };
}

export async function openProposals(db: Db) {
  return db
    .select({
      id: proposals.id,
      marketId: proposals.marketId,
      createdAt: proposals.createdAt,
      runId: proposals.runId,
      name: parameters.name,
      currentValue: proposalChanges.currentValue,
      proposedValue: proposalChanges.proposedValue,
      targetValue: proposalChanges.targetValue,
    })
    .from(proposals)
    .innerJoin(proposalChanges, eq(proposalChanges.proposalId, proposals.id))
    .innerJoin(parameters, eq(parameters.id, proposalChanges.parameterId))
    .where(eq(proposals.status, "open"))
    .orderBy(desc(proposals.createdAt));
}

export async function proposalDetail(db: Db, id: number) {
  const [p] = await db.select().from(proposals).where(eq(proposals.id, id));
  if (!p) return null;
  const [changes, [run], metrics] = await Promise.all([
    db
      .select({
        name: parameters.name,
        unit: parameters.unit,
        min: parameters.minValue,
        max: parameters.maxValue,
        currentValue: proposalChanges.currentValue,
        targetValue: proposalChanges.targetValue,
        proposedValue: proposalChanges.proposedValue,
        guardrailTrace: proposalChanges.guardrailTrace,
      })
      .from(proposalChanges)
      .innerJoin(parameters, eq(parameters.id, proposalChanges.parameterId))
      .where(eq(proposalChanges.proposalId, id)),
    db.select().from(runs).where(eq(runs.id, p.runId)),
    db
      .select()
      .from(riskMetrics)
      .where(and(eq(riskMetrics.runId, p.runId), eq(riskMetrics.marketId, p.marketId)))
      .orderBy(desc(riskMetrics.level), asc(riskMetrics.method)),
  ]);
  return { proposal: p, changes, run, metrics };
}

/** The latest run of a market that has quote IVs: its surfaces and slices, for term and smiles. */
export async function latestSurfaces(db: Db, marketId: string) {
  const [latest] = await db
    .select({ runId: surfaces.runId, asOf: surfaces.asOf })
    .from(surfaces)
    .innerJoin(runs, eq(runs.id, surfaces.runId))
    .where(and(eq(surfaces.marketId, marketId), eq(surfaces.model, "market-iv")))
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(1);
  if (!latest) return null;
  const surfs = await db
    .select()
    .from(surfaces)
    .where(and(eq(surfaces.runId, latest.runId), eq(surfaces.marketId, marketId)));
  const slices = await db
    .select()
    .from(surfaceSlices)
    .where(
      inArray(
        surfaceSlices.surfaceId,
        surfs.map((x) => x.id),
      ),
    )
    .orderBy(asc(surfaceSlices.expiry));
  const byModel = (model: string) => {
    const surf = surfs.find((x) => x.model === model);
    return surf ? { ...surf, slices: slices.filter((x) => x.surfaceId === surf.id) } : null;
  };
  return {
    ...latest,
    raw: byModel("market-iv"),
    published: byModel("published"),
    svi: byModel("svi"),
  };
}

/** The model-risk record of one run (lib/risk/qualification, stored in the assess summary). */
export interface ModelRiskPoint {
  runId: number;
  asOf: Date;
  parameter: string;
  chosen: string;
  basis: string;
  warning: boolean;
  warningThreshold: number;
  spread: {
    qualified: { min: number; max: number; range: number } | null;
    all: { min: number; max: number; range: number } | null;
  };
}

/**
 * The runs a market's history shows, downsampled so that a year of hourly runs stays cheap: the
 * newest `recent` runs in full, and one run per UTC day (the day's last) for the `days` calendar
 * days back from the newest run.
 */
async function historyRunIds(
  db: Db,
  marketId: string,
  recent: number,
  days: number,
): Promise<number[]> {
  // The newest `recent` runs by the (as_of, id) index; then, for each of the `days` calendar days
  // back from the newest run, that day's last run by the same index (one short scan a day).
  const rows = await db.execute<{ id: number }>(sql`
    with newest as (
      select r.id, r.as_of from ${runs} r
      where exists (select 1 from ${runMarkets} rm where rm.run_id = r.id and rm.market_id = ${marketId})
      order by r.as_of desc, r.id desc limit ${recent}),
    last_day as (select date_trunc('day', max(as_of), 'UTC') d from newest)
    select id from newest
    union
    select daily.id from last_day, generate_series(0, ${days} - 1) k,
      lateral (select r.id from ${runs} r
        where r.as_of >= last_day.d - k * interval '1 day'
          and r.as_of < last_day.d - (k - 1) * interval '1 day'
          and exists (select 1 from ${runMarkets} rm where rm.run_id = r.id and rm.market_id = ${marketId})
        order by r.as_of desc, r.id desc limit 1) daily`);
  const list = Array.isArray(rows) ? rows : (rows as { rows: { id: number }[] }).rows;
  return list.map((r) => Number(r.id));
}

/**
 * History of a market, oldest first: 30-day ATM vol and fit diagnostics (from the surfaces,
 * without the stored representation), 1-day VaR/ES by method, quote counts, the model-risk spread
 * of the governed parameter's ES and the model-risk index. Runs are downsampled
 * (historyRunIds): every run of the last `recent` (default a week of hourly runs), one a day for
 * `days` (default a year) — every query reads only those runs' rows, by index.
 */
export async function marketHistory(
  db: Db,
  marketId: string,
  { recent = 168, days = 366 }: { recent?: number; days?: number } = {},
) {
  const ids = await historyRunIds(db, marketId, recent, days);
  if (ids.length === 0) {
    return { surfaces: [], risk: [], data: [], modelRisk: [], modelRiskIndex: [] };
  }
  const [surfs, risk, data, modelRisk, index] = await Promise.all([
    db
      .select({
        runId: surfaces.runId,
        asOf: runs.asOf,
        model: surfaces.model,
        // without the grid time values, the calibration covariance and the filter's run list:
        // large, and only needed for one run (stored apart, so history never reads them)
        diagnostics: sql<unknown>`${surfaces.historySummary}`,
      })
      .from(surfaces)
      .innerJoin(runs, eq(runs.id, surfaces.runId))
      .where(and(inArray(surfaces.runId, ids), eq(surfaces.marketId, marketId)))
      .orderBy(asc(runs.asOf), asc(runs.id)),
    db
      .select({
        runId: riskMetrics.runId,
        asOf: runs.asOf,
        method: riskMetrics.method,
        level: riskMetrics.level,
        var: riskMetrics.var,
        es: riskMetrics.es,
      })
      .from(riskMetrics)
      .innerJoin(runs, eq(runs.id, riskMetrics.runId))
      .where(
        and(
          inArray(riskMetrics.runId, ids),
          eq(riskMetrics.marketId, marketId),
          eq(riskMetrics.horizonDays, 1),
        ),
      )
      .orderBy(asc(runs.asOf), asc(runs.id)),
    // Quote counts read out of the stored report in SQL: the page never loads whole reports.
    db
      .select({
        runId: runMarkets.runId,
        asOf: runs.asOf,
        total: sql<number | null>`(${runMarkets.quality}->'quotes'->>'total')::int`,
        usable: sql<number | null>`(${runMarkets.quality}->'quotes'->>'usable')::int`,
        used: runMarkets.quotesUsed,
        dataAgeMs: sql<number | null>`(${runMarkets.quality}->>'dataAgeMs')::float8`,
      })
      .from(runMarkets)
      .innerJoin(runs, eq(runs.id, runMarkets.runId))
      .where(
        and(
          inArray(runMarkets.runId, ids),
          eq(runMarkets.marketId, marketId),
          isNotNull(runMarkets.quality),
        ),
      )
      .orderBy(asc(runs.asOf), asc(runs.id)),
    db
      .select({
        runId: runStages.runId,
        asOf: runs.asOf,
        qualification: sql<unknown>`${runStages.summary}->'qualification'->0`,
      })
      .from(runStages)
      .innerJoin(runs, eq(runs.id, runStages.runId))
      .where(
        and(
          inArray(runStages.runId, ids),
          eq(runStages.marketId, marketId),
          eq(runStages.stage, "assess"),
          sql`${runStages.summary} ? 'qualification'`,
        ),
      )
      .orderBy(asc(runs.asOf), asc(runs.id)),
    // The model-risk index and the regime flags, without the per-claim prices.
    db
      .select({
        runId: runStages.runId,
        asOf: runs.asOf,
        modelRisk: sql<unknown>`(${runStages.summary}->'models'->'modelRisk') - 'prices' - 'claims' - 'vanillaMisfit'`,
        hestonFlagged: sql<unknown>`${runStages.summary}->'models'->'fits'->'heston'->'regime'->'flagged'`,
        batesFlagged: sql<unknown>`${runStages.summary}->'models'->'fits'->'bates'->'regime'->'flagged'`,
      })
      .from(runStages)
      .innerJoin(runs, eq(runs.id, runStages.runId))
      .where(
        and(
          inArray(runStages.runId, ids),
          eq(runStages.marketId, marketId),
          eq(runStages.stage, "calibrate"),
          sql`jsonb_typeof(${runStages.summary}->'models') = 'object'`,
        ),
      )
      .orderBy(asc(runs.asOf), asc(runs.id)),
  ]);
  const modelRiskIndex = index.flatMap(
    ({ runId, asOf, modelRisk: m, hestonFlagged, batesFlagged }) => {
      const r = m as Omit<ModelRiskIndexPoint, "runId" | "asOf" | "flagged"> | null;
      return r
        ? [
            {
              runId,
              asOf,
              ...r,
              flagged: { heston: hestonFlagged === true, bates: batesFlagged === true },
            },
          ]
        : [];
    },
  );
  const spread = modelRisk.flatMap(({ runId, asOf, qualification }) => {
    const q = qualification as Omit<ModelRiskPoint, "runId" | "asOf"> | null;
    return q ? [{ runId, asOf, ...q }] : [];
  });
  return { surfaces: surfs, risk, data, modelRisk: spread, modelRiskIndex };
}

/** One run's model-risk index (lib/pipeline/models, in the calibrate summary) and regime flags. */
export interface ModelRiskIndexPoint {
  runId: number;
  asOf: Date;
  status: string;
  reason?: string;
  paths: number;
  warningThreshold?: number;
  index: number | null;
  adjustedIndex: number | null;
  meanRelativeRange: number | null;
  /** Whether each model's parameters are in a CUSUM-flagged regime (lib/risk/svRegime). */
  flagged: { heston: boolean; bates: boolean };
}

/** The body of GET /api/v1/runs/latest (lib/api/schemas.LatestRunResponse). */
export type LatestRunPayload = LatestRunBody;

/** The newest run (by as-of time) and the age of each market's data at that time. */
export async function latestRunPayload(db: Db): Promise<LatestRunPayload> {
  const latest = await latestRun(db);
  if (!latest) return { run: null, markets: [] };
  const { run, markets: ms } = latest;
  return {
    run: {
      id: run.id,
      runKey: run.runKey,
      status: run.status,
      reason: publicReason(run.reason),
      asOf: run.asOf.toISOString(),
    },
    markets: ms.map((m) => ({
      marketId: m.marketId,
      status: m.status,
      reason: publicReason(m.reason),
      capturedAt: m.capturedAt?.toISOString() ?? null,
      dataAgeHours: m.capturedAt ? (run.asOf.getTime() - m.capturedAt.getTime()) / 3_600_000 : null,
      quality: m.quality && {
        quotes: m.quality.quotes.total,
        usable: m.quality.quotes.usable,
        usableExpiries: m.quality.usableExpiries,
        stale: m.quality.stale,
        warnings: m.quality.warnings,
      },
    })),
  };
}

/** The rolling backtests stored with the market's latest run that has them. */
export async function latestBacktests(db: Db, marketId: string) {
  const [latest] = await db
    .select({ runId: backtests.runId })
    .from(backtests)
    .innerJoin(runs, eq(runs.id, backtests.runId))
    .where(eq(backtests.marketId, marketId))
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(1);
  if (!latest) return null;
  const rows = await db
    .select()
    .from(backtests)
    .where(and(eq(backtests.runId, latest.runId), eq(backtests.marketId, marketId)))
    .orderBy(asc(backtests.method));
  return { runId: latest.runId, rows };
}

/** Open and approved proposals with their changes and reviews: the committee's queue. */
export async function committeeQueue(db: Db) {
  const rows = await db
    .select()
    .from(proposals)
    .where(inArray(proposals.status, ["open", "approved"]))
    .orderBy(asc(proposals.createdAt), asc(proposals.id));
  const ids = rows.map((r) => r.id);
  const [changes, revs] = ids.length
    ? await Promise.all([
        db
          .select({
            proposalId: proposalChanges.proposalId,
            name: parameters.name,
            currentValue: proposalChanges.currentValue,
            proposedValue: proposalChanges.proposedValue,
          })
          .from(proposalChanges)
          .innerJoin(parameters, eq(parameters.id, proposalChanges.parameterId))
          .where(inArray(proposalChanges.proposalId, ids)),
        db.select().from(reviews).where(inArray(reviews.proposalId, ids)).orderBy(asc(reviews.id)),
      ])
    : [[], []];
  return rows.map((p) => ({
    ...p,
    changes: changes.filter((c) => c.proposalId === p.id),
    reviews: revs.filter((r) => r.proposalId === p.id),
  }));
}

/** A metric's latest value and the one before it (each from the newest runs that have it). */
export interface Trend<T> {
  latest: T | null;
  previous: T | null;
  runId: number | null;
}

/**
 * The state of a market's model risk for the overview: the policy method's backtest zone, the
 * published surface's error in and out of sample, the spread across VaR/ES methods, the
 * model-risk index and the regime flags, each with its previous value.
 */
export async function modelRiskGlance(
  db: Db,
  marketId: string,
  policy: { method: string; level: number },
) {
  const [h, zones] = await Promise.all([
    marketHistory(db, marketId, { recent: 2, days: 0 }),
    db
      .select({ runId: backtests.runId, zone: backtests.zone })
      .from(backtests)
      .innerJoin(runs, eq(runs.id, backtests.runId))
      .where(
        and(
          eq(backtests.marketId, marketId),
          eq(backtests.method, policy.method),
          eq(backtests.level, policy.level),
        ),
      )
      .orderBy(desc(runs.asOf), desc(runs.id))
      .limit(2),
  ]);
  const trend = <T>(xs: { runId: number; v: T | null | undefined }[]): Trend<T> => {
    const ok = xs.filter((x) => x.v !== null && x.v !== undefined);
    return {
      latest: ok.at(-1)?.v ?? null,
      previous: ok.at(-2)?.v ?? null,
      runId: ok.at(-1)?.runId ?? null,
    };
  };
  const published = h.surfaces.filter((s) => s.model === "published");
  const diag = (d: unknown) =>
    d as { rmseVolPts?: number; outOfSample?: { rmseVolPts: number } | null };
  return {
    zone: trend(zones.reverse().map((z) => ({ runId: z.runId, v: z.zone }))),
    surfaceRmse: trend(
      published.map((s) => ({ runId: s.runId, v: diag(s.diagnostics).rmseVolPts })),
    ),
    outOfSampleRmse: trend(
      published.map((s) => ({ runId: s.runId, v: diag(s.diagnostics).outOfSample?.rmseVolPts })),
    ),
    methodSpread: trend(h.modelRisk.map((m) => ({ runId: m.runId, v: m.spread.all?.range }))),
    spreadWarning: h.modelRisk.at(-1)?.warningThreshold ?? null,
    modelRiskIndex: trend(h.modelRiskIndex.map((m) => ({ runId: m.runId, v: m.index }))),
    indexWarning: h.modelRiskIndex.at(-1)?.warningThreshold ?? null,
    regime: trend(
      h.modelRiskIndex.map((m) => ({
        runId: m.runId,
        v: [m.flagged.heston && "heston", m.flagged.bates && "bates"].filter(
          (x): x is string => typeof x === "string",
        ),
      })),
    ),
  };
}
