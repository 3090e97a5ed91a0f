// The policy backtest over the bundled history: loads the daily prices and the recorded funding
// and runs lib/risk/policyBacktest. Shared by `vigil policy backtest` and the what-if API.
import type { MarketConfig, ParameterConfig } from "../config";
import { recordedFunding } from "../market/funding";
import { replaySource } from "../market/sources";
import { dailyLogReturns } from "../quant/returns";
import { liquidityAddOn, type LiquidityAddOn, type TargetDerivation } from "../risk/policies";
import { policyBacktest, type BacktestHistory, type PolicyBacktest } from "../risk/policyBacktest";

/** Days replayed when --from is not given: the last year before --to. */
export const DEFAULT_BACKTEST_DAYS = 365;
const DAY_MS = 86_400_000;

/** Far enough ahead that every bundled day counts as observed. */
const END_OF_DATA = Date.parse("9999-12-31T00:00:00Z");

export async function backtestHistory(
  market: MarketConfig,
  withFunding: boolean,
): Promise<BacktestHistory> {
  const prices = await replaySource().dailyPricesAsOf(market.id, END_OF_DATA);
  const { dates, returns } = dailyLogReturns(
    prices.map((p) => p.day),
    prices.map((p) => p.price),
  );
  if (!withFunding) return { dates, returns };
  const byDay = new Map<string, number[]>();
  for (const f of recordedFunding(market.underlying)) {
    const day = new Date(f.time).toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), f.rate]);
  }
  return { dates, returns, funding: [...byDay].map(([date, rates]) => ({ date, rates })) };
}

/**
 * Replays `parameter` (as configured, or with the what-if's policy) over [from, to] of the bundled
 * history; `to` defaults to the last recorded day, `from` to DEFAULT_BACKTEST_DAYS before it.
 * Without recorded order books, the margin and haircut use the constant add-on throughout.
 */
export async function runPolicyBacktest(input: {
  market: MarketConfig;
  parameter: ParameterConfig;
  from?: string;
  to?: string;
  referencePositionUsd?: number;
}): Promise<{
  backtest: PolicyBacktest;
  lastDerivation: TargetDerivation;
  liquidity: LiquidityAddOn;
}> {
  const { market, parameter } = input;
  const isFunding = parameter.policy.kind === "funding-cap";
  const history = await backtestHistory(market, isFunding);
  const days = isFunding ? (history.funding ?? []).map((f) => f.date) : history.dates;
  if (days.length === 0)
    throw new Error(`no recorded history for ${parameter.name} of ${market.id}`);
  const to = input.to ?? days[days.length - 1];
  const from =
    input.from ??
    new Date(Date.parse(to) - DEFAULT_BACKTEST_DAYS * DAY_MS).toISOString().slice(0, 10);
  const margin = market.parameters.find((p) => p.policy.kind === "es-margin");
  const constant = margin?.policy.kind === "es-margin" ? margin.policy.liquidityAddOn : 0;
  const liquidity = liquidityAddOn(
    null,
    input.referencePositionUsd ?? market.liquidity.referencePositionUsd,
    constant,
  );
  return {
    liquidity,
    ...policyBacktest({
      market: market.id,
      parameter,
      maintenance: margin,
      history,
      windowDays:
        parameter.policy.kind === "funding-cap"
          ? parameter.policy.lookbackDays
          : market.historyWindowDays,
      from,
      to,
      liquidity,
    }),
  };
}
