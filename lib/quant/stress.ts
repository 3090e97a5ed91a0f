// Stress tests: the worst historical moves, and a spot × volatility shock grid revaluing option
// positions on the calibrated surface, as portfolio-margin engines scan (e.g. CME SPAN's 16
// scenarios; Deribit's portfolio margin: spot ±x % × vol up/down).
import { black76Price, type OptionType } from "./black76";

export interface WorstMove {
  horizon: number;
  /** −Σ log returns over the h consecutive days. */
  loss: number;
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/** The largest h-day loss over consecutive calendar days, for each horizon. */
export function worstMoves(
  dates: readonly string[],
  returns: ArrayLike<number>,
  horizons: readonly number[],
): WorstMove[] {
  return horizons.map((h) => {
    let best: WorstMove = { horizon: h, loss: -Infinity, from: "", to: "" };
    for (let i = h - 1; i < returns.length; i++) {
      const span = (Date.parse(dates[i]) - Date.parse(dates[i - h + 1])) / DAY_MS;
      if (span !== h - 1) continue; // a gap inside the window
      // Summed afresh (not a running sum) so equal moves compare equal: the first one wins.
      let sum = 0;
      for (let j = i - h + 1; j <= i; j++) sum += returns[j];
      if (-sum > best.loss) best = { horizon: h, loss: -sum, from: dates[i - h + 1], to: dates[i] };
    }
    return best;
  });
}

export interface OptionPosition {
  /** Coins of underlying per option; negative = short. */
  quantity: number;
  strike: number;
  t: number;
  forward: number;
  type: OptionType;
}

export interface ShockCell {
  spotShock: number;
  volShock: number;
  /** Loss of the positions (USD), positive = loss. */
  loss: number;
}

/**
 * Revalues the positions under every spot shock s (all forwards × (1 + s)) and vol shock v
 * (implied vol × (1 + v)), reading implied vols from the surface at the shocked log-moneyness
 * ln(K/F′) (sticky moneyness). Returns the grid and the worst cell.
 */
export function shockGrid(
  positions: readonly OptionPosition[],
  volAt: (k: number, t: number) => number,
  spotShocks: readonly number[],
  volShocks: readonly number[],
): { cells: ShockCell[]; worst: ShockCell } {
  const value = (s: number, v: number) => {
    let total = 0;
    for (const p of positions) {
      const f = p.forward * (1 + s);
      const vol = volAt(Math.log(p.strike / f), p.t) * (1 + v);
      total += p.quantity * black76Price(f, p.strike, p.t, vol, p.type);
    }
    return total;
  };
  const base = value(0, 0);
  const cells: ShockCell[] = [];
  for (const s of spotShocks) {
    for (const v of volShocks) cells.push({ spotShock: s, volShock: v, loss: base - value(s, v) });
  }
  const worst = cells.reduce((a, b) => (b.loss > a.loss ? b : a));
  return { cells, worst };
}

/** Spot shocks ±step … ±max and zero, e.g. (0.05, 0.2) → −20 %, −15 %, …, +20 %. */
export function spotShockLadder(step: number, max: number): number[] {
  const n = Math.round(max / step);
  return Array.from({ length: 2 * n + 1 }, (_, i) => Number(((i - n) * step).toFixed(10)));
}
