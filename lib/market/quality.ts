// Cleaning of a snapshot's option quotes with a reason for every drop, and the data-quality report
// stored with a run. Pure: no I/O, no clock (the caller passes `now`). Rules and formulas are in
// docs/market-data.md.
import { coinToUsdForward } from "../quant/black76";
import { impliedVol } from "../quant/impliedVol";
import type { OptionQuote, Snapshot } from "./types";

const YEAR_MS = 365 * 86_400_000; // Deribit's mark IVs use a 365-day year, as impliedVols.ts
const HOUR_MS = 3_600_000;

/** When a live capture ran and the index at its start and end (null where not observed). */
export interface CaptureWindow {
  startedAt: number;
  finishedAt: number;
  indexAtStart: number | null;
  indexAtEnd: number | null;
}

/** An option quote with the time the venue produced it, where known (ms). */
export type TimedOptionQuote = OptionQuote & { quotedAt?: number };

/** What cleanSnapshot reads: a Snapshot, optionally with per-quote times and the capture window. */
export type QualityInput<Q extends OptionQuote = OptionQuote> = Snapshot & {
  options: (Q & { quotedAt?: number })[];
  capture?: CaptureWindow;
};

/** Why a quote was dropped; checked in this order, the first that applies is counted. */
export const QUALITY_REASONS = [
  "invalid or expired",
  "stale",
  "zero bid",
  "one-sided",
  "crossed or locked",
  "wide spread",
  "mark outside band",
  "outside no-arbitrage bounds",
  "no implied vol",
  "outlier",
] as const;
export type QualityReason = (typeof QUALITY_REASONS)[number];

export interface CleanOptions {
  /** The instant the data is judged at (the run's as-of time), ms. */
  now: number;
  /** Data older than this at `now` is stale: the snapshot is flagged, its quotes dropped. 24 h. */
  maxAgeMs?: number;
  /** A quote produced more than this before the snapshot's capture lags it: stale. 5 min. */
  maxQuoteLagMs?: number;
  /** Largest (ask − bid) / mid kept. 1.0 (a spread as wide as the mid price). */
  maxRelSpread?: number;
  /** ... unless the spread is at most this many coin (a few ticks on a cheap wing). 0.0005. */
  minAbsSpread?: number;
  /** Slack (coin) allowed when checking the mark against [bid, ask]. 0. */
  markTolerance?: number;
  /** Neighbours in strike on each side compared with a quote's mid IV. 3. */
  neighbours?: number;
  /** Outlier: |mid IV − neighbours' median| > max(outlierAbsVol, outlierRelVol · median). */
  outlierAbsVol?: number;
  outlierRelVol?: number;
  /** Index move during capture above which a warning is raised (relative). 0.01. */
  maxIndexMove?: number;
}

export interface ExpiryCoverage {
  expiry: number;
  /** ISO date-time of the expiry, for humans. */
  expiryIso: string;
  /** Days from capture to expiry. */
  days: number;
  /** Mean forward of the expiry's quotes (USD). */
  forward: number;
  total: number;
  usable: number;
}

export interface DataQualityReport {
  capturedAt: number;
  evaluatedAt: number;
  /** now − capturedAt, ms. */
  dataAgeMs: number;
  /** dataAgeMs > maxAgeMs. */
  stale: boolean;
  quotes: { total: number; usable: number; dropped: number };
  /** Drops by reason; every reason present, zero when none. */
  dropped: Record<QualityReason, number>;
  /** Up to three instruments per reason, to look at. */
  examples: Partial<Record<QualityReason, string[]>>;
  expiries: ExpiryCoverage[];
  usableExpiries: number;
  /** Age at `now` of the quotes' own timestamps, where the source gives them. */
  quoteAge: { known: number; medianMs: number | null; maxMs: number | null };
  /** How far the index moved while the snapshot was captured, where known. */
  indexMove: { from: number; to: number; relative: number; durationMs: number } | null;
  /** Plain-language findings for the run page (staleness, index move, empty book). */
  warnings: string[];
  thresholds: Required<Omit<CleanOptions, "now">>;
}

export const DEFAULT_THRESHOLDS: Required<Omit<CleanOptions, "now">> = {
  maxAgeMs: 24 * HOUR_MS,
  maxQuoteLagMs: 5 * 60_000,
  maxRelSpread: 1,
  minAbsSpread: 0.0005,
  markTolerance: 0,
  neighbours: 3,
  outlierAbsVol: 0.1,
  outlierRelVol: 0.25,
  maxIndexMove: 0.01,
};

interface Candidate {
  /** Index of the quote in snapshot.options. */
  i: number;
  strike: number;
  t: number;
  iv: number;
}

/**
 * Splits a snapshot's quotes into the clean ones and the dropped ones counted by reason, and
 * reports coverage, freshness and the index move during capture. Quotes are returned as given
 * (same objects, same order).
 */
export function cleanSnapshot<Q extends OptionQuote>(
  snapshot: QualityInput<Q>,
  options: CleanOptions,
): { clean: Q[]; report: DataQualityReport } {
  const th = { ...DEFAULT_THRESHOLDS, ...stripUndefined(options) };
  const { now } = options;
  const dropped = Object.fromEntries(QUALITY_REASONS.map((r) => [r, 0])) as Record<
    QualityReason,
    number
  >;
  const examples: DataQualityReport["examples"] = {};
  const drop = (reason: QualityReason, q: OptionQuote) => {
    dropped[reason]++;
    const ex = (examples[reason] ??= []);
    if (ex.length < 3) ex.push(q.instrument);
  };

  // (Snapshot & {options: X[]}).options resolves to OptionQuote[] in overloads: name the type.
  const quotes = snapshot.options as (Q & { quotedAt?: number })[];
  const dataAgeMs = now - snapshot.capturedAt;
  const snapshotStale = dataAgeMs > th.maxAgeMs;
  const ages: number[] = [];
  const keep = new Uint8Array(quotes.length);
  const byExpiry = new Map<number, { fwdSum: number; total: number; idx: number[] }>();
  const candidatesByExpiry = new Map<number, Candidate[]>();

  quotes.forEach((q, i) => {
    let e = byExpiry.get(q.expiry);
    if (!e) byExpiry.set(q.expiry, (e = { fwdSum: 0, total: 0, idx: [] }));
    e.total++;
    if (Number.isFinite(q.forward)) e.fwdSum += q.forward;
    if (q.quotedAt !== undefined) ages.push(now - q.quotedAt);

    const t = (q.expiry - snapshot.capturedAt) / YEAR_MS;
    if (!(q.strike > 0 && q.forward > 0 && Number.isFinite(q.strike + q.forward) && t > 0)) {
      return drop("invalid or expired", q);
    }
    const quotedAt = q.quotedAt ?? snapshot.capturedAt;
    if (
      snapshotStale ||
      now - quotedAt > th.maxAgeMs ||
      snapshot.capturedAt - quotedAt > th.maxQuoteLagMs
    ) {
      return drop("stale", q);
    }
    const { bid, ask, mark } = q;
    if (bid === 0) return drop("zero bid", q);
    if (bid === null || ask === null || !(bid > 0) || !(ask > 0)) return drop("one-sided", q);
    if (bid >= ask) return drop("crossed or locked", q);
    const mid = (bid + ask) / 2;
    const spread = ask - bid;
    if (spread / mid > th.maxRelSpread && spread > th.minAbsSpread) return drop("wide spread", q);
    if (mark !== null && (mark < bid - th.markTolerance || mark > ask + th.markTolerance)) {
      return drop("mark outside band", q);
    }
    // Inverse options, in coin: call ∈ [max(0, 1 − K/F), 1), put ∈ [max(0, K/F − 1), K/F).
    const kf = q.strike / q.forward;
    const lower = q.type === "call" ? Math.max(0, 1 - kf) : Math.max(0, kf - 1);
    const upper = q.type === "call" ? 1 : kf;
    if (ask < lower || bid >= upper || mid < lower || mid >= upper) {
      return drop("outside no-arbitrage bounds", q);
    }
    const iv = impliedVol(coinToUsdForward(mid, q.forward), q.forward, q.strike, t, q.type);
    if (!Number.isFinite(iv)) return drop("no implied vol", q);
    let list = candidatesByExpiry.get(q.expiry);
    if (!list) candidatesByExpiry.set(q.expiry, (list = []));
    list.push({ i, strike: q.strike, t, iv });
    keep[i] = 1;
  });

  // Outliers: a mid IV far from the median of its nearest neighbours in strike, same expiry.
  const scratch: number[] = [];
  for (const list of candidatesByExpiry.values()) {
    list.sort((a, b) => a.strike - b.strike);
    const flagged: number[] = [];
    for (let i = 0; i < list.length; i++) {
      scratch.length = 0;
      let lo = i - 1;
      let hi = i + 1;
      const logK = Math.log(list[i].strike);
      while (scratch.length < 2 * th.neighbours && (lo >= 0 || hi < list.length)) {
        const dLo = lo >= 0 ? logK - Math.log(list[lo].strike) : Infinity;
        const dHi = hi < list.length ? Math.log(list[hi].strike) - logK : Infinity;
        if (dLo <= dHi) scratch.push(list[lo--].iv);
        else scratch.push(list[hi++].iv);
      }
      if (scratch.length < 2) continue;
      const med = median(scratch);
      const tol = Math.max(th.outlierAbsVol, th.outlierRelVol * med);
      const c = list[i];
      if (Math.abs(c.iv - med) <= tol) continue;
      // The mid is far off: an outlier only if the whole bid-ask IV band misses the neighbours.
      const q = quotes[c.i];
      const bidIv = bandIv(q.bid!, q, c.t);
      const askIv = bandIv(q.ask!, q, c.t);
      const miss = med < bidIv ? bidIv - med : med > askIv ? med - askIv : 0;
      if (miss > tol) flagged.push(c.i);
    }
    for (const i of flagged) {
      keep[i] = 0;
      drop("outlier", quotes[i]);
    }
  }

  const clean: Q[] = [];
  const usableByExpiry = new Map<number, number>();
  quotes.forEach((q, i) => {
    if (!keep[i]) return;
    clean.push(q);
    usableByExpiry.set(q.expiry, (usableByExpiry.get(q.expiry) ?? 0) + 1);
  });

  const expiries: ExpiryCoverage[] = [...byExpiry.entries()]
    .sort(([a], [b]) => a - b)
    .map(([expiry, e]) => ({
      expiry,
      expiryIso: Number.isFinite(expiry) ? new Date(expiry).toISOString() : String(expiry),
      days: (expiry - snapshot.capturedAt) / 86_400_000,
      forward: e.fwdSum / e.total,
      total: e.total,
      usable: usableByExpiry.get(expiry) ?? 0,
    }));

  let indexMove: DataQualityReport["indexMove"] = null;
  const cap = snapshot.capture;
  if (cap && cap.indexAtStart && cap.indexAtEnd) {
    indexMove = {
      from: cap.indexAtStart,
      to: cap.indexAtEnd,
      relative: cap.indexAtEnd / cap.indexAtStart - 1,
      durationMs: cap.finishedAt - cap.startedAt,
    };
  }

  const warnings: string[] = [];
  if (snapshot.options.length === 0) warnings.push("the option book is empty");
  if (snapshotStale) {
    warnings.push(
      `snapshot is ${(dataAgeMs / HOUR_MS).toFixed(1)} h old (limit ${(th.maxAgeMs / HOUR_MS).toFixed(1)} h)`,
    );
  }
  if (dataAgeMs < -th.maxQuoteLagMs) {
    warnings.push(`snapshot is ${(-dataAgeMs / 60_000).toFixed(1)} min in the future`);
  }
  if (indexMove && Math.abs(indexMove.relative) > th.maxIndexMove) {
    warnings.push(
      `index moved ${(indexMove.relative * 100).toFixed(2)} % during capture ` +
        `(limit ${(th.maxIndexMove * 100).toFixed(2)} %)`,
    );
  }
  if (dropped.stale > 0 && !snapshotStale) {
    warnings.push(`${dropped.stale} quotes lag the capture by more than ${th.maxQuoteLagMs} ms`);
  }

  const usable = clean.length;
  return {
    clean,
    report: {
      capturedAt: snapshot.capturedAt,
      evaluatedAt: now,
      dataAgeMs,
      stale: snapshotStale,
      quotes: { total: snapshot.options.length, usable, dropped: snapshot.options.length - usable },
      dropped,
      examples,
      expiries,
      usableExpiries: expiries.filter((e) => e.usable > 0).length,
      quoteAge: {
        known: ages.length,
        medianMs: ages.length ? median(ages) : null,
        maxMs: ages.length ? Math.max(...ages) : null,
      },
      indexMove,
      warnings,
      thresholds: th,
    },
  };
}

/** IV of a band edge; 0 where the price is at or below intrinsic (the band reaches down to 0). */
function bandIv(coin: number, q: OptionQuote, t: number): number {
  const iv = impliedVol(coinToUsdForward(coin, q.forward), q.forward, q.strike, t, q.type);
  return Number.isFinite(iv) ? iv : 0;
}

function stripUndefined(o: CleanOptions): Partial<CleanOptions> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && k !== "now") out[k] = v;
  return out as Partial<CleanOptions>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
