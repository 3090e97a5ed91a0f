// Runs as a serverless platform delivers them, on the Postgres server: many deliveries of one
// slot at once, and a worker killed in the middle of a run (its run seen as abandoned after its
// lease, then completed by the next delivery of the slot without redoing what it recorded).
import { spawn } from "node:child_process";
import { and, asc, count, eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrateDb, openDb, type DbHandle } from "../../db/client";
import { markAbandoned, runSummaryByKey } from "../../db/queries/runs";
import { runMarkets, runs, runStages } from "../../db/schema";
import { DEFAULT_CONFIG } from "../../lib/config";
import { ReplaySource } from "../../lib/market/replay";
import { executeRun } from "../../lib/pipeline/run";

const serverUrl = process.env.DATABASE_URL;
const AT = "2026-03-04T10:00:00Z";

describe.skipIf(!serverUrl)("serverless deliveries on the Postgres server", () => {
  const name = `vigil_serverless_${process.pid}`;
  let url: string;
  const handles: DbHandle[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(serverUrl!);
    u.pathname = `/${name}`;
    url = u.toString();
    const h = await openDb({ driver: "pg", url, pgliteDir: "" });
    await migrateDb(h);
    handles.push(h);
  });

  afterAll(async () => {
    for (const h of handles) await h.close();
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it("ten concurrent deliveries of one slot give one run, each market recorded once", async () => {
    // Ten deliveries, each with its own connection pool, as ten function invocations would be.
    const pools = await Promise.all(
      Array.from({ length: 10 }, () => openDb({ driver: "pg", url, pgliteDir: "" })),
    );
    handles.push(...pools);
    const source = new ReplaySource();
    const slot = new Date("2026-02-25T10:00:00Z");
    const summaries = await Promise.all(
      pools.map((h) =>
        executeRun(h.db, source, DEFAULT_CONFIG, {
          job: "concurrent",
          slot,
          asOf: slot,
          trigger: "cron",
        }),
      ),
    );
    const [h] = handles;
    const stored = await h.db.select().from(runs).where(eq(runs.job, "concurrent"));
    expect(stored).toHaveLength(1);
    expect(new Set(summaries.map((s) => s.runId))).toEqual(new Set([stored[0].id]));
    // One delivery ran it; the nine others answered with the run as it stood.
    expect(summaries.filter((s) => !s.replayed)).toHaveLength(1);
    expect(stored[0].status).toBe("succeeded");
    const markets = await h.db
      .select({ market: runMarkets.marketId })
      .from(runMarkets)
      .where(eq(runMarkets.runId, stored[0].id))
      .orderBy(asc(runMarkets.marketId));
    expect(markets.map((m) => m.market)).toEqual(["deribit:BTC", "deribit:ETH"]);
    const stages = await h.db
      .select({ n: count() })
      .from(runStages)
      .where(eq(runStages.runId, stored[0].id));
    expect(stages[0].n).toBe(8); // four stages per market, once
  });

  it("a killed worker leaves an abandoned run that the next delivery completes", async () => {
    const [h] = handles;
    const env = {
      ...process.env,
      DATABASE_URL: url,
      POSTGRES_URL: "",
      DB_DRIVER: "",
      RUN_LEASE_MS: "2000",
      RUN_CONCURRENCY: "1",
    };
    const runKey = `replay:${new Date(AT).toISOString()}`;
    const child = spawn(process.execPath, ["bin/vigil.mjs", "run", "--once", "--at", AT], {
      env,
      stdio: "ignore",
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on("exit", (_c, sig) => r(sig)));
    // Kill it once its first market is committed, while the second is being computed.
    let first: { market: string } | undefined;
    for (let i = 0; i < 1200 && !first; i++) {
      await new Promise((r) => setTimeout(r, 50));
      [first] = await h.db
        .select({ market: runMarkets.marketId })
        .from(runMarkets)
        .innerJoin(runs, eq(runs.id, runMarkets.runId))
        .where(eq(runs.runKey, runKey));
    }
    expect(first).toBeDefined();
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const [killed] = await h.db.select().from(runs).where(eq(runs.runKey, runKey));
    expect(killed.status).toBe("running");
    expect(
      await h.db.select().from(runMarkets).where(eq(runMarkets.runId, killed.id)),
    ).toHaveLength(1);
    const firstStages = await h.db
      .select()
      .from(runStages)
      .where(and(eq(runStages.runId, killed.id), eq(runStages.marketId, first!.market)));

    // After its lease the run reads as abandoned, and the sweep records it so, naming the market
    // without a result.
    await new Promise((r) => setTimeout(r, killed.leaseExpiresAt!.getTime() - Date.now() + 200));
    expect((await runSummaryByKey(h.db, runKey))!.status).toBe("abandoned");
    expect(await markAbandoned(h.db)).toEqual([killed.id]);
    const [abandoned] = await h.db.select().from(runs).where(eq(runs.id, killed.id));
    const other = ["deribit:BTC", "deribit:ETH"].find((m) => m !== first!.market)!;
    expect(abandoned.status).toBe("abandoned");
    expect(abandoned.reason).toBe(
      `abandoned: the invocation stopped before finishing; markets without a result: ${other}`,
    );

    // The next delivery of the slot runs only the market it lacks and ends the run.
    const next = spawn(process.execPath, ["bin/vigil.mjs", "run", "--once", "--at", AT, "--json"], {
      env,
    });
    let out = "";
    next.stdout.on("data", (d) => (out += d));
    const code = await new Promise<number | null>((r) => next.on("exit", r));
    const s = JSON.parse(out);
    expect(s.runId).toBe(killed.id);
    expect(s.status, s.reason).toBe("succeeded");
    expect(code).toBe(0);
    const stages = await h.db
      .select()
      .from(runStages)
      .where(eq(runStages.runId, killed.id))
      .orderBy(asc(runStages.id));
    // The first market's stages are the killed worker's, untouched; the other's were added once.
    expect(stages.filter((r) => r.marketId === first!.market)).toEqual(firstStages);
    expect(stages.filter((r) => r.marketId === other)).toHaveLength(4);
    const [done] = await h.db.select().from(runs).where(eq(runs.id, killed.id));
    expect(done.leaseExpiresAt).toBeNull();
    expect(done.finishedAt).not.toBeNull();
  });
});
