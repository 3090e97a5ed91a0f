// The what-if: a parameter's policy with a reviewer's knobs, through the same target, guardrail
// and policy-backtest functions as the pipeline and `vigil policy backtest`.
import {
  isEsPolicy,
  ParameterPolicySchema,
  type MarketConfig,
  type ParameterPolicy,
} from "../config";
import type { WhatIfQuery, WhatIfResponse } from "../api/whatIf";
import { applyGuardrails } from "../governance/policy";
import { runPolicyBacktest } from "./policyBacktest";
import type { ParameterState } from "./types";

/**
 * The knobs applied to a policy (not yet validated); a knob a policy kind does not have is
 * ignored: the response's `policy` shows what was used.
 */
function withKnobs(policy: ParameterPolicy, q: WhatIfQuery): Record<string, unknown> {
  const next: Record<string, unknown> = { ...policy };
  if (isEsPolicy(policy)) {
    if (q.method) next.method = q.method;
    if (q.level !== undefined) next.level = q.level;
    if (q.horizonDays !== undefined) next.liquidationHorizonDays = q.horizonDays;
  } else if (policy.kind === "funding-cap") {
    if (q.level !== undefined) next.quantile = q.level;
  } else {
    if (q.level !== undefined) next.level = q.level;
    if (q.horizonDays !== undefined) next.horizonDays = q.horizonDays;
  }
  return next;
}

export class WhatIfError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export async function whatIf(
  market: MarketConfig,
  q: WhatIfQuery,
  state: ParameterState | undefined,
  now: number,
): Promise<WhatIfResponse> {
  const base = market.parameters.find((p) => p.name === q.parameter);
  if (!base) throw new WhatIfError(`${market.id} does not govern ${q.parameter}`, "parameter");
  const parsed = ParameterPolicySchema.safeParse(withKnobs(base.policy, q));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field =
      issue.path[0] === "liquidationHorizonDays"
        ? "horizonDays"
        : String(issue.path[0] ?? "parameter");
    throw new WhatIfError(issue.message, field === "quantile" ? "level" : field);
  }
  const parameter = { ...base, policy: parsed.data };
  const bt = await runPolicyBacktest({
    market,
    parameter,
    referencePositionUsd: q.referencePositionUsd,
  });
  const { backtest, lastDerivation, liquidity } = bt;
  const last = backtest.series[backtest.series.length - 1];
  const current = state?.value ?? base.genesisValue;
  const outcome = applyGuardrails({
    current,
    target: last.target,
    min: base.min,
    max: base.max,
    step: parsed.data.step,
    guardrails: parsed.data.guardrails,
    hoursSinceLastChange: state ? (now - state.lastChangeAt) / 3_600_000 : Infinity,
    hoursSinceLastReject:
      state?.lastRejectAt == null ? Infinity : (now - state.lastRejectAt) / 3_600_000,
  });
  return {
    market: market.id,
    parameter: q.parameter,
    policy: parsed.data,
    asOf: last.date,
    target: last.target,
    formula: lastDerivation.formula,
    liquidity: { value: liquidity.value, source: liquidity.source, detail: liquidity.detail },
    current,
    guardrail: outcome,
    backtest: {
      from: backtest.series[0].date,
      to: last.date,
      days: backtest.days,
      guardrailBindings: backtest.guardrailBindings,
      shortfallRate: backtest.shortfallRate,
      shortfalls: backtest.shortfalls,
      series: backtest.series,
    },
  };
}
