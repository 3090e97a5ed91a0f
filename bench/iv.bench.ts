// Implied-volatility inversion: speed and accuracy of lib/quant/impliedVol (Let's Be Rational)
// against the npm `implied-volatility` package on the same grid as tests/unit/impliedVol.test.ts.
import { createRequire } from "node:module";
import { black76Price, black76Vega, type OptionType } from "../lib/quant/black76";
import { impliedVol } from "../lib/quant/impliedVol";
import type { BenchSection } from "./run";

const require = createRequire(import.meta.url);
const npmIv = require("implied-volatility") as {
  getImpliedVolatility: (
    expectedCost: number,
    s: number,
    k: number,
    t: number,
    r: number,
    callPut: "call" | "put",
    estimate?: number,
  ) => number;
};

const U = 2 ** -53;
const F = 100;

interface Grid {
  price: Float64Array;
  strike: Float64Array;
  t: Float64Array;
  vol: Float64Array;
  attainable: Float64Array; // attainable relative vol error, ε·max(1, price/(σ·vega))
  type: OptionType[];
  n: number;
}

/** t from 1 hour to 3 years, σ 5 % to 500 %, log-moneyness ±9 standard deviations, both types. */
function buildGrid(): Grid {
  const rows: Array<[number, number, number, number, OptionType]> = [];
  for (const t of [1 / 8760, 1 / 365, 7 / 365, 30 / 365, 0.25, 1, 3]) {
    for (let vi = 0; vi <= 40; vi++) {
      const vol = 0.05 * Math.pow(100, vi / 40);
      for (let zi = -36; zi <= 36; zi++) {
        const k = F * Math.exp((zi / 4) * vol * Math.sqrt(t));
        for (const type of ["call", "put"] as const) {
          const p = black76Price(F, k, t, vol, type);
          // keep only prices that are invertible in double arithmetic
          if (Number.isNaN(impliedVol(p, F, k, t, type))) continue;
          rows.push([p, k, t, vol, type]);
        }
      }
    }
  }
  const n = rows.length;
  const g: Grid = {
    price: new Float64Array(n),
    strike: new Float64Array(n),
    t: new Float64Array(n),
    vol: new Float64Array(n),
    attainable: new Float64Array(n),
    type: [],
    n,
  };
  rows.forEach(([p, k, t, vol, type], i) => {
    g.price[i] = p;
    g.strike[i] = k;
    g.t[i] = t;
    g.vol[i] = vol;
    g.attainable[i] = U * Math.max(1, p / (vol * black76Vega(F, k, t, vol)));
    g.type.push(type);
  });
  return g;
}

function accuracy(g: Grid, ivs: Float64Array, idx: number[]) {
  const errs: number[] = [];
  let maxWell = 0; // max relative error where the attainable error is at most 1e-14
  let maxRatio = 0;
  let failed = 0;
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j];
    const e = Math.abs(ivs[j] - g.vol[i]) / g.vol[i];
    if (!Number.isFinite(e)) {
      failed++;
      continue;
    }
    errs.push(e);
    if (g.attainable[i] <= 1e-14) maxWell = Math.max(maxWell, e);
    maxRatio = Math.max(maxRatio, e / g.attainable[i]);
  }
  errs.sort((a, b) => a - b);
  return {
    max: errs.length ? errs[errs.length - 1] : NaN,
    median: errs.length ? errs[errs.length >> 1] : NaN,
    maxWell,
    maxRatio,
    failed,
  };
}

export default async function ivBench(): Promise<BenchSection[]> {
  const g = buildGrid();
  const all = Array.from({ length: g.n }, (_, i) => i);

  // Let's Be Rational: warm up, then time repeated passes over the whole grid.
  const ours = new Float64Array(g.n);
  const pass = () => {
    for (let i = 0; i < g.n; i++)
      ours[i] = impliedVol(g.price[i], F, g.strike[i], g.t[i], g.type[i]);
  };
  for (let r = 0; r < 5; r++) pass();
  const reps = 25;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) pass();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  const oursRate = (reps * g.n) / best;
  const oursAcc = accuracy(g, ours, all);

  // npm implied-volatility (bisection on the price to the cent): every 10th point.
  const sub = all.filter((i) => i % 10 === 0);
  const theirs = new Float64Array(sub.length);
  const passTheirs = () => {
    for (let j = 0; j < sub.length; j++) {
      const i = sub[j];
      theirs[j] = npmIv.getImpliedVolatility(g.price[i], F, g.strike[i], g.t[i], 0, g.type[i]);
    }
  };
  passTheirs();
  const t1 = performance.now();
  passTheirs();
  const theirsRate = sub.length / ((performance.now() - t1) / 1000);
  const theirsAcc = accuracy(g, theirs, sub);

  const row = (
    name: string,
    points: number,
    rate: number,
    acc: ReturnType<typeof accuracy>,
  ): Record<string, string | number> => ({
    implementation: name,
    points,
    "inversions/s": Math.round(rate),
    "max rel. error": acc.max,
    "median rel. error": acc.median,
    "max rel. error (attainable ≤ 1e-14)": acc.maxWell,
    "max error / attainable": acc.maxRatio,
    "non-finite": acc.failed,
  });
  return [
    {
      title: `Implied volatility (grid: 7 expiries 1h–3y × 41 vols 5 %–500 % × 73 strikes ±9 sd × call/put; ${g.n} invertible points)`,
      rows: [
        row("lib/quant/impliedVol (Let's Be Rational)", g.n, oursRate, oursAcc),
        row("npm implied-volatility 1.0.0 (every 10th point)", sub.length, theirsRate, theirsAcc),
        {
          implementation: "speedup",
          points: "",
          "inversions/s": `${(oursRate / theirsRate).toFixed(0)}×`,
          "max rel. error": "",
          "median rel. error": "",
          "max rel. error (attainable ≤ 1e-14)": "",
          "max error / attainable": "",
          "non-finite": "",
        },
      ],
    },
  ];
}
