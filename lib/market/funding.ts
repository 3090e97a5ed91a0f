// Recorded perpetual funding (data/funding_binance_8h_*.csv, data/SOURCES.md): the history the
// funding-rate cap's policy reads, with the live perpetual's 8-hour funding appended when known.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { DATA_DIR } from "./replay";

export interface FundingObservation {
  /** Funding time, ms since epoch (UTC). */
  time: number;
  /** Funding per 8-hour period, a fraction of notional. */
  rate: number;
}

export interface FundingSample {
  rates: number[];
  /** ISO days of the first and last observation in the sample ("" when empty). */
  from: string;
  to: string;
  sources: string[];
  /** Days between the last observation and the as-of time: how stale the sample is. */
  ageDays: number;
}

const FILES: Record<string, string> = {
  BTC: "funding_binance_8h_BTC-USDT_2020-2023.csv",
  ETH: "funding_binance_8h_ETH-USDT_2020-2023.csv",
};

// The file's times are Binance's 00/08/16 UTC funding times written in UTC+03:00 (SOURCES.md C1).
const WRITTEN_OFFSET_MS = 3 * 3_600_000;

const RowSchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/),
  rate: z.coerce.number().finite().gt(-1).lt(1),
});

const cache = new Map<string, FundingObservation[]>();

/** The recorded 8-hourly funding of an underlying, oldest first; empty when none is bundled. */
export function recordedFunding(underlying: string, dir: string = DATA_DIR): FundingObservation[] {
  const file = FILES[underlying];
  if (!file) return [];
  const key = join(dir, file);
  const hit = cache.get(key);
  if (hit) return hit;
  const lines = readFileSync(key, "utf8").trim().split(/\r?\n/).slice(1);
  const out = lines.map((line, i) => {
    const [, date, rate] = line.split(",");
    const row = RowSchema.safeParse({ date, rate });
    if (!row.success) throw new Error(`${file} line ${i + 2}: ${row.error.issues[0].message}`);
    return {
      time: Date.parse(`${row.data.date.slice(0, 19)}Z`) - WRITTEN_OFFSET_MS,
      rate: row.data.rate,
    };
  });
  cache.set(key, out);
  return out;
}

/**
 * The funding observed at or before `at` over the last `lookbackDays` of the record (counted back
 * from its last observation, so a record that ends before `at` still yields a sample, and the
 * sample's dates say how old it is), plus the live 8-hour funding when it is newer.
 */
export function fundingSample(
  underlying: string,
  at: number,
  lookbackDays: number,
  live?: { time: number; rate: number } | null,
): FundingSample {
  const obs = recordedFunding(underlying).filter((o) => o.time <= at);
  const sources = obs.length ? [`binance-8h ${underlying}-USDT`] : [];
  const all = [...obs];
  if (live && Number.isFinite(live.rate) && (!obs.length || live.time > obs[obs.length - 1].time)) {
    all.push(live);
    sources.push("deribit perpetual ticker (funding_8h)");
  }
  if (!all.length) return { rates: [], from: "", to: "", sources, ageDays: Infinity };
  const last = all[all.length - 1].time;
  const kept = all.filter((o) => o.time > last - lookbackDays * 86_400_000);
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return {
    rates: kept.map((o) => o.rate),
    from: day(kept[0].time),
    to: day(last),
    sources,
    ageDays: (at - last) / 86_400_000,
  };
}
