import { rollingBacktest } from "../../quant/backtests";
import { parseArgs, UsageError } from "../args";
import { levelOption, methodOption, numberOption, returnsFromCsv } from "./var";

/**
 * `vigil backtest --prices <csv> --method … [--level 0.99] [--window 250] [--from YYYY-MM-DD]
 * [--to YYYY-MM-DD] [--series] [--json]`: rolling one-day backtest with daily re-estimation.
 */
export default async function backtest(args: string[]): Promise<number> {
  const { options, flags, positional } = parseArgs(args, {
    options: ["prices", "method", "level", "window", "from", "to", "seed"],
    flags: ["json", "series"],
  });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  const method = methodOption(options.method, "hs");
  const level = levelOption(options.level);
  const window = numberOption(
    options.window,
    "--window",
    250,
    (x) => Number.isInteger(x) && x >= 50,
    "a whole number of returns ≥ 50",
  );
  const seed = numberOption(options.seed, "--seed", 7, Number.isInteger, "an integer");
  for (const f of ["from", "to"] as const) {
    if (options[f] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options[f])) {
      throw new UsageError(`--${f}: '${options[f]}' is not a date like 2024-03-01`);
    }
  }
  const { returns, dates } = returnsFromCsv(options.prices);
  const { series, ...result } = rollingBacktest(dates, returns, {
    method,
    level,
    window,
    from: options.from,
    to: options.to,
    seed,
  });
  const out = flags.has("series") ? { ...result, series } : result;
  if (flags.has("json")) process.stdout.write(JSON.stringify(out) + "\n");
  else
    process.stdout.write(
      `${method} at ${level}: ${result.exceptions} exceptions in ${result.days} days (expected ${result.expected.toFixed(1)}), ` +
        `Kupiec p ${result.kupiec.pValue.toFixed(3)}, Christoffersen cc p ${result.christoffersen.pValueCc.toFixed(3)}, ` +
        `${result.trafficLight?.zone ?? "no traffic light"}, Z2 ${result.z2.value.toFixed(3)} (p ${result.z2.pValue.toFixed(3)})\n`,
    );
  return 0;
}
