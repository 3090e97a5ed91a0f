import { canonicalJson, sha256Hex, type MarketConfig } from "../config";
import { mergeDailyHistory } from "../market/history";
import { cleanSnapshot, type DataQualityReport } from "../market/quality";
import type { DailyPrice, MarketSource } from "../market/types";
import { PublicError, type FailureCategory } from "./failure";
import type { IngestResult } from "./types";

/** A stage's own verdict on its input; its message is ours and safe to publish. */
export class StageError extends PublicError {
  constructor(
    message: string,
    readonly status: "degraded" | "failed",
    category: FailureCategory = "data-quality",
  ) {
    super(category, message);
  }
}

/**
 * Reads the market's snapshot as of `asOf` and its daily price history (the stored one extended
 * by the source's), cleans the quotes and judges the data. A load failure throws (the run fails);
 * data that loaded but cannot be trusted (stale, too thin) comes back with the gate's reasons.
 */
export async function ingest(
  source: MarketSource,
  market: MarketConfig,
  asOf: number,
  storedHistory: DailyPrice[],
  signal?: AbortSignal,
): Promise<IngestResult> {
  const snapshot = await source.snapshotAsOf(market.id, asOf, signal);
  if (!snapshot) {
    throw new StageError(
      `${source.name} has no snapshot of ${market.id} at or before ${new Date(asOf).toISOString()}`,
      "failed",
      "source",
    );
  }
  const fetched = await source.dailyPricesAsOf(market.id, asOf, signal);
  const { history, added, revisions } = mergeDailyHistory(storedHistory, fetched, asOf);
  const { clean, report } = cleanSnapshot(snapshot, {
    now: asOf,
    maxAgeMs: market.maxSnapshotAgeHours * 3_600_000,
  });
  const snapshotHash = sha256Hex(canonicalJson(snapshot));
  return {
    snapshot,
    clean: { ...snapshot, options: clean },
    quality: report,
    gate: gateReasons(market, report),
    snapshotHash,
    history,
    historyAdded: added,
    historyRevisions: revisions,
    inputHash: sha256Hex(snapshotHash + "\n" + canonicalJson(history)),
  };
}

/** Why the data must not feed a proposal, empty when it may: staleness and thinness. */
export function gateReasons(market: MarketConfig, report: DataQualityReport): string[] {
  const reasons: string[] = [];
  if (report.stale) {
    reasons.push(
      `snapshot is ${(report.dataAgeMs / 3_600_000).toFixed(1)} h old at the run's as-of time ` +
        `(limit ${market.maxSnapshotAgeHours} h)`,
    );
  }
  const usable = report.expiries.filter((e) => e.days >= market.minExpiryDays && e.usable > 0);
  const quotes = usable.reduce((s, e) => s + e.usable, 0);
  if (!report.stale && (quotes < market.minUsableQuotes || usable.length < market.minExpiries)) {
    reasons.push(
      `too few usable quotes: ${quotes} in ${usable.length} expiries at least ` +
        `${market.minExpiryDays} d out, after dropping ${report.quotes.dropped} of ` +
        `${report.quotes.total} (need ${market.minUsableQuotes} in ${market.minExpiries})`,
    );
  }
  return reasons;
}
