import type { MarketConfig } from "../config";
import { chainImpliedVols, type ChainIvs } from "../market/impliedVols";
import type { Snapshot } from "../market/types";
import { StageError } from "./ingest";

/** Fewer usable quotes than this and the chain says too little about the market. */
export const MIN_QUOTES = 20;

/** Implied vols of every usable quote and the ATM vol per expiry. */
export function calibrate(market: MarketConfig, snapshot: Snapshot): ChainIvs {
  const ivs = chainImpliedVols(snapshot, market.minExpiryDays);
  if (ivs.used < MIN_QUOTES) {
    throw new StageError(
      `only ${ivs.used} usable option quotes (need at least ${MIN_QUOTES})`,
      "degraded",
    );
  }
  return ivs;
}
