const DAY_MS = 86_400_000;

export interface DailyReturns {
  /** Day of each return (the later of its two days), YYYY-MM-DD. */
  dates: string[];
  /** ln(P_t / P_{t−1}) for consecutive calendar days only. */
  returns: Float64Array;
  /** Missing days: a return is never taken across them. */
  gaps: { from: string; to: string; days: number }[];
}

/** Daily log returns between consecutive calendar days; gaps are reported, not bridged. */
export function dailyLogReturns(dates: readonly string[], prices: readonly number[]): DailyReturns {
  if (dates.length !== prices.length) throw new Error("dates and prices differ in length");
  const out: number[] = [];
  const outDates: string[] = [];
  const gaps: DailyReturns["gaps"] = [];
  for (let i = 1; i < dates.length; i++) {
    const days = Math.round((Date.parse(dates[i]) - Date.parse(dates[i - 1])) / DAY_MS);
    if (days === 1) {
      out.push(Math.log(prices[i] / prices[i - 1]));
      outDates.push(dates[i]);
    } else {
      gaps.push({ from: dates[i - 1], to: dates[i], days });
    }
  }
  return { dates: outDates, returns: Float64Array.from(out), gaps };
}
