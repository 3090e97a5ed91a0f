// Replay of the recorded Deribit data bundled in data/ (see data/SOURCES.md): the embedded
// default source. As-of semantics: the latest snapshot captured at or before the requested time.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { MarketId } from "../config";
import { parsePriceCsv } from "./priceCsv";
import type { DailyPrice, MarketSource, OptionQuote, Snapshot } from "./types";

const DAY_MS = 86_400_000;
const EXPIRY_HOUR_UTC = 8;

export const DATA_DIR = resolve(process.cwd(), "data");

const optionalPrice = z.preprocess(
  (v) => (v === "" ? null : Number(v)),
  z.number().finite().nonnegative().nullable(),
);

/** One row of data/deribit_options_weekly_*.csv. */
const WeeklyRowSchema = z.object({
  snapshot_utc: z.iso.datetime(),
  instrument_name: z.string().min(1),
  expiry_date: z.iso.date(),
  strike: z.coerce.number().positive(),
  option_type: z.enum(["C", "P"]),
  bid_price: optionalPrice,
  ask_price: optionalPrice,
  mark_price: optionalPrice,
  mark_iv_pct: optionalPrice,
  underlying_price: z.coerce.number().positive(),
  index_price: z.coerce.number().positive(),
  open_interest: optionalPrice,
});

/** Daily series per asset: the long Yahoo history, then the Deribit index after its end. */
const DAILY_FILES: Record<string, { file: string; source: string; observedAfterDays: number }[]> = {
  BTC: [
    // A close dated D is known at the end of D.
    { file: "btc_usd_daily_2015-2026.csv", source: "yahoo-close", observedAfterDays: 1 },
    // Snapshots are taken 07:00–12:00 UTC; treating them as known at 12:00 avoids look-ahead.
    { file: "deribit_index_daily_BTC.csv", source: "deribit-index", observedAfterDays: 0.5 },
  ],
  ETH: [
    // An open dated D is the price at 00:00 UTC of D.
    { file: "eth_usd_daily_open_2017-2025.csv", source: "yahoo-open", observedAfterDays: 0 },
    { file: "deribit_index_daily_ETH.csv", source: "deribit-index", observedAfterDays: 0.5 },
  ],
};

interface Loaded {
  snapshots: Snapshot[]; // ascending capture time
  daily: (DailyPrice & { observedAt: number })[];
}

export class ReplaySource implements MarketSource {
  readonly name = "replay";
  private cache = new Map<MarketId, Loaded>();

  constructor(private readonly dir: string = DATA_DIR) {}

  async snapshotAsOf(market: MarketId, at: number): Promise<Snapshot | null> {
    const { snapshots } = this.load(market);
    let found: Snapshot | null = null;
    for (const s of snapshots) {
      if (s.capturedAt <= at) found = s;
      else break;
    }
    return found;
  }

  async dailyPricesAsOf(market: MarketId, at: number): Promise<DailyPrice[]> {
    return this.load(market)
      .daily.filter((d) => d.observedAt <= at)
      .map(({ day, price, source }) => ({ day, price, source }));
  }

  /** Capture times of every recorded snapshot of the market, ascending. */
  snapshotTimes(market: MarketId): number[] {
    return this.load(market).snapshots.map((s) => s.capturedAt);
  }

  private load(market: MarketId): Loaded {
    let loaded = this.cache.get(market);
    if (!loaded) {
      const [venue, asset] = market.split(":");
      if (venue !== "deribit" || !DAILY_FILES[asset]) {
        throw new Error(`no recorded data for market ${market}`);
      }
      loaded = {
        snapshots: this.loadSnapshots(market, asset),
        daily: this.loadDaily(asset),
      };
      this.cache.set(market, loaded);
    }
    return loaded;
  }

  private loadSnapshots(market: MarketId, asset: string): Snapshot[] {
    const file = join(this.dir, `deribit_options_weekly_${asset}.csv`);
    const rows = readCsv(readFileSync(file, "utf8"));
    const bySnapshot = new Map<string, { index: number[]; options: OptionQuote[] }>();
    rows.forEach((raw, i) => {
      const parsed = WeeklyRowSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${file}: row ${i + 2}: ${issue.path.join(".")}: ${issue.message}`);
      }
      const r = parsed.data;
      let snap = bySnapshot.get(r.snapshot_utc);
      if (!snap) bySnapshot.set(r.snapshot_utc, (snap = { index: [], options: [] }));
      snap.index.push(r.index_price);
      snap.options.push({
        instrument: r.instrument_name,
        expiry: Date.parse(r.expiry_date) + EXPIRY_HOUR_UTC * 3_600_000,
        strike: r.strike,
        type: r.option_type === "C" ? "call" : "put",
        bid: r.bid_price || null, // Deribit reports a missing side as empty; 0 is no bid either
        ask: r.ask_price || null,
        mark: r.mark_price,
        markIv: r.mark_iv_pct === null ? null : r.mark_iv_pct / 100,
        forward: r.underlying_price,
        openInterest: r.open_interest,
      });
    });
    return [...bySnapshot.entries()]
      .map(([time, { index, options }]) => ({
        market,
        source: `replay:${asset}-weekly`,
        capturedAt: Date.parse(time),
        // The ticker loop that recorded index_price ran over minutes; its median is the index.
        indexPrice: median(index),
        options,
      }))
      .sort((a, b) => a.capturedAt - b.capturedAt);
  }

  private loadDaily(asset: string): Loaded["daily"] {
    const out: Loaded["daily"] = [];
    for (const { file, source, observedAfterDays } of DAILY_FILES[asset]) {
      const parsed = parsePriceCsv(readFileSync(join(this.dir, file), "utf8"));
      if (parsed.issues.length) {
        const { line, reason } = parsed.issues[0];
        throw new Error(`${file}: line ${line}: ${reason} (${parsed.issues.length} bad rows)`);
      }
      const lastDay = out.length ? out[out.length - 1].day : "";
      parsed.dates.forEach((day, i) => {
        if (day <= lastDay) return; // the earlier, longer series wins where both exist
        out.push({
          day,
          price: parsed.prices[i],
          source,
          observedAt: Date.parse(day) + observedAfterDays * DAY_MS,
        });
      });
    }
    return out;
  }
}

/** Minimal CSV reader for the bundled files: no quoted fields occur in them. */
export function readCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(",");
  return lines.slice(1).map((line) => {
    const f = line.split(",");
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = f[i] ?? ""));
    return row;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
