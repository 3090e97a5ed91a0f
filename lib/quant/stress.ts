// Stress tests: the worst historical moves, and a spot × volatility shock grid revaluing option
// positions on the calibrated surface, as portfolio-margin engines scan (e.g. CME SPAN's 16
// scenarios; Deribit's portfolio margin: spot ±x % × vol up/down).
import { black76Price, type OptionType } from "./black76";
import { SIDES, sideLoss, type Side } from "./riskMethods";

export interface WorstMove {
  horizon: number;
  /** The position the move hurts: a fall hurts longs, a rise hurts shorts. */
  side: Side;
  /** The side's loss as a fraction of notional (simple return): 1 − e^Σr long, e^Σr − 1 short. */
  loss: number;
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;

/**
 * The largest h-day loss of each side over consecutive calendar days, for each horizon: the worst
 * fall (long) and the worst rise (short), in that order.
 */
export function worstMoves(
  dates: readonly string[],
  returns: ArrayLike<number>,
  horizons: readonly number[],
): WorstMove[] {
  return horizons.flatMap((h) =>
    SIDES.map((side) => {
      let best: WorstMove = { horizon: h, side, loss: -Infinity, from: "", to: "" };
      for (let i = h - 1; i < returns.length; i++) {
        const span = (Date.parse(dates[i]) - Date.parse(dates[i - h + 1])) / DAY_MS;
        if (span !== h - 1) continue; // a gap inside the window
        // Summed afresh (not a running sum) so equal moves compare equal: the first one wins.
        let sum = 0;
        for (let j = i - h + 1; j <= i; j++) sum += returns[j];
        const loss = sideLoss(side, sum);
        if (loss > best.loss)
          best = { horizon: h, side, loss, from: dates[i - h + 1], to: dates[i] };
      }
      return best;
    }),
  );
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

/** A grid cell that could not be revalued, and why (never a vol of 0 standing in for it). */
export interface DroppedCell {
  spotShock: number;
  volShock: number;
  reason: string;
}

/**
 * Revalues the positions under every spot shock s (all forwards × (1 + s)) and vol shock v
 * (implied vol × (1 + v)), reading implied vols from the surface at the shocked log-moneyness
 * ln(K/F′) (sticky moneyness). A cell where the surface has no finite positive vol for a leg is
 * dropped with the reason. Returns the grid, the worst revalued cell and the dropped cells.
 */
export function shockGrid(
  positions: readonly OptionPosition[],
  volAt: (k: number, t: number) => number,
  spotShocks: readonly number[],
  volShocks: readonly number[],
): { cells: ShockCell[]; worst: ShockCell | null; dropped: DroppedCell[] } {
  const value = (s: number, v: number): number | string => {
    let total = 0;
    for (const p of positions) {
      const f = p.forward * (1 + s);
      const k = Math.log(p.strike / f);
      const base = volAt(k, p.t);
      if (!(Number.isFinite(base) && base > 0)) {
        return `no implied vol at k = ${k.toFixed(4)}, t = ${p.t.toFixed(4)} (got ${base})`;
      }
      total += p.quantity * black76Price(f, p.strike, p.t, base * (1 + v), p.type);
    }
    return total;
  };
  const cells: ShockCell[] = [];
  const dropped: DroppedCell[] = [];
  const base = value(0, 0);
  for (const s of spotShocks) {
    for (const v of volShocks) {
      const x = value(s, v);
      if (typeof base === "string") dropped.push({ spotShock: s, volShock: v, reason: base });
      else if (typeof x === "string") dropped.push({ spotShock: s, volShock: v, reason: x });
      else cells.push({ spotShock: s, volShock: v, loss: base - x });
    }
  }
  const worst = cells.length ? cells.reduce((a, b) => (b.loss > a.loss ? b : a)) : null;
  return { cells, worst, dropped };
}

/** Spot shocks ±step … ±max and zero, e.g. (0.05, 0.2) → −20 %, −15 %, …, +20 %. */
export function spotShockLadder(step: number, max: number): number[] {
  const n = Math.round(max / step);
  return Array.from({ length: 2 * n + 1 }, (_, i) => Number(((i - n) * step).toFixed(10)));
}
