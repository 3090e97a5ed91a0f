// Option chains from files, in every layout of the recorded Deribit data (data/SOURCES.md):
//  - "weekly-csv": data/deribit_options_weekly_{BTC,ETH}.csv (full chains, many snapshots);
//  - "daily-otm-csv": deribit_options_daily_OTM_{BTC,ETH}.csv (filtered OTM two-sided rows, no
//    instrument name, no index, no currency column: the asset comes from the file name or --asset);
//  - "snapshot-csv": deribit_options_snapshot_20260107T092155Z_verbatim.csv (one snapshot, BTC and
//    ETH, the collector's columns);
//  - "surface-json": MaksM05's deribit_BTC_surface_snapshot_2026-05-26.json (instruments, quotes
//    and forwards as separate lists);
//  - "book-summary-json": a Deribit public/get_book_summary_by_currency response (JSON-RPC envelope
//    or its bare result array);
//  - "generic-json": any venue's chain as {"asOf", "underlying", "quotes": [{"t" | "expiry",
//    "strike", "forward", "type", "midIv" | "midPrice", "bidIv"?, "askIv"?, "bidPrice"?,
//    "askPrice"?}]}, prices undiscounted in the forward's currency.
// The Deribit layouts become Snapshot[] (lib/market/types), one per (asset, capture time); the
// generic layout, whose prices are not coin-denominated, becomes a GenericChain.
import { z } from "zod";
import { readCsv } from "./replay";
import type { OptionQuote, Snapshot } from "./types";

export type ChainLayout =
  | "weekly-csv"
  | "daily-otm-csv"
  | "snapshot-csv"
  | "surface-json"
  | "book-summary-json"
  | "generic-json";

export class ChainFileError extends Error {}

export interface ChainFile {
  layout: ChainLayout;
  /** Ascending capture time; possibly several assets. */
  snapshots: Snapshot[];
  /** Rows skipped while reading (e.g. linear USDC options in a book summary), by reason. */
  skipped: Record<string, number>;
  /** The generic layout's quotes (its `snapshots` is empty). */
  generic?: GenericChain;
}

/** One quote of the generic layout; absent fields are null. */
export interface GenericQuote {
  /** Years to expiry (from "t", or from "expiry" − asOf over a 365-day year). */
  t: number;
  expiry: number | null;
  strike: number;
  forward: number;
  type: "call" | "put";
  midIv: number | null;
  midPrice: number | null;
  bidIv: number | null;
  askIv: number | null;
  bidPrice: number | null;
  askPrice: number | null;
}

export interface GenericChain {
  asOf: number;
  underlying: string;
  quotes: GenericQuote[];
}

const EXPIRY_MS_OF_DAY = 8 * 3_600_000; // Deribit expiries settle at 08:00 UTC
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** Parses `BTC-26JUN26-70000-C` (strikes like `0d5` mean 0.5). */
export function parseInstrumentName(
  name: string,
): { asset: string; expiry: number; strike: number; type: "call" | "put" } | null {
  const m = /^([A-Z0-9_]+)-(\d{1,2})([A-Z]{3})(\d{2})-([0-9]+(?:d[0-9]+)?)-([CP])$/.exec(name);
  if (!m) return null;
  const month = MONTHS.indexOf(m[3]);
  if (month < 0) return null;
  const expiry = Date.UTC(2000 + Number(m[4]), month, Number(m[2])) + EXPIRY_MS_OF_DAY;
  const strike = Number(m[5].replace("d", "."));
  if (!(strike > 0)) return null;
  return { asset: m[1], expiry, strike, type: m[6] === "C" ? "call" : "put" };
}

function instrumentName(asset: string, expiry: number, strike: number, type: string): string {
  const d = new Date(expiry);
  const yy = String(d.getUTCFullYear() % 100).padStart(2, "0");
  return `${asset}-${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${yy}-${strike}-${type === "call" ? "C" : "P"}`;
}

const num = (v: string | undefined): number | null => {
  if (v === undefined || v.trim() === "") return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : NaN;
};

/** A price column: empty or 0 is "no quote" (Deribit writes a missing side as empty or 0). */
const price = (v: string | undefined): number | null => {
  const x = num(v);
  return x === null || x === 0 ? null : x;
};

function need(row: Record<string, string>, col: string, line: number): number {
  const x = num(row[col]);
  if (x === null || Number.isNaN(x)) {
    throw new ChainFileError(`row ${line}: ${col} is not a number ("${row[col] ?? ""}")`);
  }
  return x;
}

function time(v: string, what: string, line: number): number {
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new ChainFileError(`row ${line}: ${what} is not a time ("${v}")`);
  return t;
}

function checkPrices(q: OptionQuote, line: number): OptionQuote {
  for (const [k, v] of [
    ["bid", q.bid],
    ["ask", q.ask],
    ["mark", q.mark],
  ] as const) {
    if (v !== null && !(v >= 0)) throw new ChainFileError(`row ${line}: ${k} price is invalid`);
  }
  if (!(q.forward > 0)) throw new ChainFileError(`row ${line}: forward must be positive`);
  if (!(q.strike > 0)) throw new ChainFileError(`row ${line}: strike must be positive`);
  return q;
}

interface Group {
  asset: string;
  capturedAt: number;
  index: number[];
  options: OptionQuote[];
}

function groupsToSnapshots(groups: Map<string, Group>, source: string): Snapshot[] {
  return [...groups.values()]
    .map((g) => {
      const index = g.index.length
        ? median(g.index)
        : // no index in the file: the forward of the nearest expiry stands in for it
          nearestForward(g.options);
      return {
        market: `deribit:${g.asset}`,
        source: `file:${source}`,
        capturedAt: g.capturedAt,
        indexPrice: index,
        options: g.options,
      };
    })
    .sort((a, b) => a.capturedAt - b.capturedAt || a.market.localeCompare(b.market));
}

function nearestForward(options: OptionQuote[]): number {
  let best: OptionQuote | null = null;
  for (const o of options) if (!best || o.expiry < best.expiry) best = o;
  return best ? best.forward : NaN;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function addTo(
  groups: Map<string, Group>,
  asset: string,
  capturedAt: number,
  q: OptionQuote,
  index: number | null,
) {
  const key = `${asset}@${capturedAt}`;
  let g = groups.get(key);
  if (!g) groups.set(key, (g = { asset, capturedAt, index: [], options: [] }));
  g.options.push(q);
  if (index !== null && index > 0) g.index.push(index);
}

function parseWeekly(rows: Record<string, string>[]): Snapshot[] {
  const groups = new Map<string, Group>();
  rows.forEach((r, i) => {
    const line = i + 2;
    const expiry = time(r.expiry_date, "expiry_date", line) + EXPIRY_MS_OF_DAY;
    const mark = num(r.mark_iv_pct);
    const q = checkPrices(
      {
        instrument: r.instrument_name,
        expiry,
        strike: need(r, "strike", line),
        type: r.option_type === "C" ? "call" : "put",
        bid: price(r.bid_price),
        ask: price(r.ask_price),
        mark: num(r.mark_price),
        markIv: mark === null || Number.isNaN(mark) ? null : mark / 100,
        forward: need(r, "underlying_price", line),
        openInterest: num(r.open_interest),
      },
      line,
    );
    addTo(groups, r.currency, time(r.snapshot_utc, "snapshot_utc", line), q, num(r.index_price));
  });
  return groupsToSnapshots(groups, "weekly-csv");
}

function parseDaily(rows: Record<string, string>[], asset: string): Snapshot[] {
  const groups = new Map<string, Group>();
  rows.forEach((r, i) => {
    const line = i + 2;
    const expiry = time(r.expiry_date, "expiry_date", line) + EXPIRY_MS_OF_DAY;
    const strike = need(r, "strike", line);
    const type = r.option_type === "C" ? "call" : "put";
    const mark = num(r.mark_iv_pct);
    const q = checkPrices(
      {
        instrument: instrumentName(asset, expiry, strike, type),
        expiry,
        strike,
        type,
        bid: price(r.bid_price),
        ask: price(r.ask_price),
        mark: num(r.mark_price),
        markIv: mark === null || Number.isNaN(mark) ? null : mark / 100,
        forward: need(r, "underlying_price", line),
        openInterest: null,
      },
      line,
    );
    addTo(groups, asset, time(r.snapshot_utc, "snapshot_utc", line), q, null);
  });
  return groupsToSnapshots(groups, "daily-otm-csv");
}

function parseVerbatim(rows: Record<string, string>[]): Snapshot[] {
  const groups = new Map<string, Group>();
  rows.forEach((r, i) => {
    const line = i + 2;
    const iv = num(r.implied_volatility);
    const q = checkPrices(
      {
        instrument: r.instrument_name,
        expiry: time(r.expiry_datetime, "expiry_datetime", line),
        strike: need(r, "strike", line),
        type: r.option_type === "call" ? "call" : "put",
        bid: price(r.bid_price),
        ask: price(r.ask_price),
        mark: num(r.mark_price),
        markIv: iv === null || Number.isNaN(iv) ? null : iv,
        forward: need(r, "underlying", line),
        openInterest: num(r.open_interest),
      },
      line,
    );
    addTo(groups, r.currency, time(r.timestamp, "timestamp", line), q, num(r.index_price));
  });
  return groupsToSnapshots(groups, "snapshot-csv");
}

const nullableNumber = z.number().finite().nullable().optional();

const SurfaceJson = z.object({
  snapshot_time: z.string(),
  forwards: z.array(
    z.object({ expiry: z.string(), forward_price: z.number().positive(), index_price: z.number() }),
  ),
  instruments: z.array(
    z.object({
      instrument_name: z.string(),
      currency: z.string(),
      expiry: z.string(),
      strike: z.number().positive(),
      option_type: z.enum(["C", "P"]),
    }),
  ),
  option_quotes: z.array(
    z.object({
      instrument_name: z.string(),
      best_bid: nullableNumber,
      best_ask: nullableNumber,
      mark_price: nullableNumber,
      deribit_mark_iv: nullableNumber,
      open_interest: nullableNumber,
    }),
  ),
});

function parseSurfaceJson(value: unknown): {
  snapshots: Snapshot[];
  skipped: Record<string, number>;
} {
  const parsed = SurfaceJson.safeParse(value);
  if (!parsed.success) throw new ChainFileError(zodMessage(parsed.error));
  const d = parsed.data;
  const capturedAt = Date.parse(d.snapshot_time);
  if (!Number.isFinite(capturedAt)) throw new ChainFileError("snapshot_time is not a time");
  const fwd = new Map(d.forwards.map((f) => [Date.parse(f.expiry), f]));
  const inst = new Map(d.instruments.map((i) => [i.instrument_name, i]));
  const groups = new Map<string, Group>();
  const skipped: Record<string, number> = {};
  for (const q of d.option_quotes) {
    const i = inst.get(q.instrument_name);
    const expiry = i ? Date.parse(i.expiry) : NaN;
    const f = fwd.get(expiry);
    if (!i || !f) {
      skipped["no instrument or forward"] = (skipped["no instrument or forward"] ?? 0) + 1;
      continue;
    }
    addTo(
      groups,
      i.currency,
      capturedAt,
      {
        instrument: q.instrument_name,
        expiry,
        strike: i.strike,
        type: i.option_type === "C" ? "call" : "put",
        bid: q.best_bid || null,
        ask: q.best_ask || null,
        mark: q.mark_price ?? null,
        markIv: q.deribit_mark_iv == null ? null : q.deribit_mark_iv / 100,
        forward: f.forward_price,
        openInterest: q.open_interest ?? null,
      },
      f.index_price,
    );
  }
  return { snapshots: groupsToSnapshots(groups, "surface-json"), skipped };
}

const BookSummaryRow = z.object({
  instrument_name: z.string(),
  base_currency: z.string().optional(),
  quote_currency: z.string().optional(),
  bid_price: nullableNumber,
  ask_price: nullableNumber,
  mark_price: nullableNumber,
  mark_iv: nullableNumber,
  underlying_price: z.number().positive(),
  estimated_delivery_price: nullableNumber,
  open_interest: nullableNumber,
  creation_timestamp: z.number().int().positive(),
});

function parseBookSummary(rows: unknown[]): {
  snapshots: Snapshot[];
  skipped: Record<string, number>;
} {
  const groups = new Map<string, Group>();
  const skipped: Record<string, number> = {};
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  const parsedRows = rows.map((raw, i) => {
    const p = BookSummaryRow.safeParse(raw);
    if (!p.success) throw new ChainFileError(`result[${i}]: ${zodMessage(p.error)}`);
    return p.data;
  });
  // one response is one snapshot: stamp it with the latest creation time in it
  const capturedAt = Math.max(...parsedRows.map((r) => r.creation_timestamp));
  for (const r of parsedRows) {
    const inst = parseInstrumentName(r.instrument_name);
    if (!inst) {
      skip("not an option instrument name");
      continue;
    }
    if (r.quote_currency && r.base_currency && r.quote_currency !== r.base_currency) {
      skip("linear (not coin-settled) option");
      continue;
    }
    addTo(
      groups,
      inst.asset,
      capturedAt,
      {
        instrument: r.instrument_name,
        expiry: inst.expiry,
        strike: inst.strike,
        type: inst.type,
        bid: r.bid_price || null,
        ask: r.ask_price || null,
        mark: r.mark_price ?? null,
        markIv: r.mark_iv == null ? null : r.mark_iv / 100,
        forward: r.underlying_price,
        openInterest: r.open_interest ?? null,
      },
      r.estimated_delivery_price ?? null,
    );
  }
  return { snapshots: groupsToSnapshots(groups, "book-summary-json"), skipped };
}

const positive = z.number().finite().positive();
const GenericQuoteSchema = z
  .object({
    t: positive.optional(),
    expiry: z.string().optional(),
    strike: positive,
    forward: positive,
    type: z.enum(["call", "put"]),
    midIv: positive.optional(),
    midPrice: z.number().finite().nonnegative().optional(),
    bidIv: positive.optional(),
    askIv: positive.optional(),
    bidPrice: z.number().finite().nonnegative().optional(),
    askPrice: z.number().finite().nonnegative().optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.t === undefined && q.expiry === undefined) {
      ctx.addIssue({ code: "custom", path: ["t"], message: 'needs "t" (years) or "expiry"' });
    }
    if (q.expiry !== undefined && !Number.isFinite(Date.parse(q.expiry))) {
      ctx.addIssue({ code: "custom", path: ["expiry"], message: "not an ISO time" });
    }
    if (q.midIv === undefined && q.midPrice === undefined) {
      ctx.addIssue({ code: "custom", path: ["midIv"], message: 'needs "midIv" or "midPrice"' });
    }
  });
const GenericJson = z
  .object({
    asOf: z.string().refine((v) => Number.isFinite(Date.parse(v)), "not an ISO time"),
    underlying: z.string().regex(/^[A-Za-z0-9]+$/, "letters and digits only"),
    quotes: z.array(GenericQuoteSchema).min(1),
  })
  .strict();

const YEAR_MS = 365 * 86_400_000;

function parseGeneric(value: unknown): GenericChain {
  const parsed = GenericJson.safeParse(value);
  if (!parsed.success) throw new ChainFileError(zodMessage(parsed.error));
  const d = parsed.data;
  const asOf = Date.parse(d.asOf);
  const quotes = d.quotes.map((q, i): GenericQuote => {
    const expiry = q.expiry === undefined ? null : Date.parse(q.expiry);
    const t = q.t ?? ((expiry as number) - asOf) / YEAR_MS;
    if (!(t > 0)) throw new ChainFileError(`quotes.${i}.expiry: not after asOf`);
    return {
      t,
      expiry,
      strike: q.strike,
      forward: q.forward,
      type: q.type,
      midIv: q.midIv ?? null,
      midPrice: q.midPrice ?? null,
      bidIv: q.bidIv ?? null,
      askIv: q.askIv ?? null,
      bidPrice: q.bidPrice ?? null,
      askPrice: q.askPrice ?? null,
    };
  });
  return { asOf, underlying: d.underlying.toUpperCase(), quotes };
}

function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0];
  return `${issue.path.join(".") || "document"}: ${issue.message}`;
}

/** The asset named in a file name like deribit_options_daily_OTM_ETH.csv, if any. */
export function assetFromFileName(name: string): string | null {
  const m = /(?:^|[^A-Z])(BTC|ETH)(?:[^A-Z]|$)/.exec(name.split(/[\\/]/).pop() ?? "");
  return m ? m[1] : null;
}

/**
 * Reads a chain file's text in any of the known layouts. `fileName` and `asset` are needed only
 * for the daily OTM CSV, which names no asset in its rows.
 */
export function parseChainFile(text: string, fileName = "", asset?: string): ChainFile {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (e) {
      throw new ChainFileError(`invalid JSON: ${(e as Error).message}`);
    }
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const o = value as Record<string, unknown>;
      if ("quotes" in o && "asOf" in o) {
        return { layout: "generic-json", snapshots: [], skipped: {}, generic: parseGeneric(o) };
      }
      if ("option_quotes" in o && "instruments" in o) {
        return { layout: "surface-json", ...parseSurfaceJson(value) };
      }
      if ("error" in o && !("result" in o)) {
        throw new ChainFileError(`the response is a JSON-RPC error: ${JSON.stringify(o.error)}`);
      }
      if (Array.isArray(o.result)) {
        return { layout: "book-summary-json", ...parseBookSummary(o.result) };
      }
    }
    if (Array.isArray(value) && value.length && typeof value[0] === "object") {
      return { layout: "book-summary-json", ...parseBookSummary(value) };
    }
    throw new ChainFileError(
      "unknown JSON layout (expected a Deribit book summary, a surface snapshot or the generic " +
        '{"asOf", "underlying", "quotes"} layout)',
    );
  }
  const firstLine = trimmed.split(/\r?\n/, 1)[0] ?? "";
  const cols = new Set(firstLine.split(",").map((c) => c.trim()));
  const has = (...c: string[]) => c.every((x) => cols.has(x));
  const rows = () => readCsv(trimmed);
  if (has("snapshot_utc", "instrument_name", "currency", "expiry_date", "underlying_price")) {
    return { layout: "weekly-csv", snapshots: parseWeekly(rows()), skipped: {} };
  }
  if (
    has("snapshot_utc", "expiry_date", "strike", "option_type", "underlying_price", "mark_iv_pct")
  ) {
    const a = asset ?? assetFromFileName(fileName);
    if (!a) {
      throw new ChainFileError("the daily OTM layout names no asset: pass --asset BTC|ETH");
    }
    return { layout: "daily-otm-csv", snapshots: parseDaily(rows(), a), skipped: {} };
  }
  if (has("timestamp", "instrument_name", "underlying", "expiry_datetime", "implied_volatility")) {
    return { layout: "snapshot-csv", snapshots: parseVerbatim(rows()), skipped: {} };
  }
  throw new ChainFileError(
    `unknown layout (header: ${firstLine.slice(0, 120)}${firstLine.length > 120 ? "…" : ""})`,
  );
}

/** Assets present, in order of first appearance. */
export function assetsOf(file: ChainFile): string[] {
  return [...new Set(file.snapshots.map((s) => s.market.split(":")[1]))];
}

/** The latest snapshot of `asset` captured at or before `at` (latest overall without `at`). */
export function pickSnapshot(file: ChainFile, asset: string, at?: number): Snapshot | null {
  let found: Snapshot | null = null;
  for (const s of file.snapshots) {
    if (s.market !== `deribit:${asset}`) continue;
    if (at !== undefined && s.capturedAt > at) continue;
    if (!found || s.capturedAt > found.capturedAt) found = s;
  }
  return found;
}
