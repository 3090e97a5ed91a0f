// The live Deribit adapter against a local HTTP server (127.0.0.1) that serves recorded real
// responses (data/api_samples) and responses built, in Deribit's exact shapes, from one recorded
// chain (data/deribit_options_weekly_BTC.csv). Faults are injected in the server, never by mocking.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DeribitSource,
  MarketDataError,
  parseOptionName,
  type DeribitOptions,
} from "../../lib/market/deribit";
import { eq, count as sqlCount, isNotNull } from "drizzle-orm";
import { openDb } from "../../db/client";
import {
  optionQuotes,
  priceHistory,
  proposals,
  runMarkets,
  runs,
  runStages,
  snapshots,
} from "../../db/schema";
import { cleanSnapshot, type DataQualityReport } from "../../lib/market/quality";
import { ReplaySource } from "../../lib/market/replay";
import { liquidityAddOn } from "../../lib/risk/policies";

type Json = Record<string, unknown>;
const sample = (f: string) =>
  JSON.parse(readFileSync(`data/api_samples/${f}`, "utf8")) as { result: unknown };

// ---- recorded responses (2026-05-22 ~14:33:53 UTC) ----
const REC = {
  option: sample("deribit_book_summary_btc_option.json"),
  future: sample("deribit_book_summary_btc_future.json"),
  instruments: sample("deribit_get_instruments_btc_option.json"),
  ticker: sample("deribit_ticker_btc_perpetual.json"),
  index: { jsonrpc: "2.0", result: { index_price: 76736.07, estimated_delivery_price: 76736.07 } },
};
const REC_NOW = 1779460440000; // 2026-05-22T14:34:00Z

// ---- a chain built from the recorded CSV, read here independently of lib/market ----
const CSV_SNAPSHOT = "2026-01-07T09:21:55Z";
const CSV_AT = Date.parse(CSV_SNAPSHOT);
const CSV_NOW = CSV_AT + 20_000;
interface CsvRow {
  instrument: string;
  expiryDate: string;
  strike: number;
  type: "C" | "P";
  bid: number | null;
  ask: number | null;
  mark: number | null;
  ivPct: number | null;
  underlying: number;
  underlyingIndex: string;
  index: number;
  oi: number | null;
  volume: number | null;
}
const csvRows: CsvRow[] = (() => {
  const [head, ...lines] = readFileSync("data/deribit_options_weekly_BTC.csv", "utf8")
    .trim()
    .split("\n");
  const h = head.split(",");
  const col = (f: string[], name: string) => f[h.indexOf(name)];
  const opt = (s: string) => (s === "" ? null : Number(s));
  return lines
    .map((l) => l.split(","))
    .filter((f) => f[0] === CSV_SNAPSHOT)
    .map((f) => ({
      instrument: col(f, "instrument_name"),
      expiryDate: col(f, "expiry_date"),
      strike: Number(col(f, "strike")),
      type: col(f, "option_type") as "C" | "P",
      bid: opt(col(f, "bid_price")),
      ask: opt(col(f, "ask_price")),
      mark: opt(col(f, "mark_price")),
      ivPct: opt(col(f, "mark_iv_pct")),
      underlying: Number(col(f, "underlying_price")),
      underlyingIndex: col(f, "underlying_index"),
      index: Number(col(f, "index_price")),
      oi: opt(col(f, "open_interest")),
      volume: opt(col(f, "volume")),
    }));
})();
const csvIndex = (() => {
  const s = csvRows.map((r) => r.index).sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
})();
const expiryMs = (date: string) => Date.parse(`${date}T08:00:00Z`);

function csvBook(quotedAt = CSV_AT + 1234): Json[] {
  return csvRows.map((r) => ({
    ask_price: r.ask,
    base_currency: "BTC",
    bid_price: r.bid,
    creation_timestamp: quotedAt,
    estimated_delivery_price: csvIndex,
    high: null,
    instrument_name: r.instrument,
    interest_rate: 0,
    last: null,
    low: null,
    mark_iv: r.ivPct,
    mark_price: r.mark,
    mid_price: r.bid !== null && r.ask !== null ? (r.bid + r.ask) / 2 : null,
    open_interest: r.oi,
    price_change: null,
    quote_currency: "BTC",
    underlying_index: r.underlyingIndex,
    underlying_price: r.underlying,
    volume: r.volume,
    volume_usd: r.volume === null ? null : r.volume * csvIndex,
  }));
}
/** `shift`: whole days the chain is moved in time (expiries stay at 08:00 UTC). */
function csvInstruments(shift = 0): Json[] {
  const template = (REC.instruments.result as Json[])[0];
  return csvRows.map((r, i) => ({
    ...template,
    creation_timestamp: CSV_AT + shift - 30 * 86_400_000,
    expiration_timestamp: expiryMs(r.expiryDate) + shift,
    instrument_id: 500_000 + i,
    instrument_name: r.instrument,
    option_type: r.type === "C" ? "call" : "put",
    strike: r.strike,
  }));
}
function csvFutures(quotedAt = CSV_AT): Json[] {
  const template = (REC.future.result as Json[])[0];
  const perp = (REC.future.result as Json[]).find((f) => f.instrument_name === "BTC-PERPETUAL")!;
  const byIndex = new Map<string, number>();
  for (const r of csvRows) {
    if (!r.underlyingIndex.startsWith("SYN.")) byIndex.set(r.underlyingIndex, r.underlying);
  }
  const dated = [...byIndex].map(([name, f]) => ({
    ...template,
    instrument_name: name,
    mark_price: f,
    bid_price: f - 2.5,
    ask_price: f + 2.5,
    mid_price: f,
    estimated_delivery_price: csvIndex,
    creation_timestamp: quotedAt + 1000,
  }));
  return [
    ...dated,
    {
      ...perp,
      mark_price: csvIndex + 10,
      estimated_delivery_price: csvIndex,
      creation_timestamp: quotedAt,
    },
  ];
}
const csvTicker = (at = CSV_AT) => ({
  ...(REC.ticker.result as Json),
  index_price: csvIndex * 1.001,
  timestamp: at + 5000,
});
/**
 * A BTC-PERPETUAL book in get_order_book's shape (amounts in USD). No perpetual book was recorded,
 * so the levels are constructed around the recorded ticker's best bid and ask (76,753.5 / 76,754
 * with their recorded amounts); the walk over them is computed by hand in the tests.
 */
const PERP_BIDS = [
  [76753.5, 385760],
  [76750, 1_000_000],
  [76700, 3_000_000],
  [76600, 10_000_000],
];
const PERP_ASKS = [
  [76754, 23540],
  [76760, 476460],
  [76800, 1_500_000],
  [76900, 10_000_000],
];
const perpBook = (at = REC_NOW - 4000) => ({
  instrument_name: "BTC-PERPETUAL",
  timestamp: at,
  mark_price: 76756.11,
  index_price: 76735.99,
  bids: structuredClone(PERP_BIDS),
  asks: structuredClone(PERP_ASKS),
});
const rpc = (result: unknown) => ({
  jsonrpc: "2.0",
  result,
  usIn: 1,
  usOut: 2,
  usDiff: 1,
  testnet: false,
});

// ---- the server ----
type Fault =
  | "500"
  | "502-html"
  | "429"
  | "429-retry-after"
  | "hang"
  | "slow"
  | "hang-body"
  | "reset"
  | "truncated"
  | "nan-literal"
  | "rpc-error"
  | "rpc-too-many"
  | "no-result"
  | ((result: unknown) => unknown);
let faults: Record<string, Fault[]> = {};
let hits: Record<string, number> = {};
let lastQuery: Record<string, URLSearchParams> = {};
/**
 * recorded: data/api_samples as captured. csv: the CSV chain at its own time. live: the CSV chain
 * moved forward by whole days to the wall clock, quotes stamped as they are served, with 1,000
 * daily closes moved the same way: what a live run of `vigil` sees.
 */
let dataset: "recorded" | "csv" | "live" = "recorded";
const DAY = 86_400_000;
const liveShift = () => Math.round((Date.now() - CSV_AT) / DAY) * DAY;
/** The recorded BTC daily closes, [day, close], oldest first. */
const btcCloses: string[][] = readFileSync("data/btc_usd_daily_2015-2026.csv", "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(","));
/** 1D candles of daily closes, moved by `shift` ms. */
function candles(rows: string[][], shift = 0): Json {
  const close = rows.map((r) => Number(r[1]));
  return {
    status: "ok",
    ticks: rows.map((r) => Date.parse(r[0]) + shift),
    open: close,
    high: close,
    low: close,
    close,
    volume: rows.map(() => 1),
    cost: rows.map(() => 1),
  };
}
/** The last 30 recorded closes: the default chart answer. */
const recordedChart = () => candles(btcCloses.slice(-30));
/** The 1,000 closes before the CSV chain's day, moved by `shift`: the live dataset's history. */
const LIVE_HISTORY = btcCloses.filter((r) => r[0] < CSV_SNAPSHOT.slice(0, 10)).slice(-1000);
let chart: unknown = recordedChart();
let server: Server;
let base: string;

function key(method: string, q: URLSearchParams): string {
  return method === "get_book_summary_by_currency" ? `${method}:${q.get("kind")}` : method;
}

function payload(k: string): unknown {
  if (dataset === "live") return livePayload(k);
  const csv = dataset === "csv";
  switch (k) {
    case "get_book_summary_by_currency:option":
      return csv ? csvBook() : structuredClone(REC.option.result);
    case "get_book_summary_by_currency:future":
      return csv ? csvFutures() : structuredClone(REC.future.result);
    case "get_instruments":
      return csv ? csvInstruments() : structuredClone(REC.instruments.result);
    case "get_index_price":
      return csv ? { index_price: csvIndex, estimated_delivery_price: csvIndex } : REC.index.result;
    case "ticker":
      return csv ? csvTicker() : structuredClone(REC.ticker.result);
    case "get_order_book":
      return perpBook(csv ? CSV_AT + 4000 : undefined);
    case "get_tradingview_chart_data":
      return chart;
  }
  return undefined;
}

function livePayload(k: string): unknown {
  const now = Date.now();
  const shift = liveShift();
  switch (k) {
    case "get_book_summary_by_currency:option":
      return csvBook(now - 1500);
    case "get_book_summary_by_currency:future":
      return csvFutures(now - 2000);
    case "get_instruments":
      return csvInstruments(shift);
    case "get_index_price":
      return { index_price: csvIndex, estimated_delivery_price: csvIndex };
    case "ticker":
      return csvTicker(now - 5000);
    case "get_order_book":
      return perpBook(now - 4000);
    case "get_tradingview_chart_data":
      return candles(LIVE_HISTORY, shift);
  }
  return undefined;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  const method = url.pathname.replace("/api/v2/public/", "");
  const k = key(method, url.searchParams);
  hits[k] = (hits[k] ?? 0) + 1;
  lastQuery[k] = url.searchParams;
  const fault = faults[k]?.shift();
  const send = (status: number, body: string, headers: Record<string, string> = {}) =>
    void res.writeHead(status, { "content-type": "application/json", ...headers }).end(body);
  const result = payload(k);
  if (result === undefined)
    return send(400, JSON.stringify({ error: { code: -32601, message: "Method not found" } }));
  const body = JSON.stringify(rpc(typeof fault === "function" ? fault(result) : result));
  switch (fault) {
    case "hang":
      return; // never answers
    case "slow":
      return void setTimeout(() => send(200, body), 400); // inside the timeout, but slow
    case "hang-body":
      res.writeHead(200, { "content-type": "application/json" });
      res.write(body.slice(0, 100));
      return; // the body never ends
    case "reset":
      return void req.socket.destroy();
    case "500":
      return send(500, "internal error");
    case "502-html":
      return send(502, "<html><body>Bad gateway</body></html>", { "content-type": "text/html" });
    case "429":
      return send(429, "too many requests");
    case "429-retry-after":
      return send(429, "", { "retry-after": "0.3" });
    case "truncated":
      return send(200, body.slice(0, 200));
    case "nan-literal":
      return send(200, body.replace(/"bid_price":[^,]+,/, '"bid_price":NaN,'));
    case "no-result":
      return send(200, JSON.stringify({ jsonrpc: "2.0", usIn: 1 }));
    case "rpc-error":
      return send(
        400,
        JSON.stringify({ jsonrpc: "2.0", error: { code: 11051, message: "system_maintenance" } }),
      );
    case "rpc-too-many":
      return send(
        400, // Deribit answers JSON-RPC errors with HTTP 400
        JSON.stringify({ jsonrpc: "2.0", error: { code: 10028, message: "too_many_requests" } }),
      );
  }
  send(200, body);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  faults = {};
  hits = {};
  lastQuery = {};
  dataset = "recorded";
  chart = recordedChart();
});

const FAST = { capacity: 1e9, refillPerSecond: 1e9, cost: 1 };
const source = (o: DeribitOptions = {}) =>
  new DeribitSource({
    baseUrl: base,
    timeoutMs: 200,
    maxRetries: 3,
    backoffMs: 5,
    rateLimits: { public: FAST, instruments: FAST },
    now: () => (dataset === "csv" ? CSV_NOW : REC_NOW),
    ...o,
  });

async function failure(p: Promise<unknown>): Promise<MarketDataError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MarketDataError);
  return err as MarketDataError;
}

describe("DeribitSource on recorded responses", () => {
  it("normalizes the recorded option book, instruments, futures, index and ticker", async () => {
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    const book = REC.option.result as Json[];
    const inst = REC.instruments.result as Json[];
    expect(s.market).toBe("deribit:BTC");
    expect(s.capturedAt).toBe(REC_NOW);
    expect(s.indexPrice).toBe(76736.07);
    expect(s.options).toHaveLength(book.length);
    for (const raw of book) {
      const q = s.options.find((o) => o.instrument === raw.instrument_name)!;
      const i = inst.find((x) => x.instrument_name === raw.instrument_name)!;
      expect(q).toEqual({
        instrument: raw.instrument_name,
        expiry: i.expiration_timestamp,
        strike: i.strike,
        type: i.option_type,
        bid: raw.bid_price,
        ask: raw.ask_price,
        mark: raw.mark_price,
        markIv: (raw.mark_iv as number) / 100,
        forward: raw.underlying_price,
        openInterest: raw.open_interest,
        quotedAt: raw.creation_timestamp,
      });
      expect(new Date(q.expiry).toISOString()).toBe("2026-05-23T08:00:00.000Z");
    }
    expect(s.options.find((o) => o.instrument === "BTC-23MAY26-69000-P")!.bid).toBeNull();
    // futures and perpetual
    expect(s.futures).toHaveLength((REC.future.result as Json[]).length);
    const perp = s.futures.find((f) => f.instrument === "BTC-PERPETUAL")!;
    expect(perp).toMatchObject({ expiry: null, bid: 76753.5, ask: 76754, mark: 76756.66 });
    expect(
      new Date(s.futures.find((f) => f.instrument === "BTC-5JUN26")!.expiry!).toISOString(),
    ).toBe("2026-06-05T08:00:00.000Z");
    expect(s.perpetual).toEqual({
      instrument: "BTC-PERPETUAL",
      mark: 76756.11,
      index: 76735.99,
      currentFunding: 1.22e-5,
      funding8h: 5.06e-6,
      timestamp: 1779460435579,
    });
    expect(s.capture).toEqual({
      startedAt: REC_NOW,
      finishedAt: REC_NOW,
      indexAtStart: 76736.07,
      indexAtEnd: 76735.99,
    });
    expect(s.normalization).toEqual({ bookRows: book.length, fromName: 0, unmatched: [] });
    // request parameters as Deribit documents them
    expect(Object.fromEntries(lastQuery["get_book_summary_by_currency:option"])).toEqual({
      currency: "BTC",
      kind: "option",
    });
    expect(Object.fromEntries(lastQuery.get_instruments)).toEqual({
      currency: "BTC",
      kind: "option",
      expired: "false",
    });
    expect(lastQuery.get_index_price.get("index_name")).toBe("btc_usd");
    expect(lastQuery.ticker.get("instrument_name")).toBe("BTC-PERPETUAL");
  });

  it("fetches the perpetual's order book, cleans it, and the walk matches a hand computation", async () => {
    faults = { get_order_book: [(b) => ({ ...(b as Json), bids: [...PERP_BIDS, [76500, 0]] })] };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(Object.fromEntries(lastQuery.get_order_book)).toEqual({
      instrument_name: "BTC-PERPETUAL",
      depth: "1000",
    });
    // the zero-amount level is dropped
    expect(s.perpetualBook!.bids).toEqual(PERP_BIDS.map(([price, amount]) => ({ price, amount })));
    expect(s.perpetualBookError).toBeNull();
    // $5M sold: 385,760 at 76,753.5, 1M at 76,750, 3M at 76,700, 614,240 at 76,600
    const mid = (76753.5 + 76754) / 2;
    const sellVwap = 5e6 / (385760 / 76753.5 + 1e6 / 76750 + 3e6 / 76700 + 614240 / 76600);
    // $5M bought: 23,540 at 76,754, 476,460 at 76,760, 1.5M at 76,800, 3M at 76,900
    const buyVwap = 5e6 / (23540 / 76754 + 476460 / 76760 + 1.5e6 / 76800 + 3e6 / 76900);
    const a = liquidityAddOn(s.perpetualBook, 5e6, 0.005);
    expect(a.source).toBe("order-book");
    expect(a.walk!.sell.slippage).toBeCloseTo((mid - sellVwap) / mid, 12);
    expect(a.walk!.buy.slippage).toBeCloseTo((buyVwap - mid) / mid, 12);
    expect(a.value).toBeCloseTo(Math.max(mid - sellVwap, buyVwap - mid) / mid, 12);
    expect(a.detail).toMatch(/Deribit BTC-PERPETUAL get_order_book/);
  });

  it("keeps the snapshot when the book fails or is crossed, saying why (the add-on falls back)", async () => {
    faults = { get_order_book: ["500", "500", "500", "500"] };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(hits.get_order_book).toBe(4); // the first try and three retries
    expect(s.options.length).toBeGreaterThan(0);
    expect(s.perpetualBook).toBeNull();
    expect(s.perpetualBookError).toMatch(/get_order_book: HTTP 500 \(after 4 attempts\)/);
    faults = { get_order_book: [(b) => ({ ...(b as Json), asks: [[76700, 1000]] })] };
    const crossed = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(crossed.perpetualBook).toBeNull();
    expect(crossed.perpetualBookError).toMatch(/crossed/);
    faults = { get_order_book: [(b) => ({ ...(b as Json), bids: "none" })] };
    const bad = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(bad.perpetualBookError).toMatch(/get_order_book: .*bids/);
    expect(liquidityAddOn(bad.perpetualBook, 5e6, 0.005)).toMatchObject({
      source: "constant",
      value: 0.005,
    });
  });

  it("falls back to the instrument name when get_instruments misses a row, and counts it", async () => {
    faults = { get_instruments: [(r) => (r as Json[]).slice(1)] };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(s.normalization.fromName).toBe(1);
    expect(s.options).toHaveLength(5);
    expect(parseOptionName("BTC-23MAY26-70000-C")).toEqual({
      expiry: Date.parse("2026-05-23T08:00:00Z"),
      strike: 70000,
      type: "call",
    });
    expect(parseOptionName("XRP_USDC-30JAN26-2d4-P")!.strike).toBe(2.4);
    expect(parseOptionName("BTC-PERPETUAL")).toBeNull();
  });

  it("reads daily closes of the perpetual, keeping only candles that have closed", async () => {
    const rows = btcCloses.slice(-30);
    const at = Date.parse("2026-02-13T12:00:00Z");
    const d = await source().dailyPricesAsOf("deribit:BTC", at);
    expect(d).toHaveLength(29); // the 2026-02-13 candle is still open at 12:00
    expect(d.at(-1)).toEqual({
      day: "2026-02-12",
      price: 66221.84375,
      source: "deribit-perpetual",
    });
    expect(d[0]).toEqual({
      day: rows[0][0],
      price: Number(rows[0][1]),
      source: "deribit-perpetual",
    });
    const q = lastQuery.get_tradingview_chart_data;
    expect(q.get("instrument_name")).toBe("BTC-PERPETUAL");
    expect(q.get("resolution")).toBe("1D");
    expect(Number(q.get("end_timestamp"))).toBe(at);
    expect(Number(q.get("start_timestamp"))).toBe(at - 1000 * 86_400_000);

    chart = { status: "no_data", ticks: [], close: [] };
    expect(await source().dailyPricesAsOf("deribit:BTC", at)).toEqual([]);
    chart = { status: "ok", ticks: [1, 2], close: [3] };
    expect((await failure(source().dailyPricesAsOf("deribit:BTC", at))).message).toBe(
      "get_tradingview_chart_data: result.close: ticks and close differ in length",
    );
  });
});

describe("DeribitSource on a chain built from the recorded CSV", () => {
  it("reproduces every CSV quote (independent parse) and agrees with the replay source", async () => {
    dataset = "csv";
    // the built rows have exactly the recorded responses' fields
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(csvBook()[0])).toEqual(keys((REC.option.result as Json[])[0]));
    expect(keys(csvInstruments()[0])).toEqual(keys((REC.instruments.result as Json[])[0]));

    const s = await source().snapshotAsOf("deribit:BTC", CSV_NOW);
    expect(s.options).toHaveLength(csvRows.length);
    expect(s.indexPrice).toBe(csvIndex);
    const byName = new Map(s.options.map((q) => [q.instrument, q]));
    for (const r of csvRows) {
      const q = byName.get(r.instrument)!;
      expect(q.expiry).toBe(expiryMs(r.expiryDate));
      expect(q.strike).toBe(r.strike);
      expect(q.type).toBe(r.type === "C" ? "call" : "put");
      expect(q.bid).toBe(r.bid);
      expect(q.ask).toBe(r.ask);
      expect(q.mark).toBe(r.mark);
      expect(q.markIv).toBe(r.ivPct === null ? null : r.ivPct / 100);
      expect(q.forward).toBe(r.underlying);
      expect(q.openInterest).toBe(r.oi);
    }
    // the same chain through the replay source
    const replay = (await new ReplaySource().snapshotAsOf("deribit:BTC", CSV_AT))!;
    expect(replay.capturedAt).toBe(CSV_AT);
    expect(replay.indexPrice).toBeCloseTo(s.indexPrice, 6);
    for (const r of replay.options) {
      const q = byName.get(r.instrument)!;
      expect({ ...q, quotedAt: undefined }).toEqual({ ...r, quotedAt: undefined });
    }
    // futures: one per dated future the options reference, plus the perpetual
    expect(s.futures.map((f) => f.instrument).sort()).toEqual(
      [...new Set(csvRows.map((r) => r.underlyingIndex).filter((n) => !n.startsWith("SYN.")))]
        .concat("BTC-PERPETUAL")
        .sort(),
    );

    const { clean, report } = cleanSnapshot(s, { now: CSV_NOW });
    expect(report.quotes.total).toBe(csvRows.length);
    expect(report.quotes.usable).toBe(clean.length);
    expect(report.usableExpiries).toBe(new Set(csvRows.map((r) => r.expiryDate)).size);
    expect(report.dropped["one-sided"]).toBe(
      csvRows.filter((r) => r.bid === null || r.ask === null).length,
    );
    for (const e of report.expiries) {
      expect(e.total).toBe(csvRows.filter((r) => expiryMs(r.expiryDate) === e.expiry).length);
    }
    expect(report.indexMove!.relative).toBeCloseTo(0.001, 12);
    expect(report.quoteAge).toEqual({
      known: csvRows.length,
      medianMs: 20_000 - 1234,
      maxMs: 20_000 - 1234,
    });
    expect(clean.length).toBeGreaterThan(0.8 * csvRows.length);
  });
});

describe("faults injected in the server", () => {
  it("retries an HTTP 500 and then succeeds", async () => {
    faults = { get_index_price: ["500"] };
    const src = source();
    const s = await src.snapshotAsOf("deribit:BTC", REC_NOW);
    expect(s.indexPrice).toBe(76736.07);
    expect(hits.get_index_price).toBe(2);
    expect(src.requests).toBe(7); // index twice, options, instruments, futures, ticker, book
  });

  it("gives up on a persistent 500 after the bounded retries, with the reason", async () => {
    faults = { get_index_price: ["500", "500", "500", "500", "500"] };
    const e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("http");
    expect(e.status).toBe(500);
    expect(e.attempts).toBe(4);
    expect(e.message).toBe("get_index_price: HTTP 500 (after 4 attempts)");
    expect(hits.get_index_price).toBe(4);
    expect(hits["get_book_summary_by_currency:option"]).toBeUndefined(); // nothing half-fetched
  });

  it("retries a non-JSON 502 and a dropped connection", async () => {
    faults = { ticker: ["502-html", "reset"] };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(s.perpetual!.funding8h).toBe(5.06e-6);
    expect(hits.ticker).toBe(3);
    faults = { ticker: ["reset", "reset", "reset", "reset"] };
    const e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("network");
    expect(e.message).toMatch(/^ticker: network error: .* \(after 4 attempts\)$/);
  });

  it("backs off exponentially on 429 and honours Retry-After", async () => {
    faults = { get_index_price: ["429", "429"] };
    let t0 = performance.now();
    await source({ backoffMs: 40 }).snapshotAsOf("deribit:BTC", REC_NOW);
    // waits of 40·[0.5, 1.5) then 80·[0.5, 1.5): at least 60 ms
    expect(performance.now() - t0).toBeGreaterThanOrEqual(59);
    expect(hits.get_index_price).toBe(3);

    hits = {};
    faults = { get_index_price: ["429-retry-after"] };
    t0 = performance.now();
    await source({ backoffMs: 1 }).snapshotAsOf("deribit:BTC", REC_NOW);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(295);

    faults = { get_index_price: ["429", "429", "429", "429"] };
    const e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("rate-limited");
    expect(e.message).toBe("get_index_price: HTTP 429 (rate limited) (after 4 attempts)");
  });

  it("treats JSON-RPC too_many_requests (10028) as a rate limit and retries it", async () => {
    faults = { get_instruments: ["rpc-too-many"] };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(s.options).toHaveLength(5);
    expect(hits.get_instruments).toBe(2);
  });

  it("times out a hanging request and a body that never ends", async () => {
    faults = { get_instruments: ["hang", "hang"] };
    let t0 = performance.now();
    let e = await failure(source({ maxRetries: 1 }).snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("timeout");
    expect(e.message).toBe("get_instruments: no answer within 200 ms (after 2 attempts)");
    expect(performance.now() - t0).toBeLessThan(1500);

    faults = { "get_book_summary_by_currency:future": ["hang-body"] };
    t0 = performance.now();
    e = await failure(source({ maxRetries: 0 }).snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toBe("get_book_summary_by_currency(kind=future): no answer within 200 ms");
    expect(performance.now() - t0).toBeLessThan(1000);

    // one hang, then an answer: the retry succeeds
    faults = { get_index_price: ["hang"] };
    expect((await source().snapshotAsOf("deribit:BTC", REC_NOW)).indexPrice).toBe(76736.07);
  });

  it("reports truncated JSON, a literal NaN and a result-less envelope without retrying", async () => {
    faults = { "get_book_summary_by_currency:option": ["truncated"] };
    let e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("invalid-response");
    expect(e.message).toMatch(
      /^get_book_summary_by_currency: response is not valid JSON \(200 bytes: "/,
    );
    expect(hits["get_book_summary_by_currency:option"]).toBe(1);

    faults = { "get_book_summary_by_currency:option": ["nan-literal"] };
    e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toMatch(/^get_book_summary_by_currency: response is not valid JSON/);

    faults = { get_index_price: ["no-result"] };
    e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toMatch(/^get_index_price: not a JSON-RPC result envelope/);
  });

  it("reports a JSON-RPC error object with its code, without retrying", async () => {
    faults = { "get_book_summary_by_currency:option": ["rpc-error"] };
    hits = {};
    const e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("json-rpc");
    expect(e.rpcCode).toBe(11051);
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      "get_book_summary_by_currency: JSON-RPC error 11051: system_maintenance",
    );
    expect(hits["get_book_summary_by_currency:option"]).toBe(1);
  });

  it("names the endpoint and field of a bad value; keeps documented nulls as null", async () => {
    const setField = (i: number, field: string, v: unknown) => (r: unknown) => {
      (r as Json[])[i][field] = v;
      return r;
    };
    faults = { "get_book_summary_by_currency:option": [setField(1, "bid_price", "abc")] };
    let e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.kind).toBe("invalid-response");
    expect(e.message).toBe(
      'get_book_summary_by_currency: result[1].bid_price: expected number, got "abc"',
    );
    expect(e.attempts).toBe(1);

    faults = { "get_book_summary_by_currency:option": [setField(3, "underlying_price", null)] };
    e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toBe(
      "get_book_summary_by_currency: result[3].underlying_price: expected number, got null",
    );

    faults = { get_instruments: [setField(0, "expiration_timestamp", "NaN")] };
    e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toBe(
      'get_instruments: result[0].expiration_timestamp: expected number, got "NaN"',
    );

    faults = {
      ticker: [
        (r) => {
          delete (r as Json).index_price;
          return r;
        },
      ],
    };
    e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toBe(
      "ticker: result.index_price: expected number, got nothing (field missing)",
    );

    faults = { get_index_price: [() => ({ index_price: -5 })] };
    e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW));
    expect(e.message).toMatch(/^get_index_price: result\.index_price: .*>0.*, got -5$/);

    // null where Deribit documents null (bid, mark IV) is data, not an error
    faults = {
      "get_book_summary_by_currency:option": [
        (r) => {
          const rows = r as Json[];
          rows[1].bid_price = null;
          rows[1].mid_price = null;
          rows[2].mark_iv = null;
          return rows;
        },
      ],
    };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(s.options[1].bid).toBeNull();
    expect(s.options[2].markIv).toBeNull();
    const { report } = cleanSnapshot(s, { now: REC_NOW });
    expect(report.dropped["one-sided"]).toBeGreaterThanOrEqual(2); // row 0 is one-sided as recorded
  });

  it("returns an empty snapshot for an empty book; the report says so", async () => {
    faults = { "get_book_summary_by_currency:option": [() => []] };
    const s = await source().snapshotAsOf("deribit:BTC", REC_NOW);
    expect(s.options).toEqual([]);
    const { clean, report } = cleanSnapshot(s, { now: REC_NOW });
    expect(clean).toEqual([]);
    expect(report.quotes).toEqual({ total: 0, usable: 0, dropped: 0 });
    expect(report.usableExpiries).toBe(0);
    expect(report.warnings).toContain("the option book is empty");
  });

  it("delivers crossed quotes and stale timestamps, counted by the quality report", async () => {
    dataset = "csv";
    const healthy = cleanSnapshot(await source().snapshotAsOf("deribit:BTC", CSV_NOW), {
      now: CSV_NOW,
    }).report;
    const twoSided = csvRows
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.bid !== null && r.ask !== null && r.bid < r.ask);
    const crossed = twoSided.slice(0, 10).map(({ i }) => i);
    const stale = twoSided.slice(10, 17).map(({ i }) => i);
    faults = {
      "get_book_summary_by_currency:option": [
        (r) => {
          const rows = r as Json[];
          for (const i of crossed)
            [rows[i].bid_price, rows[i].ask_price] = [rows[i].ask_price, rows[i].bid_price];
          for (const i of stale) rows[i].creation_timestamp = CSV_AT - 2 * 86_400_000;
          return rows;
        },
      ],
    };
    const s = await source().snapshotAsOf("deribit:BTC", CSV_NOW);
    expect(s.options).toHaveLength(csvRows.length);
    const { clean, report } = cleanSnapshot(s, { now: CSV_NOW });
    expect(report.dropped["crossed or locked"]).toBe(healthy.dropped["crossed or locked"] + 10);
    expect(report.dropped.stale).toBe(7);
    expect(report.examples.stale).toEqual(stale.slice(0, 3).map((i) => csvRows[i].instrument));
    const names = new Set(clean.map((q) => q.instrument));
    for (const i of [...crossed, ...stale]) expect(names.has(csvRows[i].instrument)).toBe(false);
    expect(report.warnings.some((w) => /7 quotes lag the capture/.test(w))).toBe(true);
  });

  it("refuses to answer for the past and for markets it has no data of", async () => {
    let e = await failure(source().snapshotAsOf("deribit:BTC", REC_NOW - 3_600_000));
    expect(e.kind).toBe("unavailable");
    expect(e.message).toMatch(/cannot answer for 2026-05-22T13:34:00.000Z .*MARKET_SOURCE=replay/);
    e = await failure(source().snapshotAsOf("deribit:SOL", REC_NOW));
    expect(e.message).toBe("the Deribit source has no market deribit:SOL");
    expect(hits).toEqual({});
  });

  it("never lets a raw exception escape: any fault on any endpoint ends as data or MarketDataError", async () => {
    const endpoints = [
      "get_index_price",
      "get_book_summary_by_currency:option",
      "get_book_summary_by_currency:future",
      "get_instruments",
      "ticker",
    ];
    const kinds: Fault[] = [
      "500",
      "502-html",
      "reset",
      "truncated",
      "nan-literal",
      "rpc-error",
      "no-result",
      () => null,
      () => "text",
      () => [{}],
      () => ({ nested: [1, 2] }),
    ];
    for (const ep of endpoints) {
      for (const k of kinds) {
        faults = { [ep]: [k, k, k] };
        const r = await source({ maxRetries: 2 })
          .snapshotAsOf("deribit:BTC", REC_NOW)
          .then(
            (s) => s,
            (err: unknown) => err,
          );
        if (!(r instanceof MarketDataError)) expect(r).toHaveProperty("options");
        else expect(r.message.length).toBeGreaterThan(10);
      }
    }
    // a fetch that throws synchronously, and one that resolves to garbage
    const broken = source({
      fetchImpl: (() => {
        throw new TypeError("boom");
      }) as typeof fetch,
      maxRetries: 0,
    });
    expect((await failure(broken.snapshotAsOf("deribit:BTC", REC_NOW))).kind).toBe("network");
    const garbage = source({
      fetchImpl: (async () => ({})) as unknown as typeof fetch,
      maxRetries: 0,
    });
    expect(await failure(garbage.dailyPricesAsOf("deribit:BTC", REC_NOW))).toBeInstanceOf(
      MarketDataError,
    );
  });
});

describe("client-side rate limiting", () => {
  it("spaces requests once the credit bucket is empty", async () => {
    chart = { status: "ok", ticks: [], close: [] };
    const src = source({ rateLimits: { public: { capacity: 2, refillPerSecond: 20, cost: 1 } } });
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => src.dailyPricesAsOf("deribit:BTC", REC_NOW)));
    // 2 at once, then one per 50 ms
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    expect(hits.get_tradingview_chart_data).toBe(6);
  });

  it("defaults to Deribit's documented limits", async () => {
    const src = new DeribitSource({ baseUrl: base, now: () => REC_NOW });
    const t0 = performance.now();
    await src.snapshotAsOf("deribit:BTC", REC_NOW);
    await src.snapshotAsOf("deribit:BTC", REC_NOW);
    expect(performance.now() - t0).toBeLessThan(1000); // well inside the bursts
    expect(src.timeoutMs).toBe(Number(process.env.DERIBIT_TIMEOUT_MS ?? 10_000));
    expect(new DeribitSource({}, { DERIBIT_API_URL: "http://h/api/v2/" }).baseUrl).toBe(
      "http://h/api/v2",
    );
    expect(new DeribitSource({}, {}).baseUrl).toBe("https://www.deribit.com/api/v2");
    expect(new DeribitSource({}, { DERIBIT_TIMEOUT_MS: "1500" }).timeoutMs).toBe(1500);
  });
});

describe("vigil run --once with MARKET_SOURCE=deribit", () => {
  interface Stored {
    run: { status: string; reason: string | null };
    market: { status: string; quotesUsed: number; quality: DataQualityReport | null };
    snapshots: { extras: Record<string, unknown> }[];
    quotes: number;
    quotesWithTime: number;
    history: number;
    proposals: number;
    rationales: string[];
  }

  /** Runs the CLI against the local server on a fresh PGlite and reads back what it stored. */
  async function vigilRun(
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; out: string; stored: Stored; ingestMs: number | null }> {
    const dir = mkdtempSync(join(tmpdir(), "vigil-live-"));
    try {
      const child = spawn(
        process.execPath,
        ["bin/vigil.mjs", "run", "--once", "--market", "deribit:BTC", "--json"],
        {
          env: {
            ...process.env,
            MARKET_SOURCE: "deribit",
            DERIBIT_API_URL: base,
            DERIBIT_TIMEOUT_MS: "500",
            PGLITE_DIR: join(dir, "db"),
            DATABASE_URL: "",
            POSTGRES_URL: "",
            DB_DRIVER: "",
            ...env,
          },
        },
      );
      let out = "";
      let err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      const code = await new Promise<number | null>((r) => child.on("exit", r));
      expect(out, err).not.toBe("");
      const h = await openDb({ driver: "pglite", pgliteDir: join(dir, "db"), url: undefined });
      try {
        const [run] = await h.db.select().from(runs);
        const [market] = await h.db.select().from(runMarkets);
        const count = async (q: Promise<{ n: number }[]>) => (await q)[0].n;
        const stored: Stored = {
          run,
          market,
          snapshots: await h.db.select({ extras: snapshots.extras }).from(snapshots),
          quotes: await count(h.db.select({ n: sqlCount() }).from(optionQuotes)),
          quotesWithTime: await count(
            h.db
              .select({ n: sqlCount() })
              .from(optionQuotes)
              .where(isNotNull(optionQuotes.quotedAt)),
          ),
          history: await count(h.db.select({ n: sqlCount() }).from(priceHistory)),
          proposals: await count(h.db.select({ n: sqlCount() }).from(proposals)),
          rationales: (await h.db.select({ r: proposals.rationale }).from(proposals)).map(
            (p) => p.r,
          ),
        };
        const [ing] = await h.db
          .select({ ms: runStages.durationMs })
          .from(runStages)
          .where(eq(runStages.stage, "ingest"));
        return { code, out, stored, ingestMs: ing?.ms ?? null };
      } finally {
        await h.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("runs end to end on a live chain: cleaned, calibrated, assessed, history kept", async () => {
    dataset = "live";
    const r = await vigilRun();
    const s = JSON.parse(r.out);
    expect(s.status, s.reason).toBe("succeeded");
    expect(r.code).toBe(0);
    const { stored } = r;
    const q = stored.market.quality!;
    expect(q.quotes.total).toBe(csvRows.length);
    expect(q.stale).toBe(false);
    expect(q.dataAgeMs).toBeLessThan(60_000);
    expect(q.quoteAge.known).toBe(csvRows.length);
    expect(q.indexMove!.relative).toBeCloseTo(0.001, 12); // ticker index / get_index_price − 1
    expect(q.quotes.usable).toBeGreaterThan(stored.market.quotesUsed);
    // Every quote of the book stored as captured, with the venue's time.
    expect(stored.quotes).toBe(csvRows.length);
    expect(stored.quotesWithTime).toBe(csvRows.length);
    const extras = stored.snapshots[0].extras as {
      perpetual: { currentFunding: number };
      futures: unknown[];
      capture: { indexAtEnd: number };
      perpetualBook: { bids: unknown[] };
    };
    expect(extras.perpetual.currentFunding).toBe((REC.ticker.result as Json).current_funding);
    // The perpetual's book is kept with the snapshot and the margin's add-on comes from it.
    expect(extras.perpetualBook.bids).toHaveLength(4);
    expect(stored.rationales.join(" ")).toMatch(
      /Liquidity add-on: liquidating \$5,000,000 through the perpetual's order book \(Deribit BTC-PERPETUAL/,
    );
    expect(extras.futures.length).toBe(csvFutures().length);
    // The closed daily candles (tick + 1 day ≤ now) are the history the next run starts from.
    const shift = liveShift();
    const closed = LIVE_HISTORY.filter((d) => Date.parse(d[0]) + shift + DAY <= Date.now());
    expect(closed.length).toBeGreaterThanOrEqual(999);
    expect(stored.history).toBe(closed.length);
  });

  it("still runs when some quotes are crossed or stale, counting each in the report", async () => {
    dataset = "live";
    const twoSided = csvRows.flatMap((r, i) => (r.bid !== null && r.ask !== null ? [i] : []));
    const crossed = twoSided.slice(0, 12);
    const stale = twoSided.slice(12, 20);
    faults = {
      "get_book_summary_by_currency:option": [
        (result) => {
          const rows = result as Json[];
          for (const i of crossed) rows[i].bid_price = (rows[i].ask_price as number) + 0.001;
          for (const i of stale) rows[i].creation_timestamp = Date.now() - 3_600_000;
          return rows;
        },
      ],
    };
    const r = await vigilRun();
    expect(JSON.parse(r.out).status).toBe("succeeded");
    const q = r.stored.market.quality!;
    expect(q.dropped["crossed or locked"]).toBe(12);
    expect(q.dropped.stale).toBe(8);
    expect(q.warnings).toContain("8 quotes lag the capture by more than 300000 ms");
  });

  it("degrades on an empty book: no proposal, nothing calibrated, the gate says why", async () => {
    dataset = "live";
    faults = { "get_book_summary_by_currency:option": [() => []] };
    const r = await vigilRun();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    expect(s.status).toBe("degraded");
    expect(s.markets[0].reason).toBe(
      "ingest: too few usable quotes: 0 in 0 expiries at least 1 d out, after dropping 0 of 0 (need 100 in 4)",
    );
    expect(r.stored.market.quality!.warnings).toContain("the option book is empty");
    expect(r.stored.proposals).toBe(0);
  });

  it("refuses the recorded responses of May 2026 read today: every option has expired", async () => {
    // data/api_samples as served: five 23MAY26 options.
    const r = await vigilRun();
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    // The failure (too little history) leads, in its public form; the ingest gate follows.
    expect(s.markets[0].reason).toMatch(
      /^data-quality: assess: only \d+ daily returns .*; ingest: too few usable quotes: 0 in 0 expiries/,
    );
    const q = r.stored.market.quality!;
    expect(q.dropped["invalid or expired"]).toBe((REC.option.result as Json[]).length);
    expect(r.stored.proposals).toBe(0);
  });

  it("ends a market at RUN_DEADLINE_MS on a slow venue, recorded failed with `deadline`", async () => {
    dataset = "live";
    // Every answer takes 400 ms (under the 500 ms timeout, so nothing is retried): the market's
    // requests need 4 × 400 ms in sequence (index, the three books, ticker, candles), the budget
    // is 1 s.
    faults = Object.fromEntries(
      [
        "get_index_price",
        "get_book_summary_by_currency:option",
        "get_book_summary_by_currency:future",
        "get_instruments",
        "ticker",
        "get_tradingview_chart_data",
      ].map((k) => [k, Array<Fault>(20).fill("slow")]),
    );
    const deadline = 1000;
    const r = await vigilRun({ RUN_DEADLINE_MS: String(deadline) });
    expect(r.code).toBe(1);
    const s = JSON.parse(r.out);
    expect(s.status).toBe("failed");
    expect(s.markets[0].reason).toMatch(/^deadline: ingest: /);
    expect(r.stored.run.status).toBe("failed");
    expect(r.stored.run.reason).toMatch(/^deadline: deribit:BTC: deadline: /);
    expect(r.stored.market.status).toBe("failed");
    expect(r.stored).toMatchObject({ snapshots: [], quotes: 0, history: 0, proposals: 0 });
    // The market's work (its ingest stage, from start to the abort) ended within the deadline
    // plus a small margin, although the venue would have needed longer.
    expect(r.ingestMs).toBeGreaterThanOrEqual(deadline - 50);
    expect(r.ingestMs).toBeLessThan(deadline + 300);
  });

  it.each([
    [
      "a persistent HTTP 500",
      "get_index_price",
      ["500", "500", "500", "500"] as Fault[],
      "source: ingest: get_index_price: HTTP 500 (after 4 attempts)",
    ],
    [
      "truncated JSON",
      "get_book_summary_by_currency:option",
      ["truncated"] as Fault[],
      /^source: ingest: get_book_summary_by_currency: response is not valid JSON/,
    ],
    [
      "a null where a number is required",
      "get_book_summary_by_currency:option",
      [(r: unknown) => (((r as Json[])[3].underlying_price = null), r)] as Fault[],
      /^source: ingest: get_book_summary_by_currency: result\[3\]\.underlying_price: /,
    ],
    [
      "a JSON-RPC error object",
      "get_instruments",
      ["rpc-error"] as Fault[],
      "source: ingest: get_instruments: JSON-RPC error 11051: system_maintenance",
    ],
    [
      "a history request that never answers",
      "get_tradingview_chart_data",
      ["hang", "hang", "hang", "hang"] as Fault[],
      "source: ingest: get_tradingview_chart_data: no answer within 500 ms (after 4 attempts)",
    ],
  ])(
    "fails cleanly on %s: the run and its reason recorded, nothing else",
    async (_, ep, f, why) => {
      dataset = "live";
      faults = { [ep]: f };
      const r = await vigilRun();
      expect(r.code).toBe(1);
      const s = JSON.parse(r.out);
      expect(s.status).toBe("failed");
      expect(s.markets[0].reason).toMatch(
        why instanceof RegExp ? why : new RegExp(`^${escapeRe(why)}$`),
      );
      expect(r.stored.run.status).toBe("failed");
      expect(r.stored.market.status).toBe("failed");
      expect(r.stored.market.quality).toBeNull();
      expect(r.stored).toMatchObject({ snapshots: [], quotes: 0, history: 0, proposals: 0 });
    },
  );
});

const escapeRe = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
