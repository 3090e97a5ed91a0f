import { readPriceCsv } from "../../market/priceCsv";
import { dailyLogReturns } from "../../quant/returns";
import { RISK_METHODS, varEs, type RiskMethod } from "../../quant/riskMethods";
import { parseArgs, UsageError } from "../args";

/** Shared by `vigil var` and `vigil backtest`: the returns of a daily price CSV up to --at. */
export function returnsFromCsv(path: string | undefined, at?: string) {
  if (!path) throw new UsageError("--prices <csv> is required");
  if (at !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(at)) {
    throw new UsageError(`--at: '${at}' is not a date like 2024-03-01`);
  }
  const series = readPriceCsv(path);
  const keep = at === undefined ? series.dates.length : series.dates.filter((d) => d <= at).length;
  return {
    series,
    ...dailyLogReturns(series.dates.slice(0, keep), series.prices.slice(0, keep)),
  };
}

export function methodOption(value: string | undefined, fallback: RiskMethod): RiskMethod {
  const m = value ?? fallback;
  if (!(RISK_METHODS as readonly string[]).includes(m)) {
    throw new UsageError(`--method: '${m}' is not one of ${RISK_METHODS.join(", ")}`);
  }
  return m as RiskMethod;
}

/** --level, default 0.99. */
export const levelOption = (value: string | undefined): number =>
  numberOption(value, "--level", 0.99, (x) => x > 0 && x < 1, "a level in (0, 1)");

export function numberOption(
  value: string | undefined,
  flag: string,
  fallback: number,
  ok: (x: number) => boolean,
  what: string,
): number {
  if (value === undefined) return fallback;
  const x = Number(value);
  if (!Number.isFinite(x) || !ok(x)) throw new UsageError(`${flag}: '${value}' is not ${what}`);
  return x;
}

/**
 * `vigil var --prices <csv> [--method hs|ewma|garch-t|fhs|evt] [--level 0.99] [--horizon 1]
 * [--at YYYY-MM-DD] [--window N] [--seed N] [--json]`: VaR and ES of a long and a short position
 * (losses as simple returns) from the daily log returns up to and including --at (the last
 * --window of them when given); `var`/`es` are the worse side's, `sides` has both.
 */
export default async function varCommand(args: string[]): Promise<number> {
  const { options, flags, positional } = parseArgs(args, {
    options: ["prices", "method", "level", "horizon", "at", "window", "seed"],
    flags: ["json"],
  });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const method = methodOption(options.method, "hs");
  const level = levelOption(options.level);
  const horizon = numberOption(
    options.horizon,
    "--horizon",
    1,
    (x) => Number.isInteger(x) && x >= 1,
    "a whole number of days ≥ 1",
  );
  const window = numberOption(
    options.window,
    "--window",
    Infinity,
    (x) => Number.isInteger(x) && x >= 50,
    "a whole number of returns ≥ 50",
  );
  const seed = numberOption(options.seed, "--seed", 1, Number.isInteger, "an integer");
  const { returns, dates, gaps, series } = returnsFromCsv(options.prices, options.at);
  const from = Number.isFinite(window) ? Math.max(0, returns.length - window) : 0;
  const r = varEs(returns.subarray(from), { method, level, horizon, seed });
  const result = {
    ...r,
    from: dates[from] ?? null,
    to: dates.at(-1) ?? null,
    gaps: gaps.length,
    badRows: series.issues.length,
  };
  if (flags.has("json")) process.stdout.write(JSON.stringify(result) + "\n");
  else {
    const p = (x: number) => `${(x * 100).toFixed(2)} %`;
    process.stdout.write(
      `${method} ${horizon}-day VaR ${p(r.var)}, ES ${p(r.es)} at ${level} (worse side: ${r.worseSide}; ` +
        `long VaR ${p(r.sides.long.var)} ES ${p(r.sides.long.es)}, ` +
        `short VaR ${p(r.sides.short.var)} ES ${p(r.sides.short.es)}) ` +
        `from ${r.n} returns (${result.from} → ${result.to})\n`,
    );
  }
  return 0;
}
