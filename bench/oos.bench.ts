// Out-of-sample score of the published surface on the 68 recorded weekly chains (issue 10): the
// surface refitted without every third strike of each expiry (outOfSampleScore) against Deribit's
// mark on the same held-out quotes, beside the in-sample fit, arbitrage counts and fit time.
// `npx tsx bench/run.ts oos` (OOS_OPTS='{"smooth":0.01}' tries other FitOptions; OOS_RAW=1 fits the
// quotes before cleaning, as tests/unit/surfaceFit.test.ts does).
import {
  fitSurface,
  holdOutEveryThird,
  outOfSampleScore,
  representationViolations,
  type FitOptions,
  type SliceQuotes,
} from "../lib/quant/surface";
import type { BenchSection } from "./run";
import { recordedChains } from "../lib/market/recordedChains";
import { f2, f3, quantile } from "./surface.bench";

const median = (xs: number[]) => quantile(xs, 0.5);

/** Held-out quotes split as the score splits them: an expiry's last strike (priced beyond the
 * outermost remaining quote) vs the rest; squared errors of the refit and the mark. */
function extrapolation(slices: SliceQuotes[], opts: FitOptions) {
  const { train, held } = holdOutEveryThird(slices);
  const fit = fitSurface(train, opts);
  const acc = { lastSe: 0, lastMarkSe: 0, lastN: 0, innerSe: 0, innerMarkSe: 0, innerN: 0 };
  for (const q of held) {
    const iv = fit.impliedVol(q.k, q.t);
    if (!(iv > 0) || !(q.mark > 0)) continue;
    if (q.last) {
      acc.lastSe += (iv - q.mid) ** 2;
      acc.lastMarkSe += (q.mark - q.mid) ** 2;
      acc.lastN++;
    } else {
      acc.innerSe += (iv - q.mid) ** 2;
      acc.innerMarkSe += (q.mark - q.mid) ** 2;
      acc.innerN++;
    }
  }
  return acc;
}

const oosMedians = (ps: { oos: { rmseVolPts: number; markRmseVolPts: number } }[]) =>
  `${f3(median(ps.map((p) => p.oos.rmseVolPts)))} / ${f3(median(ps.map((p) => p.oos.markRmseVolPts)))}`;

export default async function oosBench(): Promise<BenchSection[]> {
  const raw = process.env.OOS_RAW === "1";
  const chains = await recordedChains({ clean: !raw });
  const opts: FitOptions = {
    model: "published",
    ...(JSON.parse(process.env.OOS_OPTS ?? "{}") as Partial<FitOptions>),
  };
  fitSurface(chains[0].slices, opts); // warm the JIT
  const per = chains.map((c) => {
    const fit = fitSurface(c.slices, opts);
    const rep = representationViolations(fit.representation!);
    const oos = outOfSampleScore(c.slices, opts);
    return {
      asset: c.asset,
      inSample: fit.surface.rmseVolPts,
      markInSample: fit.mark?.rmseVolPts ?? NaN,
      arbitrage:
        fit.surface.butterflyViolations +
        fit.surface.calendarViolations +
        rep.calendar +
        rep.butterfly.filter((v) => v > 0).length,
      ms: fit.surface.fitMs,
      oos,
      ext: extrapolation(c.slices, opts),
    };
  });
  const rows = ["BTC", "ETH"].map((asset) => {
    const ps = per.filter((p) => p.asset === asset);
    const sum = (f: (p: (typeof ps)[number]) => number) => ps.reduce((a, p) => a + f(p), 0);
    const rms = (se: number, n: number) => 100 * Math.sqrt(se / Math.max(n, 1));
    const lastN = sum((p) => p.ext.lastN);
    const innerN = sum((p) => p.ext.innerN);
    return {
      asset,
      "OOS RMSE med: surface / mark": oosMedians(ps),
      // the chains are in time order: the earlier and the later half
      "earlier half": oosMedians(ps.slice(0, ps.length >> 1)),
      "later half": oosMedians(ps.slice(ps.length >> 1)),
      "chains surface ≤ mark": `${ps.filter((p) => p.oos.rmseVolPts <= p.oos.markRmseVolPts).length} / ${ps.length}`,
      "last strike held out (pooled): surface / mark": `${f2(
        rms(
          sum((p) => p.ext.lastSe),
          lastN,
        ),
      )} / ${f2(
        rms(
          sum((p) => p.ext.lastMarkSe),
          lastN,
        ),
      )} (${lastN})`,
      "other held out (pooled)": `${f2(
        rms(
          sum((p) => p.ext.innerSe),
          innerN,
        ),
      )} / ${f2(
        rms(
          sum((p) => p.ext.innerMarkSe),
          innerN,
        ),
      )} (${innerN})`,
      "interior-only med: surface / mark": `${f3(median(ps.map((p) => rms(p.ext.innerSe, p.ext.innerN))))} / ${f3(median(ps.map((p) => rms(p.ext.innerMarkSe, p.ext.innerN))))}`,
      "if last = mark med": f3(
        median(ps.map((p) => rms(p.ext.innerSe + p.ext.lastMarkSe, p.ext.innerN + p.ext.lastN))),
      ),
      unpriced: sum((p) => p.oos.unpriced),
      "in-sample RMSE med: surface / mark": `${f3(median(ps.map((p) => p.inSample)))} / ${f3(median(ps.map((p) => p.markInSample)))}`,
      "arbitrage (fit + stored)": sum((p) => p.arbitrage),
      "fit ms med": f2(median(ps.map((p) => p.ms))),
    };
  });
  return [
    {
      title: `Published surface out of sample (every third strike held out; ${chains.length} chains${raw ? ", quotes before cleaning" : ""}; options ${JSON.stringify(opts)})`,
      rows,
    },
  ];
}
