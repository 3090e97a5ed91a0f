import { normInv, normPdf } from "./normal";

/**
 * RiskMetrics EWMA volatility (J.P. Morgan/Reuters 1996, "RiskMetrics — Technical Document"):
 * σ²_t = λσ²_{t−1} + (1 − λ)r²_{t−1}, zero mean, started from the mean square of the first 30
 * returns. Returns the one-day-ahead σ after the last return.
 */
export function ewmaSigma(returns: ArrayLike<number>, lambda = 0.94): number {
  const n = returns.length;
  if (n < 2) throw new Error("EWMA needs at least two returns");
  const m = Math.min(30, n);
  let v = 0;
  for (let i = 0; i < m; i++) v += returns[i] * returns[i];
  v /= m;
  for (let i = 0; i < n; i++) v = lambda * v + (1 - lambda) * returns[i] * returns[i];
  return Math.sqrt(v);
}

/** Normal VaR and ES of the loss at `level` for volatility σ: σz and σφ(z)/(1 − α). */
export function normalVarEs(sigma: number, level: number): { var: number; es: number } {
  const z = normInv(level);
  return { var: sigma * z, es: (sigma * normPdf(z)) / (1 - level) };
}
