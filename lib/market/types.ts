import type { MarketId } from "../config";

import type { OptionType } from "../quant/black76";

export type { OptionType };

/** One option quote of a snapshot. Deribit BTC/ETH options are inverse: prices are in coin. */
export interface OptionQuote {
  instrument: string;
  /** Expiry instant (Deribit: 08:00 UTC), ms since epoch. */
  expiry: number;
  strike: number;
  type: OptionType;
  /** Best bid / ask / mark in coin per option; null = no quote on that side. */
  bid: number | null;
  ask: number | null;
  mark: number | null;
  /** Deribit's mark implied vol, decimal (0.5 = 50 %). */
  markIv: number | null;
  /** Forward (USD) of the quote's expiry as published with it. */
  forward: number;
  openInterest: number | null;
}

/** Normalized market state at an instant (DESIGN.md "Snapshot"). */
export interface Snapshot {
  market: MarketId;
  source: string;
  /** When the data was captured, ms since epoch. */
  capturedAt: number;
  /** Spot index (USD) at capture. */
  indexPrice: number;
  options: OptionQuote[];
}

/** One daily reference price. */
export interface DailyPrice {
  day: string; // YYYY-MM-DD
  price: number;
  source: string;
}

/** Where market data comes from: live venue, recorded replay or simulator. */
export interface MarketSource {
  readonly name: string;
  /**
   * The latest snapshot captured at or before `at`, or null when there is none. A source that
   * waits (network, backoff) stops when `signal` aborts, rejecting with its reason.
   */
  snapshotAsOf(market: MarketId, at: number, signal?: AbortSignal): Promise<Snapshot | null>;
  /** Daily reference prices observed up to and including `at`, oldest first. */
  dailyPricesAsOf(market: MarketId, at: number, signal?: AbortSignal): Promise<DailyPrice[]>;
}
