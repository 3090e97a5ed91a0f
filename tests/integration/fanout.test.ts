// Fan-out as on Vercel: the run's claimer POSTs each market to /api/cron/market, whose handler
// (called here as the platform would, one request per market) records that market under the
// run's lease and ends the run when it is the last.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { runMarkets, runs } from "../../db/schema";
import { DEFAULT_CONFIG } from "../../lib/config";
import { ReplaySource } from "../../lib/market/replay";
import { executeRun, runSettingsFromEnv } from "../../lib/pipeline/run";

const SECRET = "fan-out-test-secret";
let POST: (r: Request) => Promise<Response>;
let h: DbHandle;

beforeAll(async () => {
  Object.assign(process.env, {
    CRON_SECRET: SECRET,
    PGLITE_DIR: "memory://",
    DATABASE_URL: "",
    POSTGRES_URL: "",
    DB_DRIVER: "",
    MARKET_SOURCE: "replay",
    VIGIL_CONFIG: "",
  });
  ({ POST } = await import("../../app/api/cron/market/route"));
  h = await (await import("../../db")).getDb();
});
afterAll(() => h.close());

const post = (body: unknown, secret = SECRET) =>
  POST(
    new Request("http://vigil.test/api/cron/market", {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

describe("the fan-out worker route", () => {
  it("records each market in its own request and ends the run with the last", async () => {
    const at = new Date("2026-03-04T10:00:00Z");
    const answers: number[] = [];
    const s = await executeRun(
      h.db,
      new ReplaySource(),
      DEFAULT_CONFIG,
      { job: "fanout", slot: at, asOf: at, trigger: "cron" },
      {
        settings: runSettingsFromEnv(),
        dispatch: async (run, market) => {
          const res = await post({ runId: run.id, market: market.id });
          answers.push(res.status);
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
        },
      },
    );
    expect(answers).toEqual([200, 200]);
    expect(s.status, s.reason ?? "").toBe("succeeded");
    expect(s.markets.map((m) => m.market)).toEqual(["deribit:BTC", "deribit:ETH"]);
    const [run] = await h.db.select().from(runs).where(eq(runs.id, s.runId));
    expect(run.finishedAt).not.toBeNull();
    // A retried POST for an ended run writes nothing.
    const again = await post({ runId: s.runId, market: "deribit:BTC" });
    expect(again.status).toBe(409);
    const rows = await h.db
      .select({ n: count() })
      .from(runMarkets)
      .where(eq(runMarkets.runId, s.runId));
    expect(rows[0].n).toBe(2);
  });

  it("refuses a wrong secret, a malformed body and an unknown run", async () => {
    expect((await post({ runId: 1, market: "deribit:BTC" }, "wrong")).status).toBe(401);
    const bad = await post({ runId: "one", market: 7 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/runId: .*; market: /);
    expect((await post({ runId: 999_999, market: "deribit:BTC" })).status).toBe(409);
  });
});
