// Volatility surfaces over all 68 recorded weekly chains (34 BTC + 34 ETH snapshots, ReplaySource):
// fit quality, arbitrage and time per model, against Deribit's own mark IV on the same quotes;
// the error/time frontier of the published surface; and the optimizer comparison.
// `npx tsx bench/run.ts surface`
import { recordedChains, type RecordedChain } from "../lib/market/recordedChains";
import { levenbergMarquardt, nelderMead } from "../lib/quant/optimize";
import { fitSurface, SURFACE_MODELS, type FitOptions, type SurfaceFit } from "../lib/quant/surface";
import { fitSviQuasiExplicit, polishSvi, sviW, type SviParams } from "../lib/quant/svi";
import type { BenchSection } from "./run";

type Chain = RecordedChain;

export function quantile(xs: number[], p: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
}

export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
export const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "-");

function run(chains: Chain[], opts: FitOptions): SurfaceFit[] {
  fitSurface(chains[0].slices, opts); // warm the JIT
  return chains.map((c) => fitSurface(c.slices, opts));
}

function row(label: string, chains: Chain[], fits: SurfaceFit[]): Record<string, string | number> {
  const by = (a: string) => fits.filter((_, i) => chains[i].asset === a);
  const rm = (fs: SurfaceFit[]) => fs.map((f) => f.surface.rmseVolPts);
  const ins = (fs: SurfaceFit[]) => fs.map((f) => f.surface.insideSpreadShare);
  const nSlices = fits.reduce((s, f) => s + f.slices.length, 0);
  const nPairs = fits.reduce((s, f) => s + Math.max(0, f.slices.length - 1), 0);
  const ms = fits.map((f) => f.surface.fitMs);
  return {
    surface: label,
    "BTC RMSE med / p90": `${f2(quantile(rm(by("BTC")), 0.5))} / ${f2(quantile(rm(by("BTC")), 0.9))}`,
    "BTC inside": f3(quantile(ins(by("BTC")), 0.5)),
    "ETH RMSE med / p90": `${f2(quantile(rm(by("ETH")), 0.5))} / ${f2(quantile(rm(by("ETH")), 0.9))}`,
    "ETH inside": f3(quantile(ins(by("ETH")), 0.5)),
    "all RMSE med / p90": `${f2(quantile(rm(fits), 0.5))} / ${f2(quantile(rm(fits), 0.9))}`,
    "butterfly (slices)": `${fits.reduce((s, f) => s + f.surface.butterflyViolations, 0)} / ${nSlices}`,
    "calendar (pairs)": `${fits.reduce((s, f) => s + f.surface.calendarViolations, 0)} / ${nPairs}`,
    "fit ms med / p90": `${f2(quantile(ms, 0.5))} / ${f2(quantile(ms, 0.9))}`,
    "not converged": fits.filter((f) => f.surface.status !== "converged").length,
  };
}

function markRow(chains: Chain[], fits: SurfaceFit[]): Record<string, string | number> {
  const by = (a: string) => fits.filter((_, i) => chains[i].asset === a);
  const rm = (fs: SurfaceFit[]) => fs.map((f) => f.mark?.rmseVolPts ?? NaN);
  const ins = (fs: SurfaceFit[]) => fs.map((f) => f.mark?.insideSpreadShare ?? NaN);
  const nSlices = fits.reduce((s, f) => s + f.slices.length, 0);
  const nPairs = fits.reduce((s, f) => s + Math.max(0, f.slices.length - 1), 0);
  return {
    surface: "Deribit mark IV (listed strikes)",
    "BTC RMSE med / p90": `${f2(quantile(rm(by("BTC")), 0.5))} / ${f2(quantile(rm(by("BTC")), 0.9))}`,
    "BTC inside": f3(quantile(ins(by("BTC")), 0.5)),
    "ETH RMSE med / p90": `${f2(quantile(rm(by("ETH")), 0.5))} / ${f2(quantile(rm(by("ETH")), 0.9))}`,
    "ETH inside": f3(quantile(ins(by("ETH")), 0.5)),
    "all RMSE med / p90": `${f2(quantile(rm(fits), 0.5))} / ${f2(quantile(rm(fits), 0.9))}`,
    "butterfly (slices)": `${fits.reduce((s, f) => s + (f.mark?.butterflyViolations ?? 0), 0)} / ${nSlices}`,
    "calendar (pairs)": `${fits.reduce((s, f) => s + (f.mark?.calendarViolations ?? 0), 0)} / ${nPairs}`,
    "fit ms med / p90": "—",
    "not converged": "—",
  };
}

/** SVI polish of every slice by three optimizers from the same quasi-explicit start. */
function optimizerComparison(chains: Chain[]): BenchSection["rows"] {
  interface Prob {
    k: number[];
    vol: number[];
    wt: number[];
    t: number;
    start: SviParams;
  }
  const probs: Prob[] = [];
  for (const c of chains.slice(0, 20)) {
    for (const s of c.slices) {
      if (s.k.length < 5) continue;
      const w = s.midIv.map((v) => v * v * s.t);
      const wt = s.k.map(() => 1);
      const qe = fitSviQuasiExplicit(
        s.k,
        w,
        s.midIv.map((v) => 1 / (2 * v * s.t)),
        { polish: false },
      );
      probs.push({ k: s.k, vol: s.midIv, wt, t: s.t, start: qe.params });
    }
  }
  const rmse = (p: Prob, q: SviParams) =>
    100 *
    Math.sqrt(
      p.k.reduce((a, k, i) => a + (Math.sqrt(Math.max(sviW(q, k), 0) / p.t) - p.vol[i]) ** 2, 0) /
        p.k.length,
    );
  const P = (x: ArrayLike<number>): SviParams => ({
    a: x[0],
    b: x[1],
    rho: x[2],
    m: x[3],
    sigma: x[4],
  });
  const methods: [string, (p: Prob) => { q: SviParams; evals: number }][] = [
    [
      "Levenberg–Marquardt, analytic Jacobian",
      (p) => {
        const r = polishSvi(p.k, p.vol, p.wt, p.t, p.start);
        return { q: r.improved ? r.params : p.start, evals: r.evaluations };
      },
    ],
    [
      "Levenberg–Marquardt, forward-difference Jacobian",
      (p) => {
        const res = (x: Float64Array, out: Float64Array) => {
          const q = P(x);
          p.k.forEach((k, i) => (out[i] = Math.sqrt(Math.max(sviW(q, k), 1e-12) / p.t) - p.vol[i]));
        };
        const s = p.start;
        const r = levenbergMarquardt(res, [s.a, s.b, s.rho, s.m, s.sigma], p.k.length, {
          lower: [-Infinity, 0, -0.9999, -Infinity, 1e-5],
          upper: [Infinity, Infinity, 0.9999, Infinity, Infinity],
          maxIterations: 100,
          ftol: 1e-10,
        });
        return { q: P(r.x), evals: r.evaluations };
      },
    ],
    [
      "Nelder–Mead (5 parameters)",
      (p) => {
        const s = p.start;
        const r = nelderMead(
          (x) => {
            if (x[1] < 0 || Math.abs(x[2]) >= 1 || x[4] <= 0) return Infinity;
            const q = P(x);
            let f = 0;
            p.k.forEach((k, i) => {
              f += (Math.sqrt(Math.max(sviW(q, k), 1e-12) / p.t) - p.vol[i]) ** 2;
            });
            return f;
          },
          [s.a, s.b, s.rho, s.m, s.sigma],
          { maxEvaluations: 3000, ftol: 1e-12, xtol: 1e-10 },
        );
        return { q: P(r.x), evals: r.evaluations };
      },
    ],
  ];
  const rows: BenchSection["rows"] = [];
  const base = probs.map((p) => rmse(p, p.start));
  rows.push({
    method: `quasi-explicit start (${probs.length} slices)`,
    "median RMSE": f3(quantile(base, 0.5)),
    "p90 RMSE": f3(quantile(base, 0.9)),
    "evaluations (mean)": "—",
    "µs per slice": "—",
  });
  for (const [name, fn] of methods) {
    probs.slice(0, 10).forEach(fn); // warm up
    const t0 = performance.now();
    const outs = probs.map(fn);
    const us = ((performance.now() - t0) * 1000) / probs.length;
    const r = probs.map((p, i) => rmse(p, outs[i].q));
    rows.push({
      method: name,
      "median RMSE": f3(quantile(r, 0.5)),
      "p90 RMSE": f3(quantile(r, 0.9)),
      "evaluations (mean)": (outs.reduce((a, o) => a + o.evals, 0) / outs.length).toFixed(0),
      "µs per slice": us.toFixed(0),
    });
  }
  return rows;
}

export default async function surfaceBench(): Promise<BenchSection[]> {
  const chains = await recordedChains({ clean: true });
  const fits = new Map<string, SurfaceFit[]>();
  for (const model of SURFACE_MODELS) fits.set(model, run(chains, { model }));
  const names: Record<string, string> = {
    published: "published: Andreasen–Huge implicit FD local vol",
    svi: "raw SVI per slice, unconstrained (quasi-explicit + LM)",
    ssvi: "power-law SSVI (global)",
    essvi: "eSSVI slice by slice, calendar-checked",
  };
  const main: BenchSection = {
    title: `Volatility surfaces on the ${chains.length} recorded weekly chains (vol points vs mid; median / p90 per chain; one core)`,
    rows: [
      markRow(chains, fits.get("published")!),
      ...SURFACE_MODELS.map((m) => row(names[m], chains, fits.get(m)!)),
    ],
  };
  const sviSlices = fits.get("svi")!.flatMap((f) => f.slices.map((s) => s.rmseVolPts));
  const pubSlices = fits.get("published")!.flatMap((f) => f.slices.map((s) => s.rmseVolPts));
  const markSlices = fits
    .get("published")!
    .flatMap((f) => f.slices.map((s) => s.markRmseVolPts ?? NaN));
  const perSlice: BenchSection = {
    title: "Per slice (all expiries of all chains): RMSE vs mid, vol points",
    rows: [
      ["raw SVI per slice, unconstrained (goal: median ≤ 0.5)", sviSlices],
      ["published surface", pubSlices],
      ["Deribit mark IV", markSlices],
    ].map(([label, xs]) => ({
      surface: label as string,
      slices: (xs as number[]).length,
      median: f3(quantile(xs as number[], 0.5)),
      p90: f3(quantile(xs as number[], 0.9)),
      max: f3(quantile(xs as number[], 1)),
    })),
  };
  const variants: [string, Partial<FitOptions>][] = [
    ["default: 2 quotes per node (≤ 14) + wing nodes, smoothing 0.0075", {}],
    ["3 quotes per node", { quotesPerNode: 3 }],
    ["1.5 quotes per node (≤ 20)", { quotesPerNode: 1.5, maxNodes: 20 }],
    ["smoothing 0.005 (the earlier default)", { smooth: 0.005 }],
    ["smoothing 0.02", { smooth: 0.02 }],
    ["smoothing 0", { smooth: 0 }],
    ["2 implicit steps per interval (the first always has 2)", { substeps: 2 }],
    ["uniform weights", { weighting: "uniform" }],
    ["1/spread weights", { weighting: "spread" }],
    ["forward-difference Jacobian", { finiteDifference: true }],
  ];
  const frontier: BenchSection = {
    title:
      "Published surface: error vs time frontier (all 68 chains; always 0 butterfly / 0 calendar)",
    rows: variants.map(([label, o]) => {
      const fs = label.startsWith("default")
        ? fits.get("published")!
        : run(chains, { model: "published", ...o });
      const rm = fs.map((f) => f.surface.rmseVolPts);
      const ms = fs.map((f) => f.surface.fitMs);
      return {
        variant: label,
        "RMSE med / p90": `${f3(quantile(rm, 0.5))} / ${f3(quantile(rm, 0.9))}`,
        "inside med": f3(
          quantile(
            fs.map((f) => f.surface.insideSpreadShare),
            0.5,
          ),
        ),
        "arbitrage (slices + pairs)": fs.reduce(
          (s, f) => s + f.surface.butterflyViolations + f.surface.calendarViolations,
          0,
        ),
        "fit ms med / p90": `${f2(quantile(ms, 0.5))} / ${f2(quantile(ms, 0.9))}`,
      };
    }),
  };
  const opt: BenchSection = {
    title:
      "Optimizers on the SVI slice problem (vol residuals, 5 parameters, same start; first 20 chains)",
    rows: optimizerComparison(chains),
  };
  return [main, perSlice, frontier, opt];
}
