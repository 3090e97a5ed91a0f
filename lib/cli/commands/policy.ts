import { MarketIdSchema, PARAMETER_NAMES } from "../../config";
import { loadConfig } from "../../configFile";
import { runPolicyBacktest } from "../../pipeline/policyBacktest";
import { parseArgs, UsageError } from "../args";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isoDate(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!ISO_DATE.test(value) || Number.isNaN(Date.parse(value)))
    throw new UsageError(`${flag} must be an ISO date (YYYY-MM-DD), got '${value}'`);
  return value;
}

/**
 * `vigil policy backtest --market <id> --parameter <name> [--from ISO-date] [--to ISO-date]
 * --json`: replays the parameter's policy day by day over the bundled history as if every
 * allowed proposal had been executed (lib/risk/policyBacktest) and prints
 * {market, parameter, days, series, guardrailBindings, shortfalls, shortfallRate}.
 */
export default async function policy(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "backtest")
    throw new UsageError(`unknown subcommand '${sub ?? ""}' (expected 'backtest')`);
  const { options, flags, positional } = parseArgs(rest, {
    options: ["market", "parameter", "from", "to"],
    flags: ["json"],
  });
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'`);
  if (!options.market) throw new UsageError("--market is required");
  if (!options.parameter) throw new UsageError("--parameter is required");
  if (!MarketIdSchema.safeParse(options.market).success)
    throw new UsageError(`--market must look like deribit:BTC, got '${options.market}'`);
  const market = loadConfig().markets.find((m) => m.id === options.market);
  if (!market) throw new UsageError(`unknown market '${options.market}'`);
  const parameter = market.parameters.find((p) => p.name === options.parameter);
  if (!parameter)
    throw new UsageError(
      `unknown parameter '${options.parameter}' (one of ${PARAMETER_NAMES.join(", ")})`,
    );
  const from = isoDate(options.from, "--from");
  const to = isoDate(options.to, "--to");
  if (from && to && from > to) throw new UsageError("--from is after --to");
  let result;
  try {
    result = (await runPolicyBacktest({ market, parameter, from, to })).backtest;
  } catch (e) {
    // An empty range or too little history is a usage problem of this command, not a crash.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  if (flags.has("json")) {
    process.stdout.write(JSON.stringify(result) + "\n");
  } else {
    process.stdout.write(
      `${result.market} ${result.parameter}: ${result.days} days, ` +
        `${result.shortfalls.length} shortfalls (${(result.shortfallRate * 100).toFixed(2)} %), ` +
        `${result.guardrailBindings} guardrail bindings; value in force at the end ` +
        `${result.series[result.series.length - 1].value}\n`,
    );
  }
  return 0;
}
