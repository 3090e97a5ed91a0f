import type { MarketConfig } from "../config";
import { applyGuardrails, esMarginTarget } from "../governance/policy";
import { type ModelEvidence, proposalRationale } from "../governance/rationale";
import type { BacktestResult } from "../quant/backtests";
import { RISK_METHODS } from "../quant/riskMethods";
import { qualify } from "../risk/qualification";
import type { ParameterState, ProposalDraft, ProposedChange, RiskMetric } from "./types";

/** Model-risk index above which a rationale warns, unless the market sets its own. */
export const DEFAULT_INDEX_WARNING = 0.15;

/**
 * For each governed parameter of the market: policy target from the risk report, guardrails,
 * and — when any parameter should move — one proposal with a rationale citing the numbers.
 */
export function propose(input: {
  market: MarketConfig;
  risk: RiskMetric[];
  /** The run's rolling backtests: a method drives a parameter only while they qualify it. */
  backtests: BacktestResult[];
  state: ParameterState[];
  previousEs: Map<string, number>;
  asOf: number;
  /** Regime flags and the model-risk index of the run's calibrated models, when computed. */
  models?: ModelEvidence;
}): { considered: ProposedChange[]; proposal?: ProposalDraft } {
  const considered: ProposedChange[] = [];
  const rationales: string[] = [];
  const qualifications: (ReturnType<typeof qualify> & { parameter: string })[] = [];
  for (const p of input.market.parameters) {
    const state = input.state.find((s) => s.name === p.name);
    if (!state) throw new Error(`parameter ${p.name} of ${input.market.id} has no current value`);
    // The qualified method's worse-side h-day ES (lib/risk/qualification; h = the policy's
    // liquidation horizon, the same simulated number the risk targets read).
    const qualification = qualify({
      backtests: input.backtests,
      metrics: input.risk,
      policy: p.policy,
      methods: RISK_METHODS,
    });
    qualifications.push({ parameter: p.name, ...qualification });
    const h = p.policy.liquidationHorizonDays;
    const metric = input.risk.find(
      (m) => m.method === qualification.chosen && m.level === p.policy.level && m.horizonDays === h,
    );
    if (!metric)
      throw new Error(`no ${qualification.chosen} ES at ${p.policy.level} for ${p.name}`);
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
          qualification,
          ...(input.models
            ? {
                models: {
                  evidence: input.models,
                  indexWarning: input.market.modelRiskIndexWarning ?? DEFAULT_INDEX_WARNING,
                },
              }
            : {}),
          risk: {
            method: metric.method,
            horizonDays: metric.horizonDays,
            var: metric.var,
            es: metric.es,
            sampleSize: metric.sampleSize,
            windowFrom: metric.windowFrom,
            windowTo: metric.windowTo,
            worstLoss: metric.details.worstLoss,
            worstLossDay: metric.details.worstLossDay,
            previousEs:
              h === 1 ? (input.previousEs.get(`${metric.method}:${metric.level}`) ?? null) : null,
            otherMethodsEs: input.risk
              .filter(
                (m) =>
                  m.level === metric.level && m.horizonDays === h && m.method !== metric.method,
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
      evidence: {
        risk: input.risk,
        qualification: qualifications,
        ...(input.models ? { models: input.models } : {}),
      },
    },
  };
}
