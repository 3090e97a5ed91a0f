// One entry point for VaR / ES by method, over daily log returns (loss = −return).
import { normalVarEs, ewmaSigma } from "./ewma";
import { fitGpdTail, gpdVarEs } from "./evt";
import { fitGarchT, simulateGarchLosses, type GarchFit, type GarchParams } from "./garch";
import { Prng } from "./prng";
import { standardizedTVarEs } from "./studentT";
import { historicalVarEs } from "./var";

export const RISK_METHODS = ["hs", "ewma", "garch-t", "fhs", "evt"] as const;
export type RiskMethod = (typeof RISK_METHODS)[number];

export interface RiskOptions {
  method: RiskMethod;
  level: number;
  /** Days; > 1 simulates the fitted GARCH (garch-t, fhs, evt). */
  horizon?: number;
  seed?: number;
  /** Simulated paths for multi-day horizons. */
  paths?: number;
  /** A GARCH fit of the same returns to reuse (several methods share one fit). */
  garch?: GarchFit;
  /** Warm start for the GARCH fit. */
  start?: GarchParams;
}

export interface RiskEstimate {
  var: number;
  es: number;
  method: RiskMethod;
  level: number;
  horizon: number;
  n: number;
  params: Record<string, number | string>;
}

/**
 * VaR and ES of the h-day loss at `level`:
 * - hs: historical simulation (Acerbi–Tasche estimator) of overlapping h-day loss sums;
 * - ewma: RiskMetrics λ = 0.94, normal, √h scaling (RiskMetrics' own rule);
 * - garch-t: GARCH(1,1)-t, closed form at h = 1, simulated paths beyond;
 * - fhs: filtered historical simulation — the GARCH σ forecast times resampled standardized
 *   residuals (Barone-Adesi, Giannopoulos & Vosper 1999);
 * - evt: GPD tail of the standardized residuals scaled by the σ forecast (McNeil & Frey 2000);
 *   beyond one day the residuals are resampled through the GARCH as for fhs.
 */
export function varEs(returns: ArrayLike<number>, opts: RiskOptions): RiskEstimate {
  const { method, level } = opts;
  const horizon = opts.horizon ?? 1;
  const n = returns.length;
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  if (!Number.isInteger(horizon) || horizon < 1)
    throw new Error(`horizon must be a whole number of days ≥ 1, got ${horizon}`);
  const out = (v: { var: number; es: number }, params: RiskEstimate["params"]): RiskEstimate => ({
    var: v.var,
    es: v.es,
    method,
    level,
    horizon,
    n,
    params,
  });
  if (method === "hs") {
    const losses: number[] = [];
    for (let i = 0; i + horizon <= n; i++) {
      let s = 0;
      for (let d = 0; d < horizon; d++) s += returns[i + d];
      losses.push(-s);
    }
    return out(historicalVarEs(losses, level), { sample: losses.length });
  }
  if (method === "ewma") {
    const sigma = ewmaSigma(returns, 0.94);
    const v = normalVarEs(sigma * Math.sqrt(horizon), level);
    return out(v, { lambda: 0.94, sigma });
  }
  const g = opts.garch ?? fitGarchT(returns, { start: opts.start });
  const { mu, omega, alpha, beta, nu } = g.params;
  const params = { mu, omega, alpha, beta, nu, nextSigma: g.nextSigma, fit: g.status };
  if (horizon > 1) {
    const rng = new Prng(opts.seed ?? 1);
    const paths = opts.paths ?? 100_000;
    const losses = simulateGarchLosses(
      g.params,
      g.nextSigma,
      horizon,
      paths,
      rng,
      method === "garch-t" ? undefined : g.residuals,
    );
    return out(historicalVarEs(losses, level), { ...params, paths, seed: opts.seed ?? 1 });
  }
  if (method === "garch-t") {
    const z = standardizedTVarEs(level, nu);
    return out({ var: -mu + g.nextSigma * z.var, es: -mu + g.nextSigma * z.es }, params);
  }
  const zLosses = g.residuals.map((z) => -z);
  if (method === "fhs") {
    const z = historicalVarEs(zLosses, level);
    return out({ var: -mu + g.nextSigma * z.var, es: -mu + g.nextSigma * z.es }, params);
  }
  const tail = fitGpdTail(zLosses, 0.1);
  const z = gpdVarEs(tail, level);
  return out(
    { var: -mu + g.nextSigma * z.var, es: -mu + g.nextSigma * z.es },
    {
      ...params,
      xi: tail.xi,
      gpdBeta: tail.beta,
      threshold: tail.threshold,
      exceedances: tail.exceedances,
    },
  );
}
