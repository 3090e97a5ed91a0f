// Live Deribit public REST API (JSON-RPC over HTTP GET) behind the MarketSource interface. Every
// response is validated with zod (deribitSchemas.ts); every failure, whatever its origin, leaves
// this module as a MarketDataError naming the endpoint (and the field, for a bad value).
//
// Retries: 429, JSON-RPC too_many_requests (10028), HTTP 5xx, timeouts and network errors are
// retried up to `maxRetries` times with exponential backoff and jitter; other JSON-RPC errors, other
// 4xx and invalid bodies are not (they would fail the same way again).
//
// Rate limits: Deribit's documented default for non-matching-engine requests (public market data
// included) is a credit pool of 50,000 credits, 500 credits a request, refilled at 10,000 credits/s:
// 20 requests/s sustained, bursts of 100 (https://docs.deribit.com/articles/rate-limits,
// support.deribit.com/hc/en-us/articles/25944617523357-Rate-Limits). public/get_instruments has its
// own limit in its reference page: 1 request per 10 s, bursts of 5. A client-side credit bucket per
// source instance enforces both before each request; a 429 empties the bucket.
import type { z } from "zod";
import type { MarketId } from "../config";
import {
  ChartDataSchema,
  EnvelopeSchema,
  FutureBookSummaryResultSchema,
  IndexPriceSchema,
  InstrumentsResultSchema,
  OptionBookSummaryResultSchema,
  RpcErrorSchema,
  TickerSchema,
  OrderBookSchema,
  type OrderBook,
  type FutureBookSummary,
  type IndexPrice,
  type Instrument,
  type OptionBookSummary,
  type Ticker,
} from "./deribitSchemas";
import type { CaptureWindow, TimedOptionQuote } from "./quality";
import type { DailyPrice, MarketSource, Snapshot } from "./types";
import type { BookLevel } from "../quant/orderBook";

/** The perpetual's cleaned book, best level first, and where it came from (rationales cite it). */
export interface PerpetualBook {
  bids: BookLevel[];
  asks: BookLevel[];
  source: string;
}

export type MarketDataErrorKind =
  | "timeout"
  | "http"
  | "rate-limited"
  | "json-rpc"
  | "invalid-response"
  | "network"
  /** The source cannot answer the question asked (a past instant, an unknown market). */
  | "unavailable";

export interface MarketDataErrorDetails {
  endpoint?: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** JSON-RPC error code, for kind "json-rpc" (and "rate-limited" by code 10028). */
  rpcCode?: number;
  /** Requests made before giving up. */
  attempts?: number;
  /** Server-requested wait (Retry-After), ms. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class MarketDataError extends Error {
  readonly endpoint: string | null;
  readonly status: number | null;
  readonly rpcCode: number | null;
  readonly attempts: number;
  readonly retryAfterMs: number | null;

  constructor(
    readonly kind: MarketDataErrorKind,
    message: string,
    details: MarketDataErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "MarketDataError";
    this.endpoint = details.endpoint ?? null;
    this.status = details.status ?? null;
    this.rpcCode = details.rpcCode ?? null;
    this.attempts = details.attempts ?? 1;
    this.retryAfterMs = details.retryAfterMs ?? null;
  }

  /** Whether trying again later may succeed: rate limits, 5xx, timeouts, network errors. */
  get retryable(): boolean {
    return (
      this.kind === "timeout" ||
      this.kind === "network" ||
      this.kind === "rate-limited" ||
      (this.status !== null && this.status >= 500)
    );
  }
}

/** A credit bucket: `capacity` credits, refilled at `refillPerSecond`, `cost` per request. */
export interface RateLimit {
  capacity: number;
  refillPerSecond: number;
  cost: number;
}

/** Deribit's default non-matching-engine limit: 20 requests/s sustained, bursts of 100. */
export const DERIBIT_PUBLIC_LIMIT: RateLimit = {
  capacity: 50_000,
  refillPerSecond: 10_000,
  cost: 500,
};
/** public/get_instruments: 1 request per 10 s, bursts of 5. */
export const DERIBIT_INSTRUMENTS_LIMIT: RateLimit = { capacity: 5, refillPerSecond: 0.1, cost: 1 };

export interface DeribitOptions {
  /** Default DERIBIT_API_URL, else https://www.deribit.com/api/v2. */
  baseUrl?: string;
  /** Per request (headers and body), ms. Default DERIBIT_TIMEOUT_MS, else 10,000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** First backoff, ms; doubled each retry, capped at maxBackoffMs, with ±50 % jitter. 250. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Client-side rate limits (defaults: Deribit's documented ones). */
  rateLimits?: { public?: RateLimit; instruments?: RateLimit };
  /** How far the requested as-of time may be from now for a live snapshot, ms. 10 min. */
  maxAsOfSkewMs?: number;
  /** Daily history requested by dailyPricesAsOf, days. 1,000. */
  historyDays?: number;
  fetchImpl?: typeof fetch;
  /** Wall clock for capture times and the as-of check (not for waiting). Default Date.now. */
  now?: () => number;
}

/** A perpetual or dated future of the market (USD-quoted, inverse). */
export interface FutureQuote {
  instrument: string;
  /** 08:00 UTC expiry, ms; null for the perpetual. */
  expiry: number | null;
  bid: number | null;
  ask: number | null;
  mark: number;
  openInterest: number | null;
  quotedAt: number;
}

export interface PerpetualState {
  instrument: string;
  mark: number;
  index: number;
  /** Current funding rate and its trailing 8 h value, fractions of notional. */
  currentFunding: number | null;
  funding8h: number | null;
  timestamp: number;
}

/** What the live source returns: a Snapshot plus what Deribit adds to it. */
export interface DeribitSnapshot extends Snapshot {
  options: TimedOptionQuote[];
  futures: FutureQuote[];
  perpetual: PerpetualState | null;
  /** The perpetual's cleaned order book (liquidity add-on), null with the reason when absent. */
  perpetualBook: PerpetualBook | null;
  perpetualBookError: string | null;
  capture: CaptureWindow;
  normalization: {
    bookRows: number;
    /** Book rows absent from get_instruments whose name was parsed instead. */
    fromName: number;
    /** Book rows that could be matched neither way (not in the snapshot). */
    unmatched: string[];
  };
}

const INDEX_NAME: Record<string, string> = { BTC: "btc_usd", ETH: "eth_usd" };
const DAY_MS = 86_400_000;
const EXPIRY_HOUR_UTC = 8;
const MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(" ");

export class DeribitSource implements MarketSource {
  readonly name = "deribit";
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxAsOfSkewMs: number;
  private readonly historyDays: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly publicBucket: CreditBucket;
  private readonly instrumentsBucket: CreditBucket;
  /** Requests sent (attempts, retries included), for tests and the run record. */
  requests = 0;

  constructor(opts: DeribitOptions = {}, env: Record<string, string | undefined> = process.env) {
    this.baseUrl = (
      opts.baseUrl ??
      env.DERIBIT_API_URL ??
      "https://www.deribit.com/api/v2"
    ).replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? Number(env.DERIBIT_TIMEOUT_MS ?? 10_000);
    if (!(this.timeoutMs > 0)) {
      throw new MarketDataError(
        "unavailable",
        `DERIBIT_TIMEOUT_MS must be > 0 (got ${env.DERIBIT_TIMEOUT_MS})`,
      );
    }
    this.maxRetries = opts.maxRetries ?? 3;
    this.backoffMs = opts.backoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    this.maxAsOfSkewMs = opts.maxAsOfSkewMs ?? 10 * 60_000;
    this.historyDays = opts.historyDays ?? 1000;
    this.fetchImpl = opts.fetchImpl ?? ((...a) => fetch(...a));
    this.now = opts.now ?? Date.now;
    this.publicBucket = new CreditBucket(opts.rateLimits?.public ?? DERIBIT_PUBLIC_LIMIT);
    this.instrumentsBucket = new CreditBucket(
      opts.rateLimits?.instruments ?? DERIBIT_INSTRUMENTS_LIMIT,
    );
  }

  /**
   * The live snapshot. Live data only exists now: for an `at` more than `maxAsOfSkewMs` away from
   * the clock this throws MarketDataError("unavailable") rather than answer a past question with
   * today's data (use the replay source for the past).
   */
  async snapshotAsOf(market: MarketId, at: number, signal?: AbortSignal): Promise<DeribitSnapshot> {
    return guard(market, signal, async () => {
      const asset = assetOf(market);
      const startedAt = this.now();
      if (!(Math.abs(startedAt - at) <= this.maxAsOfSkewMs)) {
        throw new MarketDataError(
          "unavailable",
          `the live Deribit source cannot answer for ${isoOrRaw(at)} (now ${isoOrRaw(startedAt)}, ` +
            `allowed skew ${this.maxAsOfSkewMs / 60_000} min): use MARKET_SOURCE=replay for the past`,
        );
      }
      const index = await this.call(
        "public/get_index_price",
        { index_name: INDEX_NAME[asset] },
        IndexPriceSchema,
        undefined,
        signal,
      );
      const [books, instruments, futures] = await Promise.all([
        this.call(
          "public/get_book_summary_by_currency",
          { currency: asset, kind: "option" },
          OptionBookSummaryResultSchema,
          undefined,
          signal,
        ),
        this.call(
          "public/get_instruments",
          { currency: asset, kind: "option", expired: "false" },
          InstrumentsResultSchema,
          undefined,
          signal,
        ),
        this.call(
          "public/get_book_summary_by_currency",
          { currency: asset, kind: "future" },
          FutureBookSummaryResultSchema,
          "get_book_summary_by_currency(kind=future)",
          signal,
        ),
      ]);
      const ticker = await this.call(
        "public/ticker",
        { instrument_name: `${asset}-PERPETUAL` },
        TickerSchema,
        undefined,
        signal,
      );
      // The book feeds only the liquidity add-on, which falls back to a configured constant: a
      // book that cannot be fetched is recorded with the reason instead of failing the capture.
      const orderBook = await this.call(
        "public/get_order_book",
        { instrument_name: `${asset}-PERPETUAL`, depth: String(ORDER_BOOK_DEPTH) },
        OrderBookSchema,
      ).then(
        (b) => ({ book: b, error: null }),
        (e: unknown) => ({
          book: null,
          error:
            e instanceof MarketDataError ? e.message : wrapUnknown("get_order_book", e).message,
        }),
      );
      return buildDeribitSnapshot({
        market,
        asset,
        startedAt,
        finishedAt: this.now(),
        index,
        books,
        instruments,
        futures,
        ticker,
        orderBook,
      });
    });
  }

  /**
   * Daily closes of the perpetual (TradingView 1D candles, UTC days) over `historyDays` up to
   * `at`; a candle counts once its day has ended (its close is known), so today's is left out.
   */
  async dailyPricesAsOf(market: MarketId, at: number, signal?: AbortSignal): Promise<DailyPrice[]> {
    return guard(market, signal, async () => {
      const asset = assetOf(market);
      const instrument = `${asset}-PERPETUAL`;
      const chart = await this.call(
        "public/get_tradingview_chart_data",
        {
          instrument_name: instrument,
          start_timestamp: String(Math.floor(at - this.historyDays * DAY_MS)),
          end_timestamp: String(Math.floor(at)),
          resolution: "1D",
        },
        ChartDataSchema,
        undefined,
        signal,
      );
      return dailyFromChart(chart, at);
    });
  }

  /**
   * One JSON-RPC call: rate limit, timeout, bounded retries with exponential backoff + jitter.
   * `signal` (the caller's deadline) cuts the request and any wait short, rejecting with its reason.
   */
  private async call<T>(
    method: string,
    params: Record<string, string>,
    schema: z.ZodType<T>,
    label = method.replace(/^public\//, ""),
    signal?: AbortSignal,
  ): Promise<T> {
    const url = `${this.baseUrl}/${method}?${new URLSearchParams(params)}`;
    const bucket = method === "public/get_instruments" ? this.instrumentsBucket : this.publicBucket;
    let attempt = 0;
    for (;;) {
      attempt++;
      await bucket.take();
      if (bucket !== this.publicBucket) await this.publicBucket.take();
      signal?.throwIfAborted();
      let err: MarketDataError;
      try {
        return await this.once(url, label, schema, signal);
      } catch (e) {
        signal?.throwIfAborted();
        err = e instanceof MarketDataError ? e : wrapUnknown(label, e);
      }
      if (err.kind === "rate-limited") {
        this.publicBucket.drain();
        bucket.drain();
      }
      if (!err.retryable || attempt > this.maxRetries) {
        throw new MarketDataError(
          err.kind,
          attempt > 1 ? `${err.message} (after ${attempt} attempts)` : err.message,
          {
            endpoint: label,
            status: err.status ?? undefined,
            rpcCode: err.rpcCode ?? undefined,
            attempts: attempt,
            cause: err,
          },
        );
      }
      const exp = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
      const jittered = exp * (0.5 + Math.random());
      await sleep(Math.min(this.maxBackoffMs, Math.max(jittered, err.retryAfterMs ?? 0)), signal);
    }
  }

  private async once<T>(
    url: string,
    endpoint: string,
    schema: z.ZodType<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    this.requests++;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        signal: signal ? AbortSignal.any([controller.signal, signal]) : controller.signal,
        headers: { accept: "application/json" },
      });
      text = await res.text();
    } catch (e) {
      if (controller.signal.aborted) {
        throw new MarketDataError("timeout", `${endpoint}: no answer within ${this.timeoutMs} ms`, {
          endpoint,
        });
      }
      throw new MarketDataError("network", `${endpoint}: ${networkMessage(e)}`, {
        endpoint,
        cause: e,
      });
    } finally {
      clearTimeout(timer);
    }
    const status = res.status;
    if (status === 429) {
      throw new MarketDataError("rate-limited", `${endpoint}: HTTP 429 (rate limited)`, {
        endpoint,
        status,
        retryAfterMs: retryAfter(res.headers.get("retry-after")),
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (status < 200 || status >= 300) {
        throw new MarketDataError("http", `${endpoint}: HTTP ${status}`, { endpoint, status });
      }
      throw new MarketDataError(
        "invalid-response",
        `${endpoint}: response is not valid JSON (${text.length} bytes: ${snippet(text)})`,
        { endpoint, status },
      );
    }
    if (body && typeof body === "object" && "error" in body) {
      const rpc = RpcErrorSchema.safeParse((body as { error: unknown }).error);
      if (rpc.success) {
        const { code, message } = rpc.data;
        throw new MarketDataError(
          code === 10028 ? "rate-limited" : "json-rpc",
          `${endpoint}: JSON-RPC error ${code}: ${message}`,
          { endpoint, status, rpcCode: code },
        );
      }
    }
    if (status < 200 || status >= 300) {
      throw new MarketDataError("http", `${endpoint}: HTTP ${status}`, { endpoint, status });
    }
    const envelope = EnvelopeSchema.safeParse(body, { reportInput: true });
    if (!envelope.success || !("result" in envelope.data)) {
      throw new MarketDataError(
        "invalid-response",
        `${endpoint}: not a JSON-RPC result envelope (${snippet(text)})`,
        { endpoint, status },
      );
    }
    const parsed = schema.safeParse(envelope.data.result, { reportInput: true });
    if (!parsed.success) {
      throw new MarketDataError(
        "invalid-response",
        `${endpoint}: ${describeIssues(parsed.error)}`,
        {
          endpoint,
          status,
        },
      );
    }
    return parsed.data;
  }
}

/** The raw, validated responses of one capture. */
export interface DeribitCapture {
  market: MarketId;
  asset: string;
  startedAt: number;
  finishedAt: number;
  index: IndexPrice;
  books: OptionBookSummary[];
  instruments: Instrument[];
  futures: FutureBookSummary[];
  ticker: Ticker | null;
  /** The perpetual's book, or why there is none. */
  orderBook?: { book: OrderBook | null; error: string | null };
}

/**
 * Normalizes validated responses into a Snapshot (pure). Expiry and strike come from
 * get_instruments (expiration_timestamp, 08:00 UTC), else from the instrument name; prices stay
 * in coin; the forward of a quote is its book row's underlying_price; mark IV becomes a decimal.
 * A bid or ask of 0 is kept as 0 (cleaning counts it as "zero bid"); null stays null.
 */
export function buildDeribitSnapshot(c: DeribitCapture): DeribitSnapshot {
  const byName = new Map<string, Instrument>();
  for (const i of c.instruments) byName.set(i.instrument_name, i);
  const options: TimedOptionQuote[] = [];
  const unmatched: string[] = [];
  let fromName = 0;
  for (const b of c.books) {
    const inst = byName.get(b.instrument_name);
    let meta: { expiry: number; strike: number; type: "call" | "put" } | null = null;
    if (inst && inst.strike !== undefined && inst.option_type !== undefined) {
      meta = { expiry: inst.expiration_timestamp, strike: inst.strike, type: inst.option_type };
    } else {
      meta = parseOptionName(b.instrument_name);
      if (meta) fromName++;
    }
    if (!meta) {
      unmatched.push(b.instrument_name);
      continue;
    }
    options.push({
      instrument: b.instrument_name,
      expiry: meta.expiry,
      strike: meta.strike,
      type: meta.type,
      bid: b.bid_price ?? null,
      ask: b.ask_price ?? null,
      mark: b.mark_price,
      markIv: b.mark_iv === null ? null : b.mark_iv / 100,
      forward: b.underlying_price,
      openInterest: b.open_interest ?? null,
      quotedAt: b.creation_timestamp,
    });
  }
  const futures: FutureQuote[] = c.futures.map((f) => ({
    instrument: f.instrument_name,
    expiry: f.instrument_name.endsWith("-PERPETUAL") ? null : parseFutureExpiry(f.instrument_name),
    bid: f.bid_price ?? null,
    ask: f.ask_price ?? null,
    mark: f.mark_price,
    openInterest: f.open_interest ?? null,
    quotedAt: f.creation_timestamp,
  }));
  const t = c.ticker;
  return {
    market: c.market,
    source: "deribit",
    capturedAt: c.startedAt,
    indexPrice: c.index.index_price,
    options,
    futures,
    perpetual: t
      ? {
          instrument: t.instrument_name,
          mark: t.mark_price,
          index: t.index_price,
          currentFunding: t.current_funding ?? null,
          funding8h: t.funding_8h ?? null,
          timestamp: t.timestamp,
        }
      : null,
    ...perpetualBookOf(c.orderBook),
    capture: {
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      indexAtStart: c.index.index_price,
      indexAtEnd: t ? t.index_price : null,
    },
    normalization: { bookRows: c.books.length, fromName, unmatched },
  };
}

/** Levels requested from get_order_book: deep enough for a reference position of millions. */
export const ORDER_BOOK_DEPTH = 1000;

/**
 * Cleans the perpetual's book: levels with a non-positive or non-finite price or amount are
 * dropped, and a crossed book (best bid ≥ best ask) is not used, with the reason.
 */
export function cleanOrderBook(b: OrderBook): { book: PerpetualBook | null; error: string | null } {
  const keep = (levels: [number, number][]) =>
    levels
      .filter(([price, amount]) => price > 0 && amount > 0)
      .map(([price, amount]) => ({ price, amount }));
  const bids = keep(b.bids).sort((x, y) => y.price - x.price);
  const asks = keep(b.asks).sort((x, y) => x.price - y.price);
  if (!bids.length || !asks.length)
    return { book: null, error: `${b.instrument_name} book has an empty side` };
  if (bids[0].price >= asks[0].price)
    return {
      book: null,
      error: `${b.instrument_name} book is crossed (bid ${bids[0].price} ≥ ask ${asks[0].price})`,
    };
  return {
    book: {
      bids,
      asks,
      source: `Deribit ${b.instrument_name} get_order_book at ${new Date(b.timestamp).toISOString()}`,
    },
    error: null,
  };
}

function perpetualBookOf(o: DeribitCapture["orderBook"]): {
  perpetualBook: PerpetualBook | null;
  perpetualBookError: string | null;
} {
  if (!o) return { perpetualBook: null, perpetualBookError: "not requested" };
  if (!o.book) return { perpetualBook: null, perpetualBookError: o.error };
  const c = cleanOrderBook(o.book);
  return { perpetualBook: c.book, perpetualBookError: c.error };
}

/** Daily closes from 1D candles: day = UTC date of the candle start; only candles ended by `at`. */
export function dailyFromChart(chart: z.infer<typeof ChartDataSchema>, at: number): DailyPrice[] {
  const out: DailyPrice[] = [];
  for (let i = 0; i < chart.ticks.length; i++) {
    if (chart.ticks[i] + DAY_MS > at) continue;
    const day = new Date(chart.ticks[i]).toISOString().slice(0, 10);
    if (out.length && out[out.length - 1].day >= day) continue; // duplicates or disorder
    out.push({ day, price: chart.close[i], source: "deribit-perpetual" });
  }
  return out;
}

/** `BTC-23MAY26-70000-C` → expiry (08:00 UTC), strike, type; `d` stands for a decimal point. */
export function parseOptionName(
  name: string,
): { expiry: number; strike: number; type: "call" | "put" } | null {
  const m = /^[A-Z0-9_]+-(\d{1,2}[A-Z]{3}\d{2})-(\d+(?:d\d+)?)-([CP])$/.exec(name);
  if (!m) return null;
  const expiry = parseDeribitDate(m[1]);
  const strike = Number(m[2].replace("d", "."));
  if (expiry === null || !(strike > 0)) return null;
  return { expiry, strike, type: m[3] === "C" ? "call" : "put" };
}

function parseFutureExpiry(name: string): number | null {
  const m = /-(\d{1,2}[A-Z]{3}\d{2})$/.exec(name);
  return m ? parseDeribitDate(m[1]) : null;
}

function parseDeribitDate(s: string): number | null {
  const m = /^(\d{1,2})([A-Z]{3})(\d{2})$/.exec(s);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]);
  if (month < 0) return null;
  return Date.UTC(2000 + Number(m[3]), month, Number(m[1]), EXPIRY_HOUR_UTC);
}

/** A zod error as `result[12].bid_price: expected number, got "abc"` (+ how many more). */
function describeIssues(error: z.ZodError): string {
  const [first] = error.issues;
  const path =
    "result" + first.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  const input = (first as { input?: unknown }).input;
  let what: string;
  if (first.code === "invalid_type") {
    what = `expected ${first.expected}, got ${describeValue(input)}`;
  } else if (
    first.code === "invalid_value" ||
    first.code === "too_small" ||
    first.code === "too_big"
  ) {
    what = `${first.message.replace(/^Invalid input: /, "")}, got ${describeValue(input)}`;
  } else {
    what = first.message;
  }
  const more = error.issues.length - 1;
  return `${path}: ${what}${more > 0 ? ` (and ${more} more issue${more > 1 ? "s" : ""})` : ""}`;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing (field missing)";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (v === null || typeof v === "number" || typeof v === "boolean") return String(v);
  return Array.isArray(v) ? "an array" : "an object";
}

function snippet(text: string): string {
  const s = text.slice(0, 60).replace(/\s+/g, " ");
  return text.length > 60 ? `${JSON.stringify(s)}…` : JSON.stringify(s);
}

function networkMessage(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  const cause = err?.cause?.code ?? err?.cause?.message;
  return `network error: ${err?.message ?? String(e)}${cause ? ` (${cause})` : ""}`;
}

function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function wrapUnknown(endpoint: string, e: unknown): MarketDataError {
  return new MarketDataError("network", `${endpoint}: ${networkMessage(e)}`, {
    endpoint,
    cause: e,
  });
}

/**
 * Runs `fn`; anything thrown that is not a MarketDataError becomes one (nothing raw escapes),
 * except the caller's own abort reason, which is passed through as given.
 */
async function guard<T>(
  market: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MarketDataError || (signal?.aborted && e === signal.reason)) throw e;
    throw new MarketDataError(
      "invalid-response",
      `deribit ${market}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

function assetOf(market: MarketId): string {
  const [venue, asset] = market.split(":");
  if (venue !== "deribit" || !INDEX_NAME[asset]) {
    throw new MarketDataError("unavailable", `the Deribit source has no market ${market}`);
  }
  return asset;
}

function isoOrRaw(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/** Waits `ms`; an aborted `signal` ends the wait at once, rejecting with its reason. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Client-side leaky-bucket rate limiter; waiters are served in order. */
class CreditBucket {
  private credits: number;
  private last = performance.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly limit: RateLimit) {
    this.credits = limit.capacity;
  }

  take(): Promise<void> {
    const next = this.queue.then(() => this.acquire());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** After a 429: assume the server's pool is empty and wait for the refill like it does. */
  drain(): void {
    this.refill();
    this.credits = 0;
  }

  private refill(): void {
    const now = performance.now();
    this.credits = Math.min(
      this.limit.capacity,
      this.credits + ((now - this.last) / 1000) * this.limit.refillPerSecond,
    );
    this.last = now;
  }

  private async acquire(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.credits >= this.limit.cost) {
        this.credits -= this.limit.cost;
        return;
      }
      await sleep(((this.limit.cost - this.credits) / this.limit.refillPerSecond) * 1000);
    }
  }
}
