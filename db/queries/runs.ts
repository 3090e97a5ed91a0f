import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { proposalQuorum, type VigilConfig } from "../../lib/config";
import { payloadHash, proposalPayload } from "../../lib/governance/payload";
import type { AuditEventBody } from "../../lib/governance/audit";
import type { TimedOptionQuote } from "../../lib/market/quality";
import type { Snapshot } from "../../lib/market/types";
import type { Calibration, MarketOutcome, RunSummary, Status } from "../../lib/pipeline/types";
import type { Db } from "../client";
import {
  backtests,
  optionQuotes,
  proposalChanges,
  proposals,
  riskMetrics,
  runMarkets,
  runs,
  runStages,
  snapshots,
  surfaces,
  surfaceSlices,
} from "../schema";
import { appendAuditEvents } from "./audit";
import { appendHistory } from "./priceHistory";
import { sourceKindOf } from "../../lib/market/sourceKind";
import { effectiveStatus, overallStatus } from "../../lib/pipeline/status";

export interface RunHeader {
  runKey: string;
  job: string;
  slot: Date;
  asOf: Date;
  trigger: string;
  codeVersion: string;
  configHash: string;
  config: unknown;
  startedAt: Date;
}

/** A run as stored, with the fields a worker needs to record one of its markets. */
export interface RunRef {
  id: number;
  runKey: string;
  asOf: Date;
  trigger: string;
  codeVersion: string;
  configHash: string;
  markets: string[];
}

/** The stored summary of a run by key, or null when the key has not been run. */
export async function runSummaryByKey(db: Db, runKey: string): Promise<RunSummary | null> {
  const [run] = await db.select({ id: runs.id }).from(runs).where(eq(runs.runKey, runKey));
  return run ? runSummaryById(db, run.id, true) : null;
}

export async function runSummaryById(
  db: Db,
  runId: number,
  replayed: boolean,
): Promise<RunSummary | null> {
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run) return null;
  const ms = await db
    .select()
    .from(runMarkets)
    .where(eq(runMarkets.runId, run.id))
    .orderBy(asc(runMarkets.marketId));
  const props = await db
    .select({ id: proposals.id, marketId: proposals.marketId })
    .from(proposals)
    .where(eq(proposals.runId, run.id))
    .orderBy(asc(proposals.id));
  const reaffirmed = await db
    .select({ id: proposals.id, marketId: proposals.marketId })
    .from(proposals)
    .where(sql`${proposals.reaffirmedBy} @> ${JSON.stringify([{ runId: run.id }])}::jsonb`)
    .orderBy(asc(proposals.id));
  return {
    runId: run.id,
    runKey: run.runKey,
    status: effectiveStatus(run.status, run.leaseExpiresAt),
    reason: run.reason,
    asOf: run.asOf.toISOString(),
    source: run.source,
    replayed,
    markets: ms.map((m) => ({
      market: m.marketId,
      status: m.status as Status,
      reason: m.reason,
      quotes: { used: m.quotesUsed, dropped: m.quotesDropped },
      proposals: props.filter((p) => p.marketId === m.marketId).map((p) => p.id),
      reaffirmed: reaffirmed.filter((p) => p.marketId === m.marketId).map((p) => p.id),
    })),
  };
}

const leaseUntil = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

export type Claim =
  | { kind: "claimed"; run: RunRef; done: string[] }
  /** Finished, or another worker holds a live lease on it: its stored summary. */
  | { kind: "taken"; summary: RunSummary };

/**
 * Claims a run key for this worker: a new key becomes a `running` run with a lease; an abandoned
 * run of the key (lease expired) is taken over, with the markets it already recorded in `done`.
 * Anything else (finished, or running under a live lease) is someone else's: one statement each,
 * so concurrent deliveries of one slot give one run and one worker.
 */
export async function claimRun(
  db: Db,
  header: RunHeader & { source: string; markets: string[] },
  leaseMs: number,
): Promise<Claim> {
  const [created] = await db
    .insert(runs)
    .values({ ...header, status: "running", leaseExpiresAt: leaseUntil(leaseMs) })
    .onConflictDoNothing({ target: runs.runKey })
    .returning();
  if (created) return { kind: "claimed", run: created, done: [] };
  const [taken] = await db
    .update(runs)
    .set({ status: "running", reason: null, leaseExpiresAt: leaseUntil(leaseMs) })
    .where(
      and(
        eq(runs.runKey, header.runKey),
        sql`(${runs.status} = 'abandoned' or (${runs.status} = 'running' and ${runs.leaseExpiresAt} < now()))`,
      ),
    )
    .returning();
  if (taken) {
    const done = await db
      .select({ market: runMarkets.marketId })
      .from(runMarkets)
      .where(eq(runMarkets.runId, taken.id));
    return { kind: "claimed", run: taken, done: done.map((d) => d.market) };
  }
  return { kind: "taken", summary: (await runSummaryByKey(db, header.runKey))! };
}

/** The run a worker was sent to record a market of, while it is still open (else null). */
export async function openRun(db: Db, runId: number): Promise<RunRef | null> {
  const [run] = await db
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), inArray(runs.status, ["running", "abandoned"])));
  return run ?? null;
}

/** Extends the lease of a running run (every worker of the run does, while it works). */
export async function extendLease(db: Db, runId: number, leaseMs: number): Promise<void> {
  await db
    .update(runs)
    .set({ leaseExpiresAt: leaseUntil(leaseMs) })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")));
}

/**
 * Marks runs whose lease has passed as `abandoned`, naming the markets without a result; the
 * next delivery of their slot takes them over. Returns their ids.
 */
export async function markAbandoned(db: Db): Promise<number[]> {
  const rows = await db
    .update(runs)
    .set({
      status: "abandoned",
      reason: sql`'abandoned: the invocation stopped before finishing; markets without a result: ' ||
        coalesce((select string_agg(m, ', ' order by m) from jsonb_array_elements_text(${runs.markets}) m
          where not exists (select 1 from ${runMarkets} rm where rm.run_id = ${runs.id} and rm.market_id = m)), 'none')`,
    })
    .where(and(eq(runs.status, "running"), lt(runs.leaseExpiresAt, sql`now()`)))
    .returning({ id: runs.id });
  return rows.map((r) => r.id);
}

class MarketTaken extends Error {}

const QUOTE_BATCH = 500;

/**
 * Records one market of a run in its own transaction: its outcome and stages, snapshot and
 * quotes (shared by content hash within a source kind), its kind's new history days, surfaces,
 * risk metrics, proposals (superseding and expiring older open ones) and their audit events.
 * The market's advisory lock serializes runs touching it. Returns null when the market was
 * already recorded for this run (another worker) or the run is no longer open.
 */
export async function persistMarket(
  db: Db,
  run: RunRef,
  o: MarketOutcome,
  config: VigilConfig,
): Promise<RunSummary["markets"][number] | null> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"vigil:market:" + o.market}))`);
      // Shares the run row with the other markets; finalizeRun waits for it (FOR UPDATE).
      const [open] = await tx
        .select({ status: runs.status })
        .from(runs)
        .where(eq(runs.id, run.id))
        .for("share");
      if (!open || !["running", "abandoned"].includes(open.status)) throw new MarketTaken();
      const used = o.calibration?.ivs.used ?? 0;
      const dropped = o.ingest ? o.ingest.snapshot.options.length - used : 0;
      const snapshotId = o.ingest ? await storeSnapshot(tx, o) : null;
      const [row] = await tx
        .insert(runMarkets)
        .values({
          runId: run.id,
          marketId: o.market,
          status: o.status,
          reason: o.reason,
          snapshotId,
          quotesUsed: used,
          quotesDropped: dropped,
          inputHash: o.ingest?.inputHash ?? null,
          quality: o.ingest?.quality ?? null,
        })
        .onConflictDoNothing()
        .returning({ marketId: runMarkets.marketId });
      if (!row) throw new MarketTaken();
      if (o.ingest?.historyAdded.length) {
        const kind = sourceKindOf(o.ingest.snapshot.source);
        await appendHistory(tx, o.market, kind, o.ingest.historyAdded);
      }
      if (o.stages.length) {
        await tx.insert(runStages).values(
          o.stages.map((s, seq) => ({
            runId: run.id,
            marketId: o.market,
            stage: s.stage,
            seq,
            status: s.status,
            startedAt: new Date(s.startedAt),
            durationMs: s.durationMs,
            summary: s.summary,
          })),
        );
      }
      if (o.calibration && o.ingest) {
        await storeSurfaces(tx, run.id, o.market, o.ingest.snapshot.capturedAt, o.calibration);
      }
      if (o.risk?.length) {
        await tx
          .insert(riskMetrics)
          .values(o.risk.map((m) => ({ runId: run.id, marketId: o.market, asOf: run.asOf, ...m })));
      }
      if (o.backtests?.length) {
        await tx.insert(backtests).values(
          o.backtests.map((b) => ({
            runId: run.id,
            marketId: o.market,
            method: b.method,
            level: b.level,
            estimationWindow: b.window,
            days: b.days,
            testedFrom: b.testedFrom,
            testedTo: b.testedTo,
            exceptions: b.exceptions,
            expected: b.expected,
            kupiecPValue: b.kupiec.pValue,
            christoffersenIndPValue: b.christoffersen.pValueInd,
            christoffersenCcPValue: b.christoffersen.pValueCc,
            // No traffic light at levels without a cited table (lib/quant/backtests).
            zone: b.trafficLight?.zone ?? "none",
            plusFactor: b.trafficLight?.plusFactor ?? 0,
            z2: b.z2.value,
            z2PValue: b.z2.pValue,
            details: {
              exceptionDates: b.exceptionDates,
              z2CriticalValue: b.z2.criticalValue,
              side: b.side,
              sides: b.sides,
              errors: b.errors,
              series: b.series,
            },
          })),
        );
      }
      const audit: AuditEventBody[] = [];
      const ids = await storeProposal(tx, run, o, config, audit, new Date().toISOString());
      await appendAuditEvents(tx, audit);
      return {
        market: o.market,
        status: o.status,
        reason: o.reason,
        quotes: { used, dropped },
        proposals: ids.opened,
        reaffirmed: ids.reaffirmed,
      };
    });
  } catch (err) {
    if (err instanceof MarketTaken) return null;
    throw err;
  }
}

/**
 * When recording a market's results failed: its row alone, failed with the public reason, so the
 * run can still finish (nothing else of the market is kept). False when it was already recorded.
 */
export async function recordMarketFailure(
  db: Db,
  runId: number,
  marketId: string,
  reason: string,
): Promise<boolean> {
  const rows = await db
    .insert(runMarkets)
    .values({ runId, marketId, status: "failed", reason })
    .onConflictDoNothing()
    .returning({ marketId: runMarkets.marketId });
  return rows.length > 0;
}

/**
 * Ends a run once every market it covers is recorded: its status and reason from the markets',
 * its input hash, and the `run.recorded` audit event, in one transaction that waits for markets
 * still being written. Returns false while markets are missing or when it was already ended.
 */
export async function finalizeRun(db: Db, runId: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for("update");
    if (!run || !["running", "abandoned"].includes(run.status)) return false;
    const rows = await tx.select().from(runMarkets).where(eq(runMarkets.runId, runId));
    const byMarket = new Map(rows.map((r) => [r.marketId, r]));
    if (!run.markets.every((m) => byMarket.has(m))) return false;
    const ordered = run.markets.map((m) => byMarket.get(m)!);
    const { status, reason } = overallStatus(
      ordered.map((r) => ({ market: r.marketId, status: r.status as Status, reason: r.reason })),
    );
    const hashes = ordered.map((r) => r.inputHash).filter(Boolean);
    await tx
      .update(runs)
      .set({
        status,
        reason,
        inputHash: hashes.length ? hashes.join(",") : null,
        finishedAt: new Date(),
        leaseExpiresAt: null,
      })
      .where(eq(runs.id, runId));
    await appendAuditEvents(tx, [
      {
        at: new Date().toISOString(),
        actor: `pipeline:${run.trigger}`,
        kind: "run.recorded",
        entity: `run:${run.id}`,
        payload: { runKey: run.runKey, status, reason, asOf: run.asOf.toISOString() },
      },
    ]);
    return true;
  });
}

/**
 * The quotes' implied vols (model "market-iv": bid/ask/mid/mark per quote, ATM vol per expiry) and
 * each fitted surface with its per-slice parameters and diagnostics.
 */
async function storeSurfaces(
  tx: Db,
  runId: number,
  marketId: string,
  capturedAt: number,
  { ivs, fits, models }: Calibration,
): Promise<void> {
  const asOf = new Date(capturedAt);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const [raw] = await tx
    .insert(surfaces)
    .values({
      runId,
      marketId,
      model: "market-iv",
      asOf,
      diagnostics: {
        used: ivs.used,
        dropped: ivs.dropped,
        expiries: ivs.expiries.length,
        atm30d: finite(ivs.atm30d),
      },
    })
    .returning({ id: surfaces.id });
  if (ivs.expiries.length) {
    await tx.insert(surfaceSlices).values(
      ivs.expiries.map((e) => ({
        surfaceId: raw.id,
        expiry: new Date(e.expiry),
        t: e.t,
        forward: e.forward,
        atmVol: finite(e.atmVol),
        params: { points: e.points },
        quotesUsed: e.points.length,
        diagnostics: {},
      })),
    );
  }
  // Heston and Bates: one row each, no slices (one global fit); the filter's placeholder id of
  // this run (-1, it had no id while computing) becomes the run's id.
  for (const fit of Object.values(models?.fits ?? {})) {
    const regime = fit.regime && {
      ...fit.regime,
      runIds: fit.regime.runIds.map((id) => (id === -1 ? runId : id)),
      flags: fit.regime.flags.map((f) => (f.runId === -1 ? { ...f, runId } : f)),
    };
    await tx.insert(surfaces).values({
      runId,
      marketId,
      model: fit.model,
      asOf,
      diagnostics: { ...fit, regime: regime ?? null },
    });
  }
  for (const fit of fits) {
    const [row] = await tx
      .insert(surfaces)
      .values({
        runId,
        marketId,
        model: fit.model,
        asOf,
        diagnostics: { ...fit.surface, mark: fit.mark ?? null, skipped: fit.skipped },
      })
      .returning({ id: surfaces.id });
    const slices = fit.slices.filter((s) => s.expiry !== undefined);
    if (slices.length === 0) continue;
    await tx.insert(surfaceSlices).values(
      slices.map((s) => ({
        surfaceId: row.id,
        expiry: new Date(s.expiry!),
        t: s.t,
        forward: s.forward,
        atmVol: finite(fit.impliedVol(0, s.t)),
        params: s.params,
        quotesUsed: s.n,
        diagnostics: {
          rmseVolPts: s.rmseVolPts,
          maxErrVolPts: s.maxErrVolPts,
          insideSpreadShare: s.insideSpreadShare,
          butterflyViolations: s.butterflyViolations,
          status: s.status,
          markRmseVolPts: s.markRmseVolPts ?? null,
          fitVsMarkRmseVolPts: s.fitVsMarkRmseVolPts ?? null,
          k: s.k,
          fitIv: s.fitIv,
        },
      })),
    );
  }
}

async function storeSnapshot(tx: Db, o: MarketOutcome): Promise<number> {
  const { snapshot, snapshotHash } = o.ingest!;
  const [inserted] = await tx
    .insert(snapshots)
    .values({
      marketId: o.market,
      source: snapshot.source,
      sourceKind: sourceKindOf(snapshot.source),
      capturedAt: new Date(snapshot.capturedAt),
      indexPrice: snapshot.indexPrice,
      contentHash: snapshotHash,
      extras: snapshotExtras(snapshot),
    })
    .onConflictDoNothing({
      target: [snapshots.marketId, snapshots.sourceKind, snapshots.contentHash],
    })
    .returning({ id: snapshots.id });
  if (!inserted) {
    const [existing] = await tx
      .select({ id: snapshots.id })
      .from(snapshots)
      .where(
        and(
          eq(snapshots.marketId, o.market),
          eq(snapshots.sourceKind, sourceKindOf(snapshot.source)),
          eq(snapshots.contentHash, snapshotHash),
        ),
      );
    return existing.id;
  }
  for (let i = 0; i < snapshot.options.length; i += QUOTE_BATCH) {
    await tx.insert(optionQuotes).values(
      snapshot.options.slice(i, i + QUOTE_BATCH).map((q: TimedOptionQuote) => ({
        snapshotId: inserted.id,
        instrument: q.instrument,
        expiry: new Date(q.expiry),
        strike: q.strike,
        optionType: q.type,
        bid: q.bid,
        ask: q.ask,
        mark: q.mark,
        markIv: q.markIv,
        forward: q.forward,
        openInterest: q.openInterest,
        quotedAt: q.quotedAt === undefined ? null : new Date(q.quotedAt),
      })),
    );
  }
  return inserted.id;
}

/**
 * The lifecycle's data-time rules for one market of a run (lib/governance/lifecycle.ts):
 * open proposals past creation + TTL at this run's as-of expire; a proposal is opened only from a
 * succeeded run of a recorded (not simulated) source; a run that wants exactly what an open or
 * approved proposal wants reaffirms it instead of opening a duplicate; a new proposal supersedes
 * the open ones it disagrees with, but only those created at or before its own as-of time — a run
 * replayed for an earlier time never overrides a later one (it opens nothing).
 */
async function storeProposal(
  tx: Db,
  run: RunRef,
  o: MarketOutcome,
  config: VigilConfig,
  audit: AuditEventBody[],
  at: string,
): Promise<{ opened: number[]; reaffirmed: number[] }> {
  const runId = run.id;
  const asOf = run.asOf;
  const none = { opened: [], reaffirmed: [] };
  const expired = await tx
    .update(proposals)
    .set({ status: "expired", decidedAt: asOf })
    .where(
      and(
        eq(proposals.marketId, o.market),
        eq(proposals.status, "open"),
        lt(proposals.createdAt, new Date(asOf.getTime() - config.proposalTtlHours * 3_600_000)),
      ),
    )
    .returning({ id: proposals.id });
  for (const e of expired) {
    audit.push({
      at,
      actor: "pipeline",
      kind: "proposal.expired",
      entity: `proposal:${e.id}`,
      payload: { ttlHours: config.proposalTtlHours, runId, asOf: asOf.toISOString() },
    });
  }
  if (!o.proposal || o.status !== "succeeded" || !o.ingest || isSimulated(o.ingest.snapshot.source))
    return none;
  const draft = o.proposal.changes;
  const live = await tx
    .select({
      id: proposals.id,
      status: proposals.status,
      createdAt: proposals.createdAt,
      reaffirmedBy: proposals.reaffirmedBy,
      parameterId: proposalChanges.parameterId,
      currentValue: proposalChanges.currentValue,
      proposedValue: proposalChanges.proposedValue,
    })
    .from(proposals)
    .innerJoin(proposalChanges, eq(proposalChanges.proposalId, proposals.id))
    .where(and(eq(proposals.marketId, o.market), inArray(proposals.status, ["open", "approved"])))
    .orderBy(asc(proposals.id));
  const byProposal = new Map<number, typeof live>();
  for (const r of live) byProposal.set(r.id, [...(byProposal.get(r.id) ?? []), r]);
  const touches = (rows: typeof live) =>
    rows.some((r) => draft.some((c) => c.parameterId === r.parameterId));
  const sameChange = (rows: typeof live) =>
    rows.length === draft.length &&
    draft.every((c) =>
      rows.some(
        (r) =>
          r.parameterId === c.parameterId &&
          r.currentValue === c.current &&
          r.proposedValue === c.proposed,
      ),
    );
  for (const rows of byProposal.values()) {
    if (rows[0].createdAt.getTime() > asOf.getTime() && touches(rows)) return none;
  }
  const same = [...byProposal.values()].find(sameChange);
  if (same) {
    const id = same[0].id;
    await tx
      .update(proposals)
      .set({
        reaffirmedBy: sql`${proposals.reaffirmedBy} || ${JSON.stringify([{ runId, asOf: asOf.toISOString() }])}::jsonb`,
      })
      .where(eq(proposals.id, id));
    audit.push({
      at,
      actor: "pipeline",
      kind: "proposal.reaffirmed",
      entity: `proposal:${id}`,
      payload: { runId, asOf: asOf.toISOString() },
    });
    return { opened: [], reaffirmed: [id] };
  }
  const quorum = proposalQuorum(
    config,
    o.market,
    draft.map((c) => c.name),
  );
  const [p] = await tx
    .insert(proposals)
    .values({
      runId,
      marketId: o.market,
      status: "open",
      rationale: o.proposal.rationale,
      evidence: o.proposal.evidence,
      createdAt: asOf,
      quorum,
    })
    .returning();
  await tx.insert(proposalChanges).values(
    draft.map((c) => ({
      proposalId: p.id,
      parameterId: c.parameterId,
      currentValue: c.current,
      targetValue: c.derivation.target,
      proposedValue: c.proposed,
      guardrailTrace: { derivation: c.derivation, ...c.outcome },
    })),
  );
  const payload = proposalPayload({
    id: p.id,
    marketId: o.market,
    createdAt: asOf,
    run: {
      id: runId,
      configHash: run.configHash,
      codeVersion: run.codeVersion,
      inputHash: o.ingest.inputHash,
    },
    changes: draft.map((c) => ({
      name: c.name,
      currentValue: c.current,
      proposedValue: c.proposed,
    })),
  });
  const hash = payloadHash(payload);
  await tx.update(proposals).set({ payload, payloadHash: hash }).where(eq(proposals.id, p.id));
  const outdated = [...byProposal.values()]
    .filter((rows) => rows[0].status === "open" && touches(rows))
    .map((rows) => rows[0].id);
  if (outdated.length) {
    await tx
      .update(proposals)
      .set({ status: "superseded", supersededBy: p.id, decidedAt: asOf })
      .where(and(inArray(proposals.id, outdated), eq(proposals.status, "open")));
  }
  for (const id of outdated) {
    audit.push({
      at,
      actor: "pipeline",
      kind: "proposal.superseded",
      entity: `proposal:${id}`,
      payload: { by: p.id, asOf: asOf.toISOString() },
    });
  }
  audit.push({
    at,
    actor: "pipeline",
    kind: "proposal.opened",
    entity: `proposal:${p.id}`,
    payload: {
      runId,
      market: o.market,
      quorum,
      payloadHash: hash,
      changes: draft.map((c) => ({
        parameter: c.name,
        current: c.current,
        proposed: c.proposed,
      })),
    },
  });
  return { opened: [p.id], reaffirmed: [] };
}

/** Synthetic data never opens, reaffirms or supersedes a proposal of a configured market. */
export const isSimulated = (source: string): boolean => source.startsWith("simulator");

/** What a source adds to the normalized snapshot (live: futures, perpetual, capture window). */
function snapshotExtras(snapshot: Snapshot): Record<string, unknown> {
  const extras: Record<string, unknown> = { ...snapshot };
  for (const k of ["market", "source", "capturedAt", "indexPrice", "options"]) delete extras[k];
  return extras;
}

/**
 * Drops the per-quote rows (option_quotes) of snapshots captured more than `keepDays` days before
 * `now`, in one statement; snapshots, their data-quality reports, surfaces and fits, risk
 * metrics, backtests and proposals stay. Returns how many quotes were deleted.
 */
export async function pruneQuotes(db: Db, keepDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - keepDays * 86_400_000);
  const result = await db
    .delete(optionQuotes)
    .where(
      inArray(
        optionQuotes.snapshotId,
        db.select({ id: snapshots.id }).from(snapshots).where(lt(snapshots.capturedAt, cutoff)),
      ),
    );
  // node-postgres reports rowCount, PGlite affectedRows.
  const r = result as { rowCount?: number | null; affectedRows?: number };
  return Number(r.rowCount ?? r.affectedRows ?? 0);
}
