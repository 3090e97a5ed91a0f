// Heston / Bates: calibration on the Cui, del Baño Rollin & Germano (2017) 40-quote set beside
// QuantLib's time (stored in the shared golden values), and pricing throughput.
import { existsSync, readFileSync } from "node:fs";
import type { OptionType } from "../lib/quant/black76";
import {
  batesPrice,
  type BatesParams,
  hestonPrice,
  type HestonParams,
  planFor,
  svPricesOfMaturity,
} from "../lib/quant/heston";
import { calibrateSv, type SvObjective, type SvQuote } from "../lib/quant/hestonCalibration";
import type { BenchSection } from "./run";

interface Benchmark {
  quantlib_1_29_wall_seconds_2vcpu: number;
  quantlib_price_rmse: number;
  quotes: Array<{ strike: number; t: number; type: OptionType }>;
}

const TRUE: HestonParams = { v0: 0.08, kappa: 3, theta: 0.1, sigma: 0.25, rho: -0.8 };
const START: HestonParams = { v0: 0.2, kappa: 1.2, theta: 0.2, sigma: 0.3, rho: -0.6 };
const KEYS = ["v0", "kappa", "theta", "sigma", "rho"] as const;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export default async function run(): Promise<BenchSection[]> {
  // the shared reference values next to the checkout, else the repository's copy
  const shared = "../shared/reference/golden.json";
  const file = existsSync(shared) ? shared : "tests/fixtures/golden.json";
  const bench = (
    JSON.parse(readFileSync(file, "utf8")) as { heston_calibration_benchmark: Benchmark }
  ).heston_calibration_benchmark;
  // S = 1, r = 0.02, q = 0: F = e^{0.02t}; undiscounted quotes from the true parameters
  const quotes: SvQuote[] = bench.quotes.map((q) => {
    const forward = Math.exp(0.02 * q.t);
    return { ...q, forward, price: hestonPrice(TRUE, forward, q.strike, q.t, q.type) };
  });
  const runs = 9;
  const calib: BenchSection["rows"] = [];
  for (const [objective, starts] of [
    ["price", 1],
    ["vega-weighted", 1],
    ["vega-weighted", 4],
  ] as Array<[SvObjective, number]>) {
    calibrateSv("heston", quotes, { objective, start: START, starts }); // warm-up (JIT)
    const ms: number[] = [];
    let fit = calibrateSv("heston", quotes, { objective, start: START, starts });
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fit = calibrateSv("heston", quotes, { objective, start: START, starts });
      ms.push(performance.now() - t0);
    }
    const maxRel = Math.max(
      ...KEYS.map((k) => Math.abs(fit.params[k] - TRUE[k]) / Math.abs(TRUE[k])),
    );
    calib.push({
      objective,
      starts,
      "wall s (median of 9)": (median(ms) / 1000).toFixed(4),
      "QuantLib 1.29 s": bench.quantlib_1_29_wall_seconds_2vcpu,
      goal: "≤ 0.1 s",
      iterations: fit.iterations,
      "max rel. param error": maxRel.toExponential(1),
      "price RMSE": fit.priceRmse.toExponential(2),
      "QuantLib price RMSE": bench.quantlib_price_rmse.toExponential(2),
      status: fit.status,
    });
  }

  // pricing throughput: one option at a time (adaptive quadrature) and a maturity at a time
  // (calibration's shared nodes), 200 strikes × 5 maturities
  const bates: BatesParams = { ...TRUE, lambda: 0.5, muJ: -0.1, sigmaJ: 0.15 };
  const ts = [0.05, 0.25, 0.5, 1, 2];
  const strikes = Array.from({ length: 200 }, (_, i) => 100 * Math.exp(-1 + i / 100));
  const throughput: BenchSection["rows"] = [];
  for (const [model, p] of [
    ["heston", TRUE],
    ["bates", bates],
  ] as const) {
    const one = () => {
      let s = 0;
      for (const t of ts) {
        for (const k of strikes) {
          const type = k < 100 ? "put" : "call";
          s +=
            model === "heston"
              ? hestonPrice(p, 100, k, t, type)
              : batesPrice(p as BatesParams, 100, k, t, type);
        }
      }
      return s;
    };
    one();
    const singles: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      one();
      singles.push((ts.length * strikes.length) / ((performance.now() - t0) / 1000));
    }
    const single = median(singles);
    const x =
      model === "heston" ? [0.08, 3, 0.1, 0.25, -0.8] : [0.08, 3, 0.1, 0.25, -0.8, 0.5, -0.1, 0.15];
    const F = strikes.map(() => 100);
    const types = strikes.map((k) => (k < 100 ? "put" : "call") as OptionType);
    const plans = ts.map((t) => planFor(model, x, t, F, strikes));
    const out = new Float64Array(strikes.length);
    const jac = new Float64Array(strikes.length * x.length);
    const sweep = (withJac: boolean) => {
      for (const plan of plans) {
        svPricesOfMaturity(model, x, plan, F, strikes, types, out, withJac ? jac : undefined);
      }
    };
    // median of 7 timings of 3 sweeps each, after a warm-up of both paths
    const rate = (withJac: boolean) => {
      sweep(withJac);
      const r: number[] = [];
      for (let rep = 0; rep < 7; rep++) {
        const t1 = performance.now();
        for (let i = 0; i < 3; i++) sweep(withJac);
        r.push((3 * ts.length * strikes.length) / ((performance.now() - t1) / 1000));
      }
      return median(r);
    };
    const batch = rate(false);
    const batchJac = rate(true);
    throughput.push({
      model,
      "single option, adaptive (prices/s)": Math.round(single),
      "per maturity, shared nodes (prices/s)": Math.round(batch),
      "per maturity with gradient (prices/s)": Math.round(batchJac),
      nodes: plans.map((p) => p.n).join("/"),
    });
  }
  return [
    {
      title:
        "Heston calibration, Cui et al. (2017) 40 quotes, start (κ,θ,σ,ρ,v0) = (1.2,0.2,0.3,−0.6,0.2), one core",
      rows: calib,
    },
    {
      title: "Heston / Bates pricing throughput (1,000 options: 200 strikes × 5 maturities)",
      rows: throughput,
    },
  ];
}
