// Read models of the public JSON API (app/api/v1). Every list is bounded and keyset-paginated on an
// index; public reasons go through publicReason, never the stored text.
import { and, asc, desc, eq, gte, inArray, isNotNull, lte, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { publicReason } from "../../lib/api/publicReason";
import {
  encodeCursor,
  type HealthResponse,
  type MarketResponse,
  type ParameterHistoryResponse,
  type ProposalListItem,
  type ProposalResponse,
  type ProposalsQuery,
  RISK_RUN_RESOLUTION_MAX_DAYS,
  type RiskPoint,
  type RiskResolution,
  type RunListItem,
  type RunResponse,
  type RunsQuery,
  type SurfaceResponse,
} from "../../lib/api/schemas";
import { RISK_METHODS } from "../../lib/quant/riskMethods";
import type { PublishedRepresentation } from "../../lib/quant/surface";
import type { Db } from "../client";
import {
  backtests,
  executions,
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
import { currentParameters, withEffectiveStatus } from "./views";

type Out<T extends z.ZodType> = z.output<T>;
const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function marketList(db: Db) {
  const [rows, params] = await Promise.all([
    db.select().from(markets).orderBy(asc(markets.id)),
    currentParameters(db),
  ]);
  return rows.map((m) => ({
    id: m.id,
    venue: m.venue,
    underlying: m.underlying,
    quoteCurrency: m.quoteCurrency,
    parameters: params
      .filter((p) => p.marketId === m.id)
      .map(({ name, unit, value, effectiveAt, min, max }) => ({
        name,
        unit,
        value,
        effectiveAt,
        min,
        max,
      })),
  }));
}

type RiskRow = Omit<typeof riskMetrics.$inferSelect, "details"> & { worseSide: string | null };

function riskPoint(r: RiskRow): Out<typeof RiskPoint> {
  const side = r.worseSide;
  return {
    runId: r.runId,
    asOf: iso(r.asOf),
    method: r.method,
    level: r.level,
    horizonDays: r.horizonDays,
    var: r.var,
    es: r.es,
    worseSide: side === "long" || side === "short" ? side : null,
    sampleSize: r.sampleSize,
    windowFrom: r.windowFrom,
    windowTo: r.windowTo,
  };
}

const riskColumns = {
  id: riskMetrics.id,
  runId: riskMetrics.runId,
  marketId: riskMetrics.marketId,
  method: riskMetrics.method,
  level: riskMetrics.level,
  horizonDays: riskMetrics.horizonDays,
  var: riskMetrics.var,
  es: riskMetrics.es,
  sampleSize: riskMetrics.sampleSize,
  windowFrom: riskMetrics.windowFrom,
  windowTo: riskMetrics.windowTo,
  // Only the side, not the whole details document (a year of rows would detoast them all).
  worseSide: sql<string | null>`${riskMetrics.details} ->> 'worseSide'`,
  asOf: riskMetrics.asOf,
};

export async function marketOverview(
  db: Db,
  marketId: string,
): Promise<Out<typeof MarketResponse> | null> {
  const list = await marketList(db);
  const market = list.find((m) => m.id === marketId);
  if (!market) return null;
  const [latest] = await db
    .select({
      runId: runs.id,
      runKey: runs.runKey,
      asOf: runs.asOf,
      runStatus: runs.status,
      status: runMarkets.status,
      reason: runMarkets.reason,
      source: snapshots.source,
      capturedAt: snapshots.capturedAt,
    })
    .from(runMarkets)
    .innerJoin(runs, eq(runs.id, runMarkets.runId))
    .leftJoin(snapshots, eq(snapshots.id, runMarkets.snapshotId))
    .where(eq(runMarkets.marketId, marketId))
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(1);
  // The latest risk figures come from the market's newest run that has any.
  const [withRisk] = await db
    .select({ runId: runs.id })
    .from(runs)
    .where(
      sql`exists (select 1 from ${riskMetrics} where ${riskMetrics.runId} = ${runs.id} and ${riskMetrics.marketId} = ${marketId})`,
    )
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(1);
  const risk = withRisk
    ? await db
        .select(riskColumns)
        .from(riskMetrics)
        .where(and(eq(riskMetrics.runId, withRisk.runId), eq(riskMetrics.marketId, marketId)))
        .orderBy(asc(riskMetrics.method), asc(riskMetrics.level), asc(riskMetrics.horizonDays))
    : [];
  return {
    market,
    latestRun: latest
      ? {
          runId: latest.runId,
          runKey: latest.runKey,
          asOf: iso(latest.asOf),
          runStatus: latest.runStatus,
          status: latest.status,
          reason: publicReason(latest.reason),
          source: latest.source,
          capturedAt: isoOrNull(latest.capturedAt),
        }
      : null,
    risk: risk.map(riskPoint),
  };
}

export async function marketExists(db: Db, marketId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: markets.id })
    .from(markets)
    .where(eq(markets.id, marketId))
    .limit(1);
  return !!row;
}

export async function parameterHistory(
  db: Db,
  marketId: string,
): Promise<Out<typeof ParameterHistoryResponse>> {
  const rows = await db
    .select({
      name: parameters.name,
      unit: parameters.unit,
      value: parameterValues.value,
      effectiveAt: parameterValues.effectiveAt,
      source: parameterValues.source,
      proposalId: parameterValues.proposalId,
      executionId: executions.id,
      executedAt: executions.executedAt,
      executedBy: executions.executedBy,
      txHash: executions.txHash,
    })
    .from(parameterValues)
    .innerJoin(parameters, eq(parameters.id, parameterValues.parameterId))
    .leftJoin(executions, eq(executions.id, parameterValues.executionId))
    .where(eq(parameters.marketId, marketId))
    .orderBy(asc(parameters.name), asc(parameterValues.effectiveAt), asc(parameterValues.id));
  const byName = new Map<string, Out<typeof ParameterHistoryResponse>["parameters"][number]>();
  for (const r of rows) {
    let p = byName.get(r.name);
    if (!p) byName.set(r.name, (p = { name: r.name, unit: r.unit, values: [] }));
    p.values.push({
      value: r.value,
      effectiveAt: iso(r.effectiveAt),
      source: r.source,
      proposalId: r.proposalId,
      execution:
        r.executionId != null && r.executedAt
          ? {
              id: r.executionId,
              executedAt: iso(r.executedAt),
              executor: r.executedBy ?? "",
              txHash: r.txHash ?? null,
            }
          : null,
    });
  }
  return { market: marketId, parameters: [...byName.values()] };
}

export interface RiskFilter {
  from?: string;
  to?: string;
  method?: string;
  level: number;
  horizon: number;
  resolution?: RiskResolution;
}

/**
 * VaR/ES points of a market in as-of order, a point per run or (resolution `day`) each UTC day's
 * last run; the newest `limit` when there are more. Without a resolution, spans longer than
 * RISK_RUN_RESOLUTION_MAX_DAYS are daily: a year of hourly runs would be 8,760 points a method.
 */
export async function riskSeries(db: Db, marketId: string, f: RiskFilter, limit: number) {
  const span = f.resolution === "run" ? null : await seriesSpan(db, f);
  const resolution =
    f.resolution ??
    (span && (span.hi - span.lo) / 86_400_000 > RISK_RUN_RESOLUTION_MAX_DAYS ? "day" : "run");
  // Newest first for the cut, then reversed: oldest first, methods in order within a run.
  const order = [desc(riskMetrics.asOf), desc(riskMetrics.runId), desc(riskMetrics.method)];
  let rows: RiskRow[];
  if (resolution === "run") {
    const where: SQL[] = [
      eq(riskMetrics.marketId, marketId),
      eq(riskMetrics.level, f.level),
      eq(riskMetrics.horizonDays, f.horizon),
    ];
    if (f.method) where.push(eq(riskMetrics.method, f.method));
    if (f.from) where.push(gte(riskMetrics.asOf, new Date(f.from)));
    if (f.to) where.push(lte(riskMetrics.asOf, new Date(f.to)));
    rows = await db
      .select(riskColumns)
      .from(riskMetrics)
      .where(and(...where))
      .orderBy(...order)
      .limit(limit + 1);
  } else {
    const ids = span ? await dailyRiskIds(db, marketId, f, span, limit + 1) : [];
    rows =
      ids.length === 0
        ? []
        : await db
            .select(riskColumns)
            .from(riskMetrics)
            .where(inArray(riskMetrics.id, ids))
            .orderBy(...order);
  }
  const truncated = rows.length > limit;
  return { resolution, truncated, series: rows.slice(0, limit).reverse().map(riskPoint) };
}

/**
 * The span a series covers (ms): `from`/`to`, an open end closed by the stored runs' first or
 * last as-of time (both read by the runs' (as_of, id) index); null when no run is stored.
 */
async function seriesSpan(db: Db, f: RiskFilter): Promise<{ lo: number; hi: number } | null> {
  if (f.from && f.to) return { lo: Date.parse(f.from), hi: Date.parse(f.to) };
  type Ends = { first: number | null; last: number | null };
  const res = await db.execute<Ends>(
    sql`select extract(epoch from (select min(as_of) from ${runs}))::float8 * 1000 first,
      extract(epoch from (select max(as_of) from ${runs}))::float8 * 1000 last`,
  );
  const [b] = Array.isArray(res) ? (res as Ends[]) : (res as { rows: Ends[] }).rows;
  const lo = f.from ? Date.parse(f.from) : b?.first;
  const hi = f.to ? Date.parse(f.to) : b?.last;
  return lo == null || hi == null ? null : { lo, hi };
}

/**
 * The ids of each UTC day's last point per method within the span, newest first: one short probe
 * of the (market, method, level, horizon, as_of, run_id) index per day and method, never a scan.
 */
async function dailyRiskIds(
  db: Db,
  marketId: string,
  f: RiskFilter,
  span: { lo: number; hi: number },
  limit: number,
) {
  const methods = f.method ? [f.method] : [...RISK_METHODS];
  const lo = new Date(span.lo).toISOString();
  const hi = new Date(span.hi).toISOString();
  // Ordered as the caller orders the points, so the cut keeps the newest of them.
  const rows = await db.execute<{ id: number }>(sql`
    select pick.id from
      generate_series(date_trunc('day', ${lo}::timestamptz, 'UTC'), ${hi}::timestamptz,
        interval '24 hours') d,
      unnest(${`{${methods.join(",")}}`}::text[]) m,
      lateral (select r.id, r.as_of, r.run_id from ${riskMetrics} r
        where r.market_id = ${marketId} and r.method = m and r.level = ${f.level}
          and r.horizon_days = ${f.horizon}
          and r.as_of >= d and r.as_of < d + interval '24 hours'
          and r.as_of >= ${lo}::timestamptz and r.as_of <= ${hi}::timestamptz
        order by r.as_of desc, r.run_id desc limit 1) pick
    order by pick.as_of desc, pick.run_id desc, m desc
    limit ${limit}`);
  const list = Array.isArray(rows) ? rows : (rows as { rows: { id: number }[] }).rows;
  return list.map((r) => Number(r.id));
}

/** One day of a stored backtest: each side's VaR and ES forecasts and its realized loss. */
export interface BacktestSeriesDay {
  date: string;
  longVar: number | null;
  longEs: number | null;
  longLoss: number | null;
  shortVar: number | null;
  shortEs: number | null;
  shortLoss: number | null;
}

/** The backtests stored with the market's newest run that has them, filtered. */
export async function marketBacktests(
  db: Db,
  marketId: string,
  f: { method?: string; level?: number },
) {
  const [latest] = await db
    .select({ runId: backtests.runId, asOf: runs.asOf })
    .from(backtests)
    .innerJoin(runs, eq(runs.id, backtests.runId))
    .where(eq(backtests.marketId, marketId))
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(1);
  if (!latest) return { runId: null, asOf: null, rows: [] };
  const where: SQL[] = [eq(backtests.runId, latest.runId), eq(backtests.marketId, marketId)];
  if (f.method) where.push(eq(backtests.method, f.method));
  if (f.level !== undefined) where.push(eq(backtests.level, f.level));
  const rows = await db
    .select()
    .from(backtests)
    .where(and(...where))
    .orderBy(asc(backtests.method), asc(backtests.level));
  return { runId: latest.runId, asOf: latest.asOf, rows };
}

/** The details of a stored backtest: the worse side, exception dates and the daily series. */
export function backtestDetails(details: unknown): {
  side: "long" | "short" | null;
  exceptionDates: string[];
  series: BacktestSeriesDay[];
} {
  const d = (details ?? {}) as { side?: unknown; exceptionDates?: unknown; series?: unknown };
  const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);
  return {
    side: d.side === "long" || d.side === "short" ? d.side : null,
    exceptionDates: Array.isArray(d.exceptionDates)
      ? d.exceptionDates.filter((x): x is string => typeof x === "string")
      : [],
    series: Array.isArray(d.series)
      ? d.series.map((s: Record<string, unknown>) => ({
          date: String(s.date),
          longVar: num(s.var),
          longEs: num(s.es),
          longLoss: num(s.loss),
          shortVar: num(s.shortVar),
          shortEs: num(s.shortEs),
          shortLoss: num(s.shortLoss),
        }))
      : [],
  };
}
/** The published surface of a run (the market's latest run that has one by default). */
export async function publishedSurface(
  db: Db,
  marketId: string,
  runId?: number,
): Promise<Out<typeof SurfaceResponse> | null> {
  const where: SQL[] = [eq(surfaces.marketId, marketId), eq(surfaces.model, "published")];
  if (runId !== undefined) where.push(eq(surfaces.runId, runId));
  // Only surfaces that carry their representation can be published as the object itself.
  where.push(sql`${surfaces.diagnostics} -> 'representation' is not null`);
  where.push(sql`jsonb_typeof(${surfaces.diagnostics} -> 'representation') = 'object'`);
  // Newest first by the runs' (as_of, id) index, probing each run's surface by its key.
  const [row] = await db
    .select({ s: surfaces })
    .from(surfaces)
    .innerJoin(runs, eq(runs.id, surfaces.runId))
    .where(and(...where))
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(1);
  const s = row?.s;
  if (!s) return null;
  const slices = await db
    .select()
    .from(surfaceSlices)
    .where(eq(surfaceSlices.surfaceId, s.id))
    .orderBy(asc(surfaceSlices.expiry));
  const { representation, ...diagnostics } = s.diagnostics as Record<string, unknown> & {
    representation: PublishedRepresentation;
  };
  return {
    market: marketId,
    runId: s.runId,
    asOf: iso(s.asOf),
    model: s.model,
    expiries: slices.map((x) => ({
      expiry: iso(x.expiry),
      t: x.t,
      forward: x.forward,
      atmVol: x.atmVol,
      quotesUsed: x.quotesUsed,
    })),
    representation,
    diagnostics,
  };
}

type RunRow = typeof runs.$inferSelect;

async function runItems(db: Db, rows: RunRow[]): Promise<Out<typeof RunListItem>[]> {
  const ms = rows.length
    ? await db
        .select({
          runId: runMarkets.runId,
          marketId: runMarkets.marketId,
          status: runMarkets.status,
          reason: runMarkets.reason,
        })
        .from(runMarkets)
        .where(
          inArray(
            runMarkets.runId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(asc(runMarkets.marketId))
    : [];
  return rows.map(withEffectiveStatus).map((r) => ({
    id: r.id,
    runKey: r.runKey,
    job: r.job,
    trigger: r.trigger,
    slot: iso(r.slot),
    asOf: iso(r.asOf),
    status: r.status,
    reason: publicReason(r.reason),
    codeVersion: r.codeVersion,
    configHash: r.configHash,
    startedAt: iso(r.startedAt),
    finishedAt: isoOrNull(r.finishedAt),
    markets: ms
      .filter((m) => m.runId === r.id)
      .map((m) => ({ marketId: m.marketId, status: m.status, reason: publicReason(m.reason) })),
  }));
}

/** Runs newest first (as-of, then id), keyset-paginated. */
export async function runPage(db: Db, q: Out<typeof RunsQuery>) {
  const where: SQL[] = [];
  // Statuses as readers see them: a running run whose lease passed is abandoned.
  if (q.status === "abandoned")
    where.push(
      sql`(${runs.status} = 'abandoned' or (${runs.status} = 'running' and ${runs.leaseExpiresAt} < now()))`,
    );
  else if (q.status === "running")
    where.push(
      sql`${runs.status} = 'running' and (${runs.leaseExpiresAt} is null or ${runs.leaseExpiresAt} >= now())`,
    );
  else if (q.status) where.push(eq(runs.status, q.status));
  if (q.market)
    where.push(
      sql`exists (select 1 from ${runMarkets} where ${runMarkets.runId} = ${runs.id} and ${runMarkets.marketId} = ${q.market})`,
    );
  if (q.cursor)
    where.push(
      sql`(${runs.asOf}, ${runs.id}) < (${q.cursor.at.toISOString()}::timestamptz, ${q.cursor.id})`,
    );
  const rows = await db
    .select()
    .from(runs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(runs.asOf), desc(runs.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    runs: await runItems(db, page),
    next: rows.length > q.limit && last ? encodeCursor(last.asOf, last.id) : null,
  };
}

export async function runById(db: Db, id: number): Promise<Out<typeof RunResponse> | null> {
  const [run] = await db.select().from(runs).where(eq(runs.id, id));
  if (!run) return null;
  const [[item], ms, stages, risk, props] = await Promise.all([
    runItems(db, [run]),
    db
      .select({
        marketId: runMarkets.marketId,
        status: runMarkets.status,
        reason: runMarkets.reason,
        quotesUsed: runMarkets.quotesUsed,
        quotesDropped: runMarkets.quotesDropped,
        inputHash: runMarkets.inputHash,
        source: snapshots.source,
        capturedAt: snapshots.capturedAt,
        indexPrice: snapshots.indexPrice,
      })
      .from(runMarkets)
      .leftJoin(snapshots, eq(runMarkets.snapshotId, snapshots.id))
      .where(eq(runMarkets.runId, id))
      .orderBy(asc(runMarkets.marketId)),
    db
      .select({
        marketId: runStages.marketId,
        stage: runStages.stage,
        status: runStages.status,
        durationMs: runStages.durationMs,
      })
      .from(runStages)
      .where(eq(runStages.runId, id))
      .orderBy(asc(runStages.marketId), asc(runStages.seq)),
    db
      .select(riskColumns)
      .from(riskMetrics)
      .where(eq(riskMetrics.runId, id))
      .orderBy(asc(riskMetrics.method), asc(riskMetrics.level), asc(riskMetrics.horizonDays)),
    db
      .select({ id: proposals.id, marketId: proposals.marketId })
      .from(proposals)
      .where(eq(proposals.runId, id))
      .orderBy(asc(proposals.id)),
  ]);
  return {
    run: item,
    markets: ms.map((m) => ({
      marketId: m.marketId,
      status: m.status,
      reason: publicReason(m.reason),
      source: m.source,
      capturedAt: isoOrNull(m.capturedAt),
      indexPrice: m.indexPrice,
      quotesUsed: m.quotesUsed,
      quotesDropped: m.quotesDropped,
      inputHash: m.inputHash,
      stages: stages
        .filter((s) => s.marketId === m.marketId)
        .map(({ stage, status, durationMs }) => ({ stage, status, durationMs })),
      risk: risk.filter((r) => r.marketId === m.marketId).map(riskPoint),
      proposalIds: props.filter((p) => p.marketId === m.marketId).map((p) => p.id),
    })),
  };
}

/** Whether a run has finished: its stored representation will never change again. */
export const runFinished = (status: string): boolean =>
  status !== "running" && status !== "abandoned";

type ProposalRow = typeof proposals.$inferSelect;

async function proposalChangesOf(db: Db, ids: number[]) {
  return ids.length
    ? db
        .select({
          proposalId: proposalChanges.proposalId,
          name: parameters.name,
          unit: parameters.unit,
          currentValue: proposalChanges.currentValue,
          targetValue: proposalChanges.targetValue,
          proposedValue: proposalChanges.proposedValue,
          guardrailTrace: proposalChanges.guardrailTrace,
        })
        .from(proposalChanges)
        .innerJoin(parameters, eq(parameters.id, proposalChanges.parameterId))
        .where(inArray(proposalChanges.proposalId, ids))
        .orderBy(asc(parameters.name))
    : [];
}

function proposalItem(
  p: ProposalRow,
  changes: Awaited<ReturnType<typeof proposalChangesOf>>,
): Out<typeof ProposalListItem> {
  return {
    id: p.id,
    runId: p.runId,
    marketId: p.marketId,
    status: p.status as Out<typeof ProposalListItem>["status"],
    createdAt: iso(p.createdAt),
    decidedAt: isoOrNull(p.decidedAt),
    quorum: p.quorum,
    payloadHash: p.payloadHash,
    changes: changes
      .filter((c) => c.proposalId === p.id)
      .map(({ name, unit, currentValue, targetValue, proposedValue }) => ({
        name,
        unit,
        currentValue,
        targetValue,
        proposedValue,
      })),
  };
}

/** Proposals newest first (created, then id), keyset-paginated. */
export async function proposalPage(db: Db, q: Out<typeof ProposalsQuery>) {
  const where: SQL[] = [];
  if (q.status) where.push(eq(proposals.status, q.status));
  if (q.market) where.push(eq(proposals.marketId, q.market));
  if (q.cursor)
    where.push(
      sql`(${proposals.createdAt}, ${proposals.id}) < (${q.cursor.at.toISOString()}::timestamptz, ${q.cursor.id})`,
    );
  const rows = await db
    .select()
    .from(proposals)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(proposals.createdAt), desc(proposals.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const changes = await proposalChangesOf(
    db,
    page.map((p) => p.id),
  );
  const last = page[page.length - 1];
  return {
    proposals: page.map((p) => proposalItem(p, changes)),
    next: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export async function proposalById(
  db: Db,
  id: number,
): Promise<Out<typeof ProposalResponse> | null> {
  const [p] = await db.select().from(proposals).where(eq(proposals.id, id));
  if (!p) return null;
  const [changes, rs, [ex]] = await Promise.all([
    proposalChangesOf(db, [id]),
    db
      .select()
      .from(reviews)
      .where(eq(reviews.proposalId, id))
      .orderBy(asc(reviews.issuedAt), asc(reviews.id)),
    db.select().from(executions).where(eq(executions.proposalId, id)),
  ]);
  return {
    proposal: {
      ...proposalItem(p, changes),
      rationale: p.rationale,
      supersededBy: p.supersededBy,
      reaffirmedBy: p.reaffirmedBy.map((r) => ({
        runId: r.runId,
        asOf: new Date(r.asOf).toISOString(),
      })),
      changes: changes.map(
        ({ name, unit, currentValue, targetValue, proposedValue, guardrailTrace }) => ({
          name,
          unit,
          currentValue,
          targetValue,
          proposedValue,
          guardrailTrace,
        }),
      ),
    },
    reviews: rs.map((r) => ({
      member: r.memberAddress,
      decision: r.decision,
      comment: r.comment,
      issuedAt: iso(r.issuedAt),
      signature: r.signature,
    })),
    execution: ex
      ? {
          executedAt: iso(ex.executedAt),
          executor: ex.executedBy,
          txHash: ex.txHash,
          note: ex.note,
        }
      : null,
  };
}

/** The newest run of each market (for /health), by the run_markets → runs join. */
export async function latestRunPerMarket(
  db: Db,
  now: Date,
): Promise<Out<typeof HealthResponse>["markets"]> {
  const ids = await db.select({ id: markets.id }).from(markets).orderBy(asc(markets.id));
  return Promise.all(
    ids.map(async ({ id }) => {
      const [r] = await db
        .select({ runId: runs.id, asOf: runs.asOf })
        .from(runMarkets)
        .innerJoin(runs, eq(runs.id, runMarkets.runId))
        .where(and(eq(runMarkets.marketId, id), isNotNull(runs.finishedAt)))
        .orderBy(desc(runs.asOf), desc(runs.id))
        .limit(1);
      return {
        marketId: id,
        latestRunId: r?.runId ?? null,
        latestAsOf: isoOrNull(r?.asOf),
        ageHours: r ? (now.getTime() - r.asOf.getTime()) / 3_600_000 : null,
      };
    }),
  );
}
