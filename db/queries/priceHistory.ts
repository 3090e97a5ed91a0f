import { and, asc, eq } from "drizzle-orm";
import type { SourceKind } from "../../lib/market/sourceKind";
import type { DailyPrice } from "../../lib/market/types";
import type { Db } from "../client";
import { priceHistory } from "../schema";

/** Every stored daily price of a market from one kind of source, oldest first. */
export async function storedHistory(
  db: Db,
  marketId: string,
  kind: SourceKind,
): Promise<DailyPrice[]> {
  return db
    .select({ day: priceHistory.day, price: priceHistory.price, source: priceHistory.source })
    .from(priceHistory)
    .where(and(eq(priceHistory.marketId, marketId), eq(priceHistory.sourceKind, kind)))
    .orderBy(asc(priceHistory.day));
}

const BATCH = 1000;

/** Appends days to one kind's history (never rewriting a stored one: it is append-only). */
export async function appendHistory(
  db: Db,
  marketId: string,
  kind: SourceKind,
  days: DailyPrice[],
): Promise<void> {
  for (let i = 0; i < days.length; i += BATCH) {
    await db
      .insert(priceHistory)
      .values(days.slice(i, i + BATCH).map((d) => ({ marketId, sourceKind: kind, ...d })))
      .onConflictDoNothing({
        target: [priceHistory.marketId, priceHistory.sourceKind, priceHistory.day],
      });
  }
}
