import { sql } from "drizzle-orm";
import { latestRunPerMarket } from "@/db/queries/api";
import { preflight, publicGet } from "@/lib/api/publicGet";
import { API_ROUTES } from "@/lib/api/routes";
import { codeVersion } from "@/lib/config";

export const dynamic = "force-dynamic";

/** A market whose latest run is older than this misses the hourly schedule. */
const STALE_AFTER_HOURS = 2;

export const GET = publicGet({
  ...API_ROUTES.health,
  handler: async ({ db }) => {
    const started = performance.now();
    await db.execute(sql`select 1`);
    const latencyMs = performance.now() - started;
    const markets = await latestRunPerMarket(db, new Date());
    const stale = markets.some((m) => m.ageHours === null || m.ageHours > STALE_AFTER_HOURS);
    return {
      body: {
        status: stale ? "stale" : "ok",
        version: codeVersion(),
        database: { reachable: true, latencyMs },
        markets,
      },
      cache: "live",
    };
  },
  unavailable: () => ({
    body: {
      status: "unavailable",
      version: codeVersion(),
      database: { reachable: false, latencyMs: null },
      markets: [],
    },
    status: 503,
    cache: "live",
  }),
});
export const OPTIONS = preflight;
