import { normInv, normPdf } from "./normal";

/**
 * RiskMetrics EWMA volatility path (J.P. Morgan/Reuters 1996, "RiskMetrics — Technical
 * Document"): σ²_t = λσ²_{t−1} + (1 − λ)r²_{t−1}, zero mean, started from the mean square of the
 * first 30 returns. Element i is the σ forecast after return i.
 */
export function ewmaSigmaPath(returns: ArrayLike<number>, lambda = 0.94): Float64Array {
  const n = returns.length;
  if (n < 2) throw new Error("EWMA needs at least two returns");
  const m = Math.min(30, n);
  let v = 0;
  for (let i = 0; i < m; i++) v += returns[i] * returns[i];
  v /= m;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v = lambda * v + (1 - lambda) * returns[i] * returns[i];
    out[i] = Math.sqrt(v);
  }
  return out;
}

/** The one-day-ahead EWMA σ after the last return. */
export function ewmaSigma(returns: ArrayLike<number>, lambda = 0.94): number {
  const path = ewmaSigmaPath(returns, lambda);
  return path[path.length - 1];
}

/** Normal VaR and ES of the loss at `level` for volatility σ: σz and σφ(z)/(1 − α). */
export function normalVarEs(sigma: number, level: number): { var: number; es: number } {
  const z = normInv(level);
  return { var: sigma * z, es: (sigma * normPdf(z)) / (1 - level) };
}
