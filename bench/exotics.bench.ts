// The model-risk basket (lib/quant/exoticBasket) under the three models fitted to the same
// recorded chain (the latest BTC and ETH snapshots of the replay data): the published surface's
// local vol, Heston and Bates calibrated to the cleaned quotes. Time per model at 20 000 paths
// (daily monitoring; the models' default steps per day), prices with standard errors, and the model-risk index.
// `npx tsx bench/run.ts exotics`
import { CLAIMS, type McOptions, VANILLAS } from "../lib/quant/exoticBasket";
import type { BatesParams, HestonParams } from "../lib/quant/heston";
import { calibrateSv } from "../lib/quant/hestonCalibration";
import { svBasketMonteCarlo } from "../lib/quant/hestonMonteCarlo";
import { localVolBasketMonteCarlo, localVolControlPrices } from "../lib/quant/localVolMonteCarlo";
import { priceModelRiskBasket } from "../lib/quant/modelRisk";
import { fitSurface } from "../lib/quant/surface";
import { chainImpliedVols } from "../lib/market/impliedVols";
import { cleanSnapshot } from "../lib/market/quality";
import { ReplaySource } from "../lib/market/replay";
import { surfaceInput, svQuotes } from "../lib/market/surfaceInput";
import type { BenchSection } from "./run";

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pm = (p: number, e: number) => `${p.toFixed(5)} ± ${e.toFixed(5)}`;

export default async function run(): Promise<BenchSection[]> {
  const src = new ReplaySource();
  const timing: BenchSection["rows"] = [];
  const prices: BenchSection["rows"] = [];
  const index: BenchSection["rows"] = [];
  const misfit: BenchSection["rows"] = [];
  const opts: McOptions = { paths: 20000, seed: 1 };
  for (const asset of ["BTC", "ETH"]) {
    const market = `deribit:${asset}`;
    const times = src.snapshotTimes(market);
    const snap = await src.snapshotAsOf(market, times[times.length - 1]);
    if (!snap) continue;
    const { clean } = cleanSnapshot(snap, { now: snap.capturedAt });
    const ivs = chainImpliedVols({ ...snap, options: clean }, 1);
    const fit = fitSurface(surfaceInput(ivs), { model: "published" });
    const quotes = svQuotes(ivs);
    const hFit = calibrateSv("heston", quotes, {});
    const bFit = calibrateSv("bates", quotes, {});
    const heston = hFit.params as HestonParams;
    const bates = bFit.params as BatesParams;
    const lvFns = { localVariance: fit.localVariance!, impliedVol: fit.impliedVol };

    // time each model alone: median of 3 after a warm-up
    const timeIt = (f: () => unknown) => {
      f();
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        f();
        ms.push(performance.now() - t0);
      }
      return median(ms);
    };
    const lvMs = timeIt(() =>
      localVolBasketMonteCarlo(lvFns.localVariance, {
        ...opts,
        controlPrices: localVolControlPrices(lvFns.impliedVol),
      }),
    );
    const hMs = timeIt(() => svBasketMonteCarlo("heston", heston, opts));
    const bMs = timeIt(() => svBasketMonteCarlo("bates", bates, opts));
    const allMs = timeIt(() => priceModelRiskBasket({ localVol: lvFns, heston, bates }, opts));
    timing.push({
      chain: `${asset} ${new Date(snap.capturedAt).toISOString().slice(0, 10)}`,
      "local vol ms": lvMs.toFixed(0),
      "Heston ms": hMs.toFixed(0),
      "Bates ms": bMs.toFixed(0),
      "all three ms": allMs.toFixed(0),
      goal: "≤ 2000 ms",
      "fit RMSE vol pts (surface / Heston / Bates)": `${fit.surface.rmseVolPts.toFixed(2)} / ${hFit.rmseVolPts.toFixed(2)} / ${bFit.rmseVolPts.toFixed(2)}`,
    });
    const r = priceModelRiskBasket({ localVol: lvFns, heston, bates }, opts);
    for (const m of ["localVol", "heston", "bates"] as const) {
      const p = r.prices[m];
      const res = r.models[m];
      if (!p || !res || !("vanillas" in res)) continue;
      prices.push({
        chain: asset,
        model: m,
        ...Object.fromEntries(CLAIMS.map((c) => [c, pm(p[c].price, p[c].stdError ?? 0)])),
        // the controls as the paths price them: how well the model matches the same quotes
        ...Object.fromEntries(
          VANILLAS.map((v) => [v, pm(res.vanillas[v].price, res.vanillas[v].stdError)]),
        ),
      });
    }
    const idx = r.index;
    if (idx) {
      for (const c of CLAIMS) {
        const d = idx.claims[c];
        index.push({
          chain: asset,
          claim: c,
          "rel. range %": (100 * d.relativeRange).toFixed(2),
          "rel. std %": (100 * d.relativeStd).toFixed(2),
          "MC noise (rel. %)": ((100 * d.noiseStd) / Math.abs(d.mean)).toFixed(2),
          "excess rel. std %": (100 * d.excessRelativeStd).toFixed(2),
          significant: d.significant ? "yes" : "no",
          "min / max model": `${d.minModel} / ${d.maxModel}`,
          "fit-adjusted excess rel. std %": r.adjustedIndex
            ? (100 * r.adjustedIndex.claims[c].excessRelativeStd).toFixed(2)
            : "-",
        });
      }
      index.push({
        chain: asset,
        claim: "index (mean excess rel. std)",
        "rel. range %": (100 * idx.meanRelativeRange).toFixed(2),
        "excess rel. std %": (100 * idx.index).toFixed(2),
        "fit-adjusted excess rel. std %": r.adjustedIndex
          ? (100 * r.adjustedIndex.index).toFixed(2)
          : "-",
      });
    }
    for (const m of ["heston", "bates"] as const) {
      const mf = r.vanillaMisfit?.[m];
      if (!mf) continue;
      misfit.push({
        chain: asset,
        model: m,
        ...Object.fromEntries(VANILLAS.map((v) => [`${v} vs surface %`, (100 * mf[v]).toFixed(2)])),
      });
    }
  }
  return [
    {
      title:
        "Model-risk basket: time per model (20 000 paths, 60 days, daily monitoring; steps per day: local vol 4, Heston/Bates 1)",
      rows: timing,
    },
    { title: "Model-risk basket: prices per unit of forward (± standard error)", rows: prices },
    { title: "Model-risk index", rows: index },
    { title: "Misfit of the control vanillas (exact model price vs the surface)", rows: misfit },
  ];
}
