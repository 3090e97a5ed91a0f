// The regime flags of calibrated Heston/Bates parameters across runs (lib/risk/svRegime): a
// planted break is flagged at its run and in its parameter only; a stable history is not flagged.
import { describe, expect, it } from "vitest";
import { Prng } from "../../lib/quant/prng";
import { svRegime, type SvObservation } from "../../lib/risk/svRegime";

const TRUE = { v0: 0.25, kappa: 9, theta: 0.3, sigma: 4, rho: -0.3 };
const KEYS = Object.keys(TRUE) as (keyof typeof TRUE)[];
/** Calibration standard errors: 5 % of the level for the positive parameters, 0.02 for ρ. */
const se = (k: string, x: number) => (k === "rho" ? 0.02 : 0.05 * x);

/** Runs whose fits scatter around `truth(t)` by their own standard errors (seeded). */
function history(n: number, truth: (t: number) => typeof TRUE, seed = 7): SvObservation[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, t) => {
    const x = truth(t);
    const params = Object.fromEntries(
      KEYS.map((k) => {
        const s = se(k, x[k]);
        // positive parameters scatter log-normally, ρ normally
        return [k, k === "rho" ? x[k] + s * rng.normal() : x[k] * Math.exp(0.05 * rng.normal())];
      }),
    );
    const covariance = KEYS.map((a, i) =>
      KEYS.map((b, j) => (i === j ? se(a, params[a]) ** 2 : 0)),
    );
    return {
      runId: t + 1,
      asOf: new Date(Date.UTC(2026, 0, 1, t)).toISOString(),
      params,
      covariance,
    };
  });
}

describe("svRegime", () => {
  it("does not flag a stable parameter history", () => {
    for (const seed of [1, 2, 3]) {
      const r = svRegime(
        "heston",
        history(200, () => TRUE, seed),
      );
      expect(r.status).toBe("ok");
      expect(r.steps).toBe(200);
      expect(r.flags).toEqual([]);
      expect(r.flagged).toBe(false);
      // the filtered state sits near the truth
      expect(r.filtered!.kappa).toBeGreaterThan(0.8 * TRUE.kappa);
      expect(r.filtered!.kappa).toBeLessThan(1.25 * TRUE.kappa);
    }
  });

  it("flags a planted jump at its run, in the parameter that jumped", () => {
    // κ jumps ×8 (ln 8 ≈ 2.1, about 10 standard deviations of one run's step) at run 121
    const h = history(160, (t) => (t < 120 ? TRUE : { ...TRUE, kappa: 8 * TRUE.kappa }));
    const r = svRegime("heston", h);
    expect(r.flags.map((f) => f.runId)).toEqual([121]);
    expect(r.flags[0].parameters).toEqual(["kappa"]);
    // 40 runs later the flag is outside the 12-run window
    expect(r.flagged).toBe(false);
    expect(svRegime("heston", h.slice(0, 125)).flagged).toBe(true);
  });

  it("flags a sustained drift within a few runs", () => {
    // σ climbs 40 % a run from run 101 on (2 standard deviations of a step each run)
    const h = history(110, (t) => ({
      ...TRUE,
      sigma: TRUE.sigma * Math.exp(0.4 * Math.max(0, t - 99)),
    }));
    const r = svRegime("heston", h);
    expect(r.flags.length).toBeGreaterThanOrEqual(1);
    expect(r.flags[0].runId).toBeGreaterThan(100);
    expect(r.flags[0].runId).toBeLessThanOrEqual(106);
    expect(r.flags[0].parameters).toContain("sigma");
    expect(r.flagged).toBe(true);
  });

  it("predicts over failed calibrations, keeps at most maxRuns, and reports no data", () => {
    const h = history(30, () => TRUE);
    h[10] = { ...h[10], params: null, covariance: null };
    const r = svRegime("heston", h, { maxRuns: 20 });
    expect(r.steps).toBe(20);
    expect(r.runIds[0]).toBe(11);
    expect(r.flags).toEqual([]);
    expect(
      svRegime("bates", [{ runId: 1, asOf: "x", params: null, covariance: null }]).status,
    ).toBe("no data");
  });
});
