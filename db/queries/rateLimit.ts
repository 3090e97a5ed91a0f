import { sql } from "drizzle-orm";
import type { Db } from "../client";
import { apiRateLimits } from "../schema";

export interface WindowCount {
  count: number;
  /** Seconds until the current one-minute window closes (database clock). */
  resetSeconds: number;
}

/**
 * Adds `n` requests of a client to the current one-minute window, by the database's clock so
 * that every serverless instance agrees, and returns the window's count. Opening a window also
 * deletes windows that closed more than a minute ago.
 */
export async function countRequests(db: Db, client: string, n: number): Promise<WindowCount> {
  const result = await db.execute(sql`
    insert into ${apiRateLimits} (client, window_start, count)
    values (${client}, date_trunc('minute', now()), ${n})
    on conflict (client, window_start) do update set count = ${apiRateLimits.count} + ${n}
    returning count, 60 - extract(epoch from now() - window_start)::float8 as reset`);
  const row = (result as unknown as { rows: { count: number; reset: number }[] }).rows[0];
  if (Number(row.count) === n)
    await db.execute(
      sql`delete from ${apiRateLimits} where window_start < now() - interval '2 minutes'`,
    );
  return { count: Number(row.count), resetSeconds: Math.max(1, Math.ceil(Number(row.reset))) };
}
