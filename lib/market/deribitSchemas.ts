// zod schemas of the Deribit public API v2 responses Vigil reads (JSON-RPC over HTTP GET). Shapes
// from Deribit's API reference and real recorded responses (data/API_SHAPES.md, data/api_samples).
//
// Missing values: Deribit sends `null` for an empty book side (bid_price / ask_price / mid_price)
// and for last/high/low/price_change without trades; those fields are `.nullable()` here and the
// adapter keeps them as null. JSON has no NaN or Infinity: a literal NaN token makes the body
// invalid JSON, and a string such as "NaN" or "abc" where a number belongs is a type error. Either
// way the whole response is rejected with the endpoint and field named, never coerced.
import { z } from "zod";

/** Unknown keys are allowed (Deribit adds fields) and stripped from the parsed value. */
const price = z.number().nonnegative();
const nullablePrice = price.nullable().optional();
const ms = z.number().int().nonnegative();

/** The JSON-RPC error object, in place of `result` when a call fails. */
export const RpcErrorSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type RpcError = z.infer<typeof RpcErrorSchema>;

/** The JSON-RPC 2.0 envelope: exactly one of `result` and `error`. */
export const EnvelopeSchema = z.union([
  z.object({
    jsonrpc: z.literal("2.0").optional(),
    id: z.number().optional(),
    error: RpcErrorSchema,
  }),
  z.object({
    jsonrpc: z.literal("2.0").optional(),
    id: z.number().optional(),
    // z.unknown() would accept a missing key: require it to be present (null is a result).
    result: z.custom<unknown>((v) => v !== undefined, "result is missing"),
    usIn: z.number().optional(),
    usOut: z.number().optional(),
    usDiff: z.number().optional(),
    testnet: z.boolean().optional(),
  }),
]);

/** Fields every get_book_summary_by_currency row has, options and futures alike. */
const BookSummaryBaseSchema = z.object({
  instrument_name: z.string().min(1),
  base_currency: z.string().optional(),
  quote_currency: z.string().optional(),
  /** Best bid / ask (coin for inverse options, USD for futures); null when that side is empty. */
  bid_price: nullablePrice,
  ask_price: nullablePrice,
  mid_price: nullablePrice,
  estimated_delivery_price: z.number().positive().optional(),
  open_interest: z.number().nonnegative().nullable().optional(),
  volume: z.number().nonnegative().nullable().optional(),
  volume_usd: z.number().nonnegative().nullable().optional(),
  last: nullablePrice,
  high: nullablePrice,
  low: nullablePrice,
  price_change: z.number().nullable().optional(),
  /** When Deribit produced the summary (stands in for the quote time), ms. */
  creation_timestamp: ms,
});

/** public/get_book_summary_by_currency?kind=option: one row per live option. */
export const OptionBookSummarySchema = BookSummaryBaseSchema.extend({
  /** Deribit's mark in coin. */
  mark_price: price.nullable(),
  /** Mark implied vol in percent (58.6 = 58.6 %). */
  mark_iv: z.number().nonnegative().nullable(),
  /** USD forward the mark IV is computed against (a future, a synthetic future or the index). */
  underlying_price: z.number().positive(),
  underlying_index: z.string().optional(),
  interest_rate: z.number().optional(),
});
export type OptionBookSummary = z.infer<typeof OptionBookSummarySchema>;
export const OptionBookSummaryResultSchema = z.array(OptionBookSummarySchema);

/** public/get_book_summary_by_currency?kind=future: dated futures and the perpetual (USD). */
export const FutureBookSummarySchema = BookSummaryBaseSchema.extend({
  mark_price: z.number().positive(),
  volume_notional: z.number().nonnegative().nullable().optional(),
  /** Perpetual only: funding rate now and over the trailing 8 h, fractions of notional. */
  current_funding: z.number().nullable().optional(),
  funding_8h: z.number().nullable().optional(),
});
export type FutureBookSummary = z.infer<typeof FutureBookSummarySchema>;
export const FutureBookSummaryResultSchema = z.array(FutureBookSummarySchema);

/** public/get_instruments?kind=option: listing metadata, the authority for expiry and strike. */
export const InstrumentSchema = z.object({
  instrument_name: z.string().min(1),
  instrument_id: z.number().int().optional(),
  kind: z.string(),
  option_type: z.enum(["call", "put"]).optional(),
  strike: z.number().positive().optional(),
  /** Expiry, ms since epoch (08:00 UTC for Deribit's BTC/ETH options). */
  expiration_timestamp: ms,
  creation_timestamp: ms.optional(),
  settlement_period: z.string().optional(),
  is_active: z.boolean().optional(),
  state: z.string().optional(),
  base_currency: z.string().optional(),
  quote_currency: z.string().optional(),
  settlement_currency: z.string().optional(),
  instrument_type: z.string().optional(),
  price_index: z.string().optional(),
  contract_size: z.number().positive().optional(),
  tick_size: z.number().positive().optional(),
  min_trade_amount: z.number().positive().optional(),
});
export type Instrument = z.infer<typeof InstrumentSchema>;
export const InstrumentsResultSchema = z.array(InstrumentSchema);

/** public/ticker?instrument_name=BTC-PERPETUAL (used for funding and the index at capture end). */
export const TickerSchema = z.object({
  instrument_name: z.string().min(1),
  timestamp: ms,
  state: z.string().optional(),
  index_price: z.number().positive(),
  mark_price: z.number().positive(),
  last_price: nullablePrice,
  best_bid_price: nullablePrice,
  best_ask_price: nullablePrice,
  best_bid_amount: z.number().nonnegative().nullable().optional(),
  best_ask_amount: z.number().nonnegative().nullable().optional(),
  estimated_delivery_price: z.number().positive().optional(),
  settlement_price: z.number().positive().nullable().optional(),
  open_interest: z.number().nonnegative().nullable().optional(),
  current_funding: z.number().nullable().optional(),
  funding_8h: z.number().nullable().optional(),
  interest_value: z.number().nullable().optional(),
});
export type Ticker = z.infer<typeof TickerSchema>;

/** One level of a book: [price, amount]; amount is USD notional for the inverse perpetuals. */
const BookLevelSchema = z.tuple([z.number().finite(), z.number().finite()]);

/**
 * public/get_order_book?instrument_name=BTC-PERPETUAL&depth=N: the book's levels, best first.
 * Levels are validated as finite pairs here; levels with a non-positive price or amount are
 * dropped by cleanOrderBook, not rejected with the whole book.
 */
export const OrderBookSchema = z.object({
  instrument_name: z.string().min(1),
  timestamp: ms,
  bids: z.array(BookLevelSchema),
  asks: z.array(BookLevelSchema),
  mark_price: z.number().positive().optional(),
  index_price: z.number().positive().optional(),
});
export type OrderBook = z.infer<typeof OrderBookSchema>;

/** public/get_index_price?index_name=btc_usd|eth_usd. */
export const IndexPriceSchema = z.object({
  index_price: z.number().positive(),
  estimated_delivery_price: z.number().positive().optional(),
});
export type IndexPrice = z.infer<typeof IndexPriceSchema>;

/**
 * public/get_tradingview_chart_data: candles as parallel arrays, ticks = candle start (ms).
 * status is "ok", or "no_data" with empty arrays.
 */
export const ChartDataSchema = z
  .object({
    status: z.string(),
    ticks: z.array(ms),
    open: z.array(z.number().positive()).optional(),
    high: z.array(z.number().positive()).optional(),
    low: z.array(z.number().positive()).optional(),
    close: z.array(z.number().positive()),
    volume: z.array(z.number().nonnegative()).optional(),
    cost: z.array(z.number().nonnegative()).optional(),
  })
  .refine((c) => c.ticks.length === c.close.length, {
    message: "ticks and close differ in length",
    path: ["close"],
  });
export type ChartData = z.infer<typeof ChartDataSchema>;

/** The schema of each endpoint's `result`, keyed by method. */
export const RESULT_SCHEMAS = {
  "public/get_book_summary_by_currency:option": OptionBookSummaryResultSchema,
  "public/get_book_summary_by_currency:future": FutureBookSummaryResultSchema,
  "public/get_instruments": InstrumentsResultSchema,
  "public/ticker": TickerSchema,
  "public/get_order_book": OrderBookSchema,
  "public/get_index_price": IndexPriceSchema,
  "public/get_tradingview_chart_data": ChartDataSchema,
} as const;
