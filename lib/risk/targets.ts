// Targets for governed parameters from a market's risk report. Each target is a formula over
// named metrics, so a proposal can show exactly which number drove it (docs/methodology.md §3c).
import type { RiskMethod } from "../quant/riskMethods";

export interface MetricLookup {
  method: RiskMethod;
  level: number;
  horizonDays: number;
  var: number;
  es: number;
}

export interface TargetInputs {
  method: RiskMethod;
  liquidationHorizonDays: number;
  liquidityAddOn: number;
}

export interface ParameterTarget {
  name: string;
  value: number;
  formula: string;
}

const roundUp = (x: number, step: number) => Math.ceil(x / step - 1e-9) * step;

function metric(
  m: readonly MetricLookup[],
  method: RiskMethod,
  level: number,
  h: number,
): MetricLookup {
  const found = m.find((x) => x.method === method && x.level === level && x.horizonDays === h);
  if (!found) throw new Error(`no ${method} metric at ${level} over ${h} days in the risk report`);
  return found;
}

/**
 * - perp maintenance margin = ES₉₉(liquidation horizon) + liquidity add-on: equity that covers the
 *   tail loss while a position is being liquidated;
 * - perp initial margin = ES₉₉(10 days) + add-on: room for ten days of adverse moves before
 *   maintenance is reached;
 * - option scan range = VaR₉₉(10 days) rounded up to whole percent: the spot range a
 *   portfolio-margin scan must cover;
 * - collateral haircut = ES₉₉(liquidation horizon) + add-on: the value a coin posted as collateral
 *   can lose before it is sold.
 * The liquidation horizon must be one of the report's horizons.
 */
export function parameterTargets(
  metrics: readonly MetricLookup[],
  p: TargetInputs,
): ParameterTarget[] {
  const liq = metric(metrics, p.method, 0.99, p.liquidationHorizonDays);
  const ten = metric(metrics, p.method, 0.99, 10);
  const a = p.liquidityAddOn;
  const h = p.liquidationHorizonDays;
  return [
    {
      name: "perp.maintenanceMarginFraction",
      value: roundUp(liq.es + a, 0.0005),
      formula: `ES99(${h}d, ${p.method}) + ${a}`,
    },
    {
      name: "perp.initialMarginFraction",
      value: roundUp(ten.es + a, 0.0005),
      formula: `ES99(10d, ${p.method}) + ${a}`,
    },
    {
      name: "options.scanRange",
      value: roundUp(ten.var, 0.01),
      formula: `VaR99(10d, ${p.method}) rounded up to 1 %`,
    },
    {
      name: "collateral.haircut",
      value: roundUp(liq.es + a, 0.0005),
      formula: `ES99(${h}d, ${p.method}) + ${a}`,
    },
  ];
}
