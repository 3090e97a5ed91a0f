// Live Deribit public REST API (JSON-RPC over HTTP GET), behind the MarketSource interface. Every
// response is validated with zod; every failure becomes a MarketDataError naming the endpoint.
import { z } from "zod";
import type { MarketId } from "../config";
import type { DailyPrice, MarketSource, OptionQuote, Snapshot } from "./types";

export type MarketDataErrorKind =
  "timeout" | "http" | "rate-limited" | "json-rpc" | "invalid-response" | "network" | "unavailable";

export class MarketDataError extends Error {
  constructor(
    readonly kind: MarketDataErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "MarketDataError";
  }
}

const num = z.number().finite();
const optNum = z.number().finite().nullable().optional();

const EnvelopeSchema = z.union([
  z.object({ result: z.unknown(), error: z.undefined().optional() }).passthrough(),
  z
    .object({ error: z.object({ code: z.number(), message: z.string() }).passthrough() })
    .passthrough(),
]);

const BookSummarySchema = z.array(
  z
    .object({
      instrument_name: z.string().min(1),
      bid_price: optNum,
      ask_price: optNum,
      mark_price: optNum,
      mark_iv: optNum,
      underlying_price: optNum,
      open_interest: optNum,
    })
    .passthrough(),
);

const InstrumentsSchema = z.array(
  z
    .object({
      instrument_name: z.string().min(1),
      expiration_timestamp: num,
      strike: num.positive().optional(),
      option_type: z.enum(["call", "put"]).optional(),
    })
    .passthrough(),
);

const IndexPriceSchema = z.object({ index_price: num.positive() }).passthrough();

const ChartSchema = z
  .object({ status: z.string(), ticks: z.array(num), close: z.array(num.positive()) })
  .passthrough();

export interface DeribitOptions {
  baseUrl?: string;
  timeoutMs?: number;
  maxRetries?: number;
  /** Milliseconds before the first retry; doubled each time, with jitter. */
  backoffMs?: number;
  /** Minimum spacing of requests: Deribit's public non-matching-engine limit is a credit pool
   *  refilled at 20 requests/s (Deribit API docs, "Rate Limits"); 60 ms keeps well inside it. */
  minIntervalMs?: number;
  now?: () => number;
}

const INDEX: Record<string, string> = { BTC: "btc_usd", ETH: "eth_usd" };
const DAY_MS = 86_400_000;

export class DeribitSource implements MarketSource {
  readonly name = "deribit";
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private nextSlot = 0;

  constructor(opts: DeribitOptions = {}, env: Record<string, string | undefined> = process.env) {
    this.baseUrl = (
      opts.baseUrl ??
      env.DERIBIT_API_URL ??
      "https://www.deribit.com/api/v2"
    ).replace(/\/$/, "");
    this.timeoutMs = opts.timeoutMs ?? Number(env.DERIBIT_TIMEOUT_MS ?? 10_000);
    this.maxRetries = opts.maxRetries ?? 3;
    this.backoffMs = opts.backoffMs ?? 250;
    this.minIntervalMs = opts.minIntervalMs ?? 60;
    this.now = opts.now ?? Date.now;
  }

  /** Live data only exists now: a request for a past instant is refused, not answered with today. */
  async snapshotAsOf(market: MarketId, at: number): Promise<Snapshot | null> {
    const asset = assetOf(market);
    if (Math.abs(this.now() - at) > 15 * 60_000) {
      throw new MarketDataError(
        "unavailable",
        `the live Deribit source cannot replay ${new Date(at).toISOString()}: use MARKET_SOURCE=replay`,
      );
    }
    const [books, instruments, index] = await Promise.all([
      this.call(
        "public/get_book_summary_by_currency",
        { currency: asset, kind: "option" },
        BookSummarySchema,
      ),
      this.call(
        "public/get_instruments",
        { currency: asset, kind: "option", expired: "false" },
        InstrumentsSchema,
      ),
      this.call("public/get_index_price", { index_name: INDEX[asset] }, IndexPriceSchema),
    ]);
    const byName = new Map(instruments.map((i) => [i.instrument_name, i]));
    const options: OptionQuote[] = [];
    for (const b of books) {
      const inst = byName.get(b.instrument_name);
      if (!inst || inst.strike === undefined || inst.option_type === undefined) continue;
      if (!b.underlying_price || !(b.underlying_price > 0)) continue;
      options.push({
        instrument: b.instrument_name,
        expiry: inst.expiration_timestamp,
        strike: inst.strike,
        type: inst.option_type,
        bid: b.bid_price || null,
        ask: b.ask_price || null,
        mark: b.mark_price ?? null,
        markIv: b.mark_iv === null || b.mark_iv === undefined ? null : b.mark_iv / 100,
        forward: b.underlying_price,
        openInterest: b.open_interest ?? null,
      });
    }
    return {
      market,
      source: "deribit",
      capturedAt: this.now(),
      indexPrice: index.index_price,
      options,
    };
  }

  /** Daily closes of the perpetual (TradingView 1D candles) over the last 1,000 days up to `at`. */
  async dailyPricesAsOf(market: MarketId, at: number): Promise<DailyPrice[]> {
    const asset = assetOf(market);
    const chart = await this.call(
      "public/get_tradingview_chart_data",
      {
        instrument_name: `${asset}-PERPETUAL`,
        start_timestamp: String(at - 1000 * DAY_MS),
        end_timestamp: String(at),
        resolution: "1D",
      },
      ChartSchema,
    );
    if (chart.ticks.length !== chart.close.length) {
      throw new MarketDataError(
        "invalid-response",
        "get_tradingview_chart_data: ticks and close differ in length",
      );
    }
    // A daily candle's close is known at the end of its day; today's is still moving.
    return chart.ticks
      .map((t, i) => ({
        day: new Date(t).toISOString().slice(0, 10),
        price: chart.close[i],
        source: "deribit-perpetual",
        end: t + DAY_MS,
      }))
      .filter((d) => d.end <= at)
      .map(({ day, price, source }) => ({ day, price, source }));
  }

  /** One JSON-RPC call with timeout, bounded retries with backoff (429, 5xx, timeouts, network). */
  private async call<T>(
    method: string,
    params: Record<string, string>,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const url = `${this.baseUrl}/${method}?${new URLSearchParams(params)}`;
    const endpoint = method.replace("public/", "");
    let lastError: MarketDataError | undefined;
    for (let attempt = 0; attempt <= this.maxRetries; attempt++) {
      if (attempt > 0)
        await sleep(this.backoffMs * 2 ** (attempt - 1) * (0.75 + 0.5 * Math.random()));
      await this.throttle();
      try {
        return await this.once(url, endpoint, schema);
      } catch (err) {
        lastError =
          err instanceof MarketDataError
            ? err
            : new MarketDataError("network", `${endpoint}: ${String(err)}`);
        const retryable =
          ["timeout", "rate-limited", "network"].includes(lastError.kind) ||
          /HTTP 5\d\d/.test(lastError.message);
        if (!retryable) throw lastError;
      }
    }
    throw new MarketDataError(
      lastError!.kind,
      `${lastError!.message} (after ${this.maxRetries + 1} attempts)`,
    );
  }

  private async once<T>(url: string, endpoint: string, schema: z.ZodType<T>): Promise<T> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (err) {
      const name = (err as Error).name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw new MarketDataError("timeout", `${endpoint}: no answer within ${this.timeoutMs} ms`);
      }
      throw new MarketDataError("network", `${endpoint}: ${(err as Error).message}`);
    }
    if (res.status === 429)
      throw new MarketDataError("rate-limited", `${endpoint}: HTTP 429 (rate limited)`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      if (!res.ok) throw new MarketDataError("http", `${endpoint}: HTTP ${res.status}`);
      throw new MarketDataError(
        "invalid-response",
        `${endpoint}: response is not valid JSON (${text.length} bytes)`,
      );
    }
    const env = EnvelopeSchema.safeParse(body);
    if (env.success && "error" in env.data && env.data.error) {
      const e = env.data.error as { code: number; message: string };
      throw new MarketDataError("json-rpc", `${endpoint}: JSON-RPC error ${e.code}: ${e.message}`);
    }
    if (!res.ok) throw new MarketDataError("http", `${endpoint}: HTTP ${res.status}`);
    if (!env.success || !("result" in env.data)) {
      throw new MarketDataError("invalid-response", `${endpoint}: no result in the response`);
    }
    const parsed = schema.safeParse(env.data.result);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MarketDataError(
        "invalid-response",
        `${endpoint}: result.${issue.path.join(".")}: ${issue.message}`,
      );
    }
    return parsed.data;
  }

  private async throttle(): Promise<void> {
    const now = Date.now();
    const wait = this.nextSlot - now;
    this.nextSlot = Math.max(now, this.nextSlot) + this.minIntervalMs;
    if (wait > 0) await sleep(wait);
  }
}

function assetOf(market: MarketId): string {
  const [venue, asset] = market.split(":");
  if (venue !== "deribit" || !INDEX[asset]) {
    throw new MarketDataError("unavailable", `the Deribit source has no market ${market}`);
  }
  return asset;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
