import type { MarketConfig } from "../config";
import { applyGuardrails, esMarginTarget } from "../governance/policy";
import { proposalRationale } from "../governance/rationale";
import type { ParameterState, ProposalDraft, ProposedChange, RiskMetric } from "./types";

/**
 * For each governed parameter of the market: policy target from the risk report, guardrails,
 * and — when any parameter should move — one proposal with a rationale citing the numbers.
 */
export function propose(input: {
  market: MarketConfig;
  risk: RiskMetric[];
  state: ParameterState[];
  previousEs: Map<string, number>;
  asOf: number;
}): { considered: ProposedChange[]; proposal?: ProposalDraft } {
  const considered: ProposedChange[] = [];
  const rationales: string[] = [];
  for (const p of input.market.parameters) {
    const state = input.state.find((s) => s.name === p.name);
    if (!state) throw new Error(`parameter ${p.name} of ${input.market.id} has no current value`);
    const metric = input.risk.find(
      (m) => m.method === p.policy.method && m.level === p.policy.level && m.horizonDays === 1,
    );
    if (!metric) throw new Error(`no ${p.policy.method} ES at ${p.policy.level} for ${p.name}`);
    const derivation = esMarginTarget(metric.es, p.policy);
    const outcome = applyGuardrails({
      current: state.value,
      target: derivation.target,
      min: p.min,
      max: p.max,
      step: p.policy.step,
      guardrails: p.policy.guardrails,
      hoursSinceLastChange: (input.asOf - state.lastChangeAt) / 3_600_000,
      hoursSinceLastReject:
        state.lastRejectAt === null ? Infinity : (input.asOf - state.lastRejectAt) / 3_600_000,
    });
    considered.push({
      parameterId: state.parameterId,
      name: p.name,
      current: state.value,
      derivation,
      outcome,
    });
    if (outcome.proposed !== null) {
      rationales.push(
        proposalRationale({
          market: input.market.id,
          parameter: p.name,
          current: state.value,
          derivation,
          outcome,
          policy: p.policy,
          risk: {
            var: metric.var,
            es: metric.es,
            sampleSize: metric.sampleSize,
            windowFrom: metric.windowFrom,
            windowTo: metric.windowTo,
            worstLoss: metric.details.worstLoss,
            worstLossDay: metric.details.worstLossDay,
            previousEs: input.previousEs.get(`${metric.method}:${metric.level}`) ?? null,
            otherMethodsEs: input.risk
              .filter(
                (m) =>
                  m.level === metric.level && m.horizonDays === 1 && m.method !== metric.method,
              )
              .map((m) => m.es),
          },
        }),
      );
    }
  }
  const changes = considered.flatMap((c) =>
    c.outcome.proposed === null ? [] : [{ ...c, proposed: c.outcome.proposed }],
  );
  if (changes.length === 0) return { considered };
  return {
    considered,
    proposal: {
      rationale: rationales.join("\n\n"),
      changes,
      evidence: { risk: input.risk },
    },
  };
}
