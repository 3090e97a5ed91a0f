// The daily price history a run reads: what the database has kept from earlier runs, extended by
// what the source returns now. The stored history is append-only (a day, once kept, is never
// rewritten), so a venue that only serves a bounded window still yields a history that grows with
// every run, and an earlier run's inputs stay reproducible.
import type { DailyPrice } from "./types";

const DAY_MS = 86_400_000;

export interface MergedHistory {
  /** Stored ∪ fetched, by day, oldest first; a stored day wins over a fetched one. */
  history: DailyPrice[];
  /** Fetched days not stored yet: what the run appends. */
  added: DailyPrice[];
  /** Days both have whose prices differ by more than 1e-9 relative (the stored one is kept). */
  revisions: { day: string; stored: number; fetched: number }[];
}

/**
 * Merges the stored history with the fetched one as of `asOf`. Stored days count only once the
 * day has ended at `asOf` (its close is known), so a run for an earlier time never reads a later
 * run's prices.
 */
export function mergeDailyHistory(
  stored: DailyPrice[],
  fetched: DailyPrice[],
  asOf: number,
): MergedHistory {
  const storedDays = new Set(stored.map((d) => d.day));
  const byDay = new Map<string, DailyPrice>();
  for (const d of stored) {
    if (Date.parse(`${d.day}T00:00:00Z`) + DAY_MS <= asOf) byDay.set(d.day, d);
  }
  const added: DailyPrice[] = [];
  const revisions: MergedHistory["revisions"] = [];
  for (const d of fetched) {
    const kept = byDay.get(d.day);
    if (!kept) {
      byDay.set(d.day, d);
      if (!storedDays.has(d.day)) added.push(d);
    } else if (Math.abs(kept.price - d.price) > 1e-9 * Math.abs(kept.price)) {
      revisions.push({ day: d.day, stored: kept.price, fetched: d.price });
    }
  }
  const history = [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return { history, added, revisions };
}
