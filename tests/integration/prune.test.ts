// `vigil db prune --keep-quotes-days N`: per-quote rows of old snapshots go; every summary, fit,
// risk number and proposal stays, and what the pages read is unchanged.
import { spawnSync } from "node:child_process";
import { count, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { pruneQuotes } from "../../db/queries/runs";
import {
  latestBacktests,
  latestSurfaces,
  listRuns,
  marketHistory,
  runDetail,
} from "../../db/queries/views";
import {
  backtests,
  optionQuotes,
  proposals,
  riskMetrics,
  runMarkets,
  snapshots,
  surfaces,
  surfaceSlices,
} from "../../db/schema";
import { DEFAULT_CONFIG } from "../../lib/config";
import { ReplaySource } from "../../lib/market/replay";
import { executeRun } from "../../lib/pipeline/run";
import { testDatabases } from "../helpers/db";

const OLD = "2026-01-07T10:00:00Z";
const NEW = "2026-03-04T10:00:00Z";

describe.each(testDatabases)("prune on $name", ({ open }) => {
  let h: DbHandle;
  const source = new ReplaySource();
  beforeAll(async () => {
    h = await open();
    for (const at of [OLD, NEW]) {
      await executeRun(h.db, source, DEFAULT_CONFIG, {
        job: "prune",
        slot: new Date(at),
        asOf: new Date(at),
        trigger: "cli",
        markets: ["deribit:BTC"],
      });
    }
  });
  afterAll(() => h.close());

  const pages = async () => {
    const runs = await listRuns(h.db);
    return {
      runs,
      details: await Promise.all(runs.map((r) => runDetail(h.db, r.id))),
      history: await marketHistory(h.db, "deribit:BTC"),
      surfaces: await latestSurfaces(h.db, "deribit:BTC"),
      backtests: await latestBacktests(h.db, "deribit:BTC"),
    };
  };
  const n = async (table: typeof proposals | typeof surfaces | typeof riskMetrics) =>
    (await h.db.select({ n: count() }).from(table))[0].n;

  it("drops the quotes of snapshots older than N days and nothing else", async () => {
    const snaps = await h.db.select().from(snapshots).orderBy(snapshots.capturedAt);
    expect(snaps).toHaveLength(2);
    const quotesOf = async (id: number) =>
      (
        await h.db.select({ n: count() }).from(optionQuotes).where(eq(optionQuotes.snapshotId, id))
      )[0].n;
    const [oldQuotes, newQuotes] = [await quotesOf(snaps[0].id), await quotesOf(snaps[1].id)];
    expect(oldQuotes).toBeGreaterThan(100);
    expect(newQuotes).toBeGreaterThan(100);
    const before = await pages();
    // Everything a prune must keep: summaries, fits, risk numbers, proposals, quality reports.
    const keptRows = async () => ({
      proposals: await n(proposals),
      surfaces: await n(surfaces),
      risk: await n(riskMetrics),
      slices: (await h.db.select({ n: count() }).from(surfaceSlices))[0].n,
      backtests: (await h.db.select({ n: count() }).from(backtests))[0].n,
      reports: await h.db
        .select({ q: runMarkets.quality })
        .from(runMarkets)
        .where(inArray(runMarkets.snapshotId, [snaps[0].id, snaps[1].id])),
    });
    const kept = await keptRows();

    // Ten days after the newer snapshot: the January one (56 days older) is past 30 days.
    const now = new Date(Date.parse(NEW) + 10 * 86_400_000);
    expect(await pruneQuotes(h.db, 30, now)).toBe(oldQuotes);
    expect(await quotesOf(snaps[0].id)).toBe(0);
    expect(await quotesOf(snaps[1].id)).toBe(newQuotes);
    expect(await h.db.select().from(snapshots).orderBy(snapshots.capturedAt)).toEqual(snaps);
    expect(await keptRows()).toEqual(kept);
    // What the run, runs and market pages read is the same as before.
    expect(await pages()).toEqual(before);
    // Again: nothing left to drop.
    expect(await pruneQuotes(h.db, 30, now)).toBe(0);
  });
});

describe("vigil db prune arguments", () => {
  const vigil = (...args: string[]) =>
    spawnSync(process.execPath, ["bin/vigil.mjs", "db", ...args], {
      env: { ...process.env, PGLITE_DIR: "memory://", DATABASE_URL: "", POSTGRES_URL: "" },
      encoding: "utf8",
    });
  it("refuses a missing or malformed day count with exit 2", () => {
    for (const args of [
      ["prune"],
      ["prune", "--keep-quotes-days", "-3"],
      ["prune", "--keep-quotes-days", "1.5"],
    ]) {
      const r = vigil(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/--keep-quotes-days/);
    }
  });
});
