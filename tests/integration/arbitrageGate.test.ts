// The calibrate gate: a published surface with arbitrage makes the market degraded with the
// reason, proposes nothing and stores no risk-driven proposal. The fitter is wrapped to plant an
// arbitrage in the representation it returns — the gate re-checks that representation itself.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "../../db/client";
import { proposals, runStages, surfaces } from "../../db/schema";
import { DEFAULT_CONFIG } from "../../lib/config";
import { ReplaySource } from "../../lib/market/replay";
import { executeRun } from "../../lib/pipeline/run";
import { testDatabases } from "../helpers/db";

const plant = vi.hoisted(() => ({ kind: "none" as "none" | "calendar" | "butterfly" }));

vi.mock("../../lib/quant/surface", async (importOriginal) => {
  const mod = await importOriginal<typeof import("../../lib/quant/surface")>();
  return {
    ...mod,
    fitSurface: (...args: Parameters<typeof mod.fitSurface>) => {
      const fit = mod.fitSurface(...args);
      const rep = fit.representation;
      if (rep && plant.kind !== "none") {
        if (plant.kind === "calendar") {
          // the second expiry priced at 90 % of the first: still convex, but cheaper than an
          // earlier expiry at every strike
          rep.slices[1].timeValues = rep.slices[0].timeValues.map((q) => q * 0.9);
        } else {
          const atm = rep.gridK.indexOf(0);
          rep.slices[2].timeValues[atm + 3] *= 1.5; // a price bump: negative density
        }
      }
      return fit;
    },
  };
});

const source = new ReplaySource();

for (const target of testDatabases) {
  describe(`calibrate gate on ${target.name}`, () => {
    let h: DbHandle;
    beforeAll(async () => {
      h = await target.open();
    });
    afterAll(async () => {
      await h?.close();
    });

    for (const kind of ["calendar", "butterfly"] as const) {
      it(`degrades the market on a planted ${kind} arbitrage, with the reason, and proposes nothing`, async () => {
        plant.kind = kind;
        const at = new Date("2026-03-04T10:00:00Z");
        const s = await executeRun(h.db, source, DEFAULT_CONFIG, {
          job: `gate-${kind}`,
          slot: at,
          asOf: at,
          trigger: "cli",
          markets: ["deribit:BTC"],
        });
        plant.kind = "none";
        expect(s.status).toBe("degraded");
        const [m] = s.markets;
        expect(m.status).toBe("degraded");
        expect(m.reason).toBe(
          kind === "calendar"
            ? "calibrate: published surface has 0 butterfly and 1 calendar violations"
            : "calibrate: published surface has 1 butterfly and 0 calendar violations",
        );
        expect(m.proposals).toEqual([]);
        const stages = await h.db
          .select({ stage: runStages.stage, status: runStages.status })
          .from(runStages)
          .where(and(eq(runStages.runId, s.runId), eq(runStages.marketId, "deribit:BTC")))
          .orderBy(runStages.seq);
        expect(stages).toEqual([
          { stage: "ingest", status: "ok" },
          { stage: "calibrate", status: "degraded" },
          { stage: "assess", status: "ok" },
          { stage: "propose", status: "skipped" },
        ]);
        expect(await h.db.select().from(proposals).where(eq(proposals.runId, s.runId))).toEqual([]);
        // no surface of the failed calibration is stored as if it were published
        expect(await h.db.select().from(surfaces).where(eq(surfaces.runId, s.runId))).toEqual([]);
      });
    }

    it("the same run without a planted arbitrage succeeds (the gate is not always shut)", async () => {
      const at = new Date("2026-03-04T10:00:00Z");
      const s = await executeRun(h.db, source, DEFAULT_CONFIG, {
        job: "gate-clean",
        slot: at,
        asOf: at,
        trigger: "cli",
        markets: ["deribit:BTC"],
      });
      expect(s.status).toBe("succeeded");
      const rows = await h.db.select().from(surfaces).where(eq(surfaces.runId, s.runId));
      const pub = rows.find((r) => r.model === "published")!;
      const d = pub.diagnostics as {
        representation: { gridK: number[]; slices: { timeValues: number[] }[] };
        outOfSample: { n: number; rmseVolPts: number; markRmseVolPts: number };
      };
      expect(d.representation.slices.length).toBeGreaterThanOrEqual(8);
      for (const sl of d.representation.slices) {
        expect(sl.timeValues).toHaveLength(d.representation.gridK.length);
      }
      expect(d.outOfSample.n).toBeGreaterThan(50);
    });
  });
}
