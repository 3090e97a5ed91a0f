import { canonicalJson, sha256Hex, type MarketConfig } from "../config";
import type { MarketSource } from "../market/types";
import type { IngestResult } from "./types";

export class StageError extends Error {
  constructor(
    message: string,
    readonly status: "degraded" | "failed",
  ) {
    super(message);
  }
}

/** Reads the market's snapshot as of `asOf` and its daily price history; gates on freshness. */
export async function ingest(
  source: MarketSource,
  market: MarketConfig,
  asOf: number,
): Promise<IngestResult> {
  const snapshot = await source.snapshotAsOf(market.id, asOf);
  if (!snapshot) {
    throw new StageError(
      `${source.name} has no snapshot of ${market.id} at or before ${new Date(asOf).toISOString()}`,
      "failed",
    );
  }
  const history = await source.dailyPricesAsOf(market.id, asOf);
  const snapshotHash = sha256Hex(canonicalJson(snapshot));
  return {
    snapshot,
    snapshotHash,
    history,
    inputHash: sha256Hex(snapshotHash + "\n" + canonicalJson(history)),
    snapshotAgeHours: (asOf - snapshot.capturedAt) / 3_600_000,
  };
}
