export interface VarEs {
  var: number;
  es: number;
}

/**
 * Historical-simulation VaR and ES of a loss sample at `level` (0.99 → the 99 % loss quantile).
 * With losses sorted descending d_0 ≥ d_1 ≥ … and m = n(1 − level), w = ⌊m⌋:
 *   VaR = d_w  (the ⌈n·level⌉-th smallest loss, the empirical quantile),
 *   ES  = (d_0 + … + d_{w−1} + (m − w)·d_w) / m  (Acerbi & Tasche 2002, "On the coherence of
 *         Expected Shortfall", eq. for the α-tail mean of an empirical distribution).
 * For integer m, ES is the mean of the m largest losses.
 */
export function historicalVarEs(losses: ArrayLike<number>, level: number): VarEs {
  const n = losses.length;
  if (n === 0) throw new Error("historical VaR needs at least one loss");
  if (!(level > 0 && level < 1)) throw new Error(`level must be in (0, 1), got ${level}`);
  const d = Float64Array.from(losses).sort().reverse();
  // Round m to 1e-9 so 500·(1 − 0.99) = 5.000000000000004 counts as the integer 5.
  const m = Math.round(n * (1 - level) * 1e9) / 1e9;
  const w = Math.min(Math.floor(m), n - 1);
  let tail = 0;
  for (let i = 0; i < w; i++) tail += d[i];
  const es = m > 0 ? (tail + (m - w) * d[w]) / m : d[0];
  return { var: d[w], es };
}
