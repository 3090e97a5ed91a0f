import { asc, eq } from "drizzle-orm";
import type { DailyPrice } from "../../lib/market/types";
import type { Db } from "../client";
import { priceHistory } from "../schema";

/** Every stored daily price of a market, oldest first. */
export async function storedHistory(db: Db, marketId: string): Promise<DailyPrice[]> {
  return db
    .select({ day: priceHistory.day, price: priceHistory.price, source: priceHistory.source })
    .from(priceHistory)
    .where(eq(priceHistory.marketId, marketId))
    .orderBy(asc(priceHistory.day));
}

const BATCH = 1000;

/** Appends days (never rewriting a stored one: the history is append-only). */
export async function appendHistory(db: Db, marketId: string, days: DailyPrice[]): Promise<void> {
  for (let i = 0; i < days.length; i += BATCH) {
    await db
      .insert(priceHistory)
      .values(days.slice(i, i + BATCH).map((d) => ({ marketId, ...d })))
      .onConflictDoNothing({ target: [priceHistory.marketId, priceHistory.day] });
  }
}
