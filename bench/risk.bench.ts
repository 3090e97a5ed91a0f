// Risk engine timings against the goals, on the bundled BTC history, one core.
import { performance } from "node:perf_hooks";
import { readPriceCsv } from "../lib/market/priceCsv";
import { rollingBacktest } from "../lib/quant/backtests";
import { fitGarchT, simulateGarchLosses } from "../lib/quant/garch";
import { Prng } from "../lib/quant/prng";
import { dailyLogReturns } from "../lib/quant/returns";
import { RISK_METHODS } from "../lib/quant/riskMethods";
import type { BenchSection } from "./run";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function riskBench(): Promise<BenchSection[]> {
  const s = readPriceCsv("data/btc_usd_daily_2015-2026.csv");
  const { dates, returns } = dailyLogReturns(s.dates, s.prices);
  const last4000 = returns.subarray(returns.length - 4000);
  const fitMs: number[] = [];
  let fit = fitGarchT(last4000);
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    fit = fitGarchT(last4000);
    fitMs.push(performance.now() - t0);
  }
  const simMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    simulateGarchLosses(fit.params, fit.nextSigma, 10, 100_000, new Prng(i + 1));
    simMs.push(performance.now() - t0);
  }
  const rows: BenchSection["rows"] = [
    {
      task: "GARCH(1,1)-t MLE on 4,000 BTC returns",
      goal: "≤ 50 ms",
      measured: `${median(fitMs).toFixed(1)} ms (median of 7)`,
    },
    {
      task: "100,000-path 10-day GARCH-t simulation",
      goal: "≤ 1 s",
      measured: `${median(simMs).toFixed(0)} ms (median of 3)`,
    },
  ];
  const backtests: BenchSection["rows"] = [];
  for (const method of RISK_METHODS) {
    const t0 = performance.now();
    const b = rollingBacktest(dates, returns, { method, level: 0.99, window: 365 });
    const ms = performance.now() - t0;
    rows.push({
      task: `rolling 1-year backtest, whole BTC history, ${method}`,
      goal: "≤ 5 s",
      measured: `${(ms / 1000).toFixed(2)} s (${b.days} days)`,
    });
    backtests.push({
      method,
      days: b.days,
      exceptions: b.exceptions,
      expected: b.expected.toFixed(1),
      "Kupiec p": b.kupiec.pValue.toFixed(3),
      "Christoffersen cc p": b.christoffersen.pValueCc.toFixed(3),
      zone: b.trafficLight?.zone ?? "none",
      Z2: b.z2.value.toFixed(3),
      "Z2 p": b.z2.pValue.toFixed(3),
    });
  }
  return [
    { title: "Risk engine timings (BTC daily history 2015-01-01 → 2026-02-13, one core)", rows },
    {
      title: "Rolling backtest at 99 %, 365-day estimation window, daily re-estimation (BTC)",
      rows: backtests,
    },
  ];
}
