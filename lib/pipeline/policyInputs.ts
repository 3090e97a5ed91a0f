// What the non-ES policies read besides the risk report: the window's daily returns, the funding
// sample, the surface's ATM vol and the perpetual's order book (lib/risk/policies).
import type { MarketConfig } from "../config";
import { fundingSample, type FundingSample } from "../market/funding";
import type { DailyPrice, Snapshot } from "../market/types";
import type { PerpetualBook } from "../market/deribit";
import { dailyLogReturns } from "../quant/returns";
import type { SurfaceFit } from "../quant/surface";

export interface PolicyInputs {
  /** The last historyWindowDays daily log returns, oldest first, and their dates. */
  returns: Float64Array;
  windowFrom: string;
  windowTo: string;
  /** Funding sample per policy lookback (days → sample). */
  funding: (lookbackDays: number) => FundingSample;
  /** ATM implied vol of the published surface at h days, null without a surface. */
  atmVol: (horizonDays: number) => number | null;
  book: PerpetualBook | null;
}

/** The snapshot's perpetual order book and 8-hour funding when the source delivers them (live). */
interface PerpetualExtras {
  perpetualBook?: PerpetualBook | null;
  perpetual?: { funding8h: number | null; timestamp: number } | null;
}

export function policyInputs(
  market: MarketConfig,
  history: readonly DailyPrice[],
  snapshot: Snapshot,
  surface: SurfaceFit | undefined,
  asOf: number,
): PolicyInputs {
  const { dates, returns } = dailyLogReturns(
    history.map((h) => h.day),
    history.map((h) => h.price),
  );
  const n = Math.min(market.historyWindowDays, returns.length);
  const extras = snapshot as Snapshot & PerpetualExtras;
  const p = extras.perpetual;
  const live = p && p.funding8h !== null ? { time: p.timestamp, rate: p.funding8h } : null;
  return {
    returns: returns.subarray(returns.length - n),
    windowFrom: dates[returns.length - n] ?? "",
    windowTo: dates[returns.length - 1] ?? "",
    funding: (lookbackDays) => fundingSample(market.underlying, asOf, lookbackDays, live),
    atmVol: (h) => {
      const v = surface?.impliedVol(0, h / 365);
      return v !== undefined && Number.isFinite(v) && v > 0 ? v : null;
    },
    book: extras.perpetualBook ?? null,
  };
}
