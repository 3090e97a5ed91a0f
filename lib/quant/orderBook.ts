// Liquidation cost of a reference position walked through an order book: the volume-weighted
// slippage against the mid, per side (Almgren & Chriss 2000, "Optimal execution of portfolio
// transactions", temporary impact; here measured on the book itself, not modelled).

/** One price level: price in USD, amount in USD notional (Deribit inverse perpetuals). */
export interface BookLevel {
  price: number;
  amount: number;
}

export interface BookWalk {
  /** Volume-weighted average fill price (USD). */
  vwap: number;
  /** |vwap − mid| / mid: the cost of the fill as a fraction of notional. */
  slippage: number;
  /** USD notional filled (less than asked when the book is exhausted). */
  filledUsd: number;
  levelsUsed: number;
  exhausted: boolean;
}

export interface LiquidityWalk {
  mid: number;
  /** Selling (a long liquidated) walks the bids; buying (a short liquidated) walks the asks. */
  sell: BookWalk;
  buy: BookWalk;
  worseSide: "sell" | "buy";
  slippage: number;
}

/**
 * Walks one side of the book (best level first) for `notionalUsd`. Amounts are USD notional, so
 * the coins bought at a level are amount / price and the fill's VWAP is the harmonic mean
 * Σ usd / Σ (usd / price) — the price that, paid for every coin, costs the same USD.
 */
export function walkSide(levels: readonly BookLevel[], notionalUsd: number, mid: number): BookWalk {
  if (!(notionalUsd > 0) || !(mid > 0)) throw new Error("the walk needs a positive size and mid");
  let usd = 0;
  let coins = 0;
  let used = 0;
  for (const l of levels) {
    if (usd >= notionalUsd) break;
    if (!(l.price > 0) || !(l.amount > 0)) continue;
    const take = Math.min(l.amount, notionalUsd - usd);
    usd += take;
    coins += take / l.price;
    used++;
  }
  if (usd === 0) return { vwap: NaN, slippage: NaN, filledUsd: 0, levelsUsed: 0, exhausted: true };
  const vwap = usd / coins;
  return {
    vwap,
    slippage: Math.abs(vwap - mid) / mid,
    filledUsd: usd,
    levelsUsed: used,
    exhausted: usd < notionalUsd,
  };
}

/** Both sides for the same notional; the worse (larger) slippage is the add-on. */
export function walkBook(
  book: { bids: readonly BookLevel[]; asks: readonly BookLevel[] },
  notionalUsd: number,
): LiquidityWalk {
  const bids = [...book.bids].sort((a, b) => b.price - a.price);
  const asks = [...book.asks].sort((a, b) => a.price - b.price);
  if (!bids.length || !asks.length) throw new Error("the book needs both a bid and an ask");
  const mid = (bids[0].price + asks[0].price) / 2;
  const sell = walkSide(bids, notionalUsd, mid);
  const buy = walkSide(asks, notionalUsd, mid);
  const worseSide = !(sell.slippage <= buy.slippage) ? "sell" : "buy";
  return {
    mid,
    sell,
    buy,
    worseSide,
    slippage: worseSide === "sell" ? sell.slippage : buy.slippage,
  };
}
