/**
 * At-the-money implied vol of one expiry from its smile: linear interpolation of implied vol in
 * log-moneyness k = ln(K/F) between the nearest points either side of k = 0. Returns NaN when the
 * smile does not straddle the forward (the ATM vol would be an extrapolation).
 */
export function atmVolFromSmile(points: ReadonlyArray<{ k: number; iv: number }>): number {
  let below: { k: number; iv: number } | undefined;
  let above: { k: number; iv: number } | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.iv)) continue;
    if (p.k <= 0 && (!below || p.k > below.k)) below = p;
    if (p.k >= 0 && (!above || p.k < above.k)) above = p;
  }
  if (!below || !above) return NaN;
  if (above.k === below.k) return (above.iv + below.iv) / 2;
  const w = (0 - below.k) / (above.k - below.k);
  return below.iv + w * (above.iv - below.iv);
}

/**
 * Constant-maturity ATM vol at `t` years: linear interpolation of ATM total variance σ²T in T
 * between the bracketing expiries (flat vol beyond the ends). Returns NaN without finite slices.
 */
export function constantMaturityAtmVol(
  slices: ReadonlyArray<{ t: number; atmVol: number }>,
  t: number,
): number {
  const s = slices.filter((x) => Number.isFinite(x.atmVol) && x.t > 0).sort((a, b) => a.t - b.t);
  if (s.length === 0) return NaN;
  if (t <= s[0].t) return s[0].atmVol;
  const last = s[s.length - 1];
  if (t >= last.t) return last.atmVol;
  const j = s.findIndex((x) => x.t >= t);
  const a = s[j - 1];
  const b = s[j];
  const wa = a.atmVol * a.atmVol * a.t;
  const wb = b.atmVol * b.atmVol * b.t;
  const w = wa + ((t - a.t) / (b.t - a.t)) * (wb - wa);
  return Math.sqrt(w / t);
}
