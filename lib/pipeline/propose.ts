import { isEsPolicy, type MarketConfig } from "../config";
import { applyGuardrails } from "../governance/policy";
import {
  type ModelEvidence,
  proposalRationale,
  type RationaleInput,
} from "../governance/rationale";
import type { BacktestResult } from "../quant/backtests";
import { RISK_METHODS } from "../quant/riskMethods";
import { liquidityAddOn, parameterTarget, type TargetDerivation } from "../risk/policies";
import { qualify } from "../risk/qualification";
import type { PolicyInputs } from "./policyInputs";
import type { ParameterState, ProposalDraft, ProposedChange, RiskMetric } from "./types";

/** Model-risk index above which a rationale warns, unless the market sets its own. */
export const DEFAULT_INDEX_WARNING = 0.15;

/**
 * For each governed parameter of the market: policy target from the evidence (lib/risk/policies),
 * guardrails, and — when any parameter should move — one proposal with a rationale citing the
 * numbers. The maintenance margin comes first: the initial margin's floor reads its target.
 */
export function propose(input: {
  market: MarketConfig;
  risk: RiskMetric[];
  /** The run's rolling backtests: a method drives a parameter only while they qualify it. */
  backtests: BacktestResult[];
  state: ParameterState[];
  previousEs: Map<string, number>;
  asOf: number;
  /** Returns, funding, the surface's ATM vol and the order book (lib/pipeline/policyInputs). */
  inputs: PolicyInputs;
  /** Regime flags and the model-risk index of the run's calibrated models, when computed. */
  models?: ModelEvidence;
}): { considered: ProposedChange[]; proposal?: ProposalDraft } {
  const considered: ProposedChange[] = [];
  const rationales: string[] = [];
  const qualifications: (ReturnType<typeof qualify> & { parameter: string })[] = [];
  const { market, inputs } = input;
  const margin = market.parameters.find((p) => p.policy.kind === "es-margin")?.policy;
  const liquidity = liquidityAddOn(
    inputs.book,
    market.liquidity.referencePositionUsd,
    margin?.kind === "es-margin" ? margin.liquidityAddOn : 0,
  );
  const funding = new Map<string, ReturnType<PolicyInputs["funding"]>>();
  let maintenanceTarget: number | undefined;
  for (const p of market.parameters) {
    const state = input.state.find((s) => s.name === p.name);
    if (!state) throw new Error(`parameter ${p.name} of ${market.id} has no current value`);
    const policy = p.policy;
    let risk: RationaleInput["risk"];
    let qualification: RationaleInput["qualification"];
    let derivation: TargetDerivation;
    let fundingEvidence: RationaleInput["funding"];
    if (isEsPolicy(policy)) {
      // The qualified method's h-day ES (lib/risk/qualification; h = the policy's horizon, the
      // same simulated number the risk targets read).
      qualification = qualify({
        backtests: input.backtests,
        metrics: input.risk,
        policy,
        methods: RISK_METHODS,
      });
      qualifications.push({ parameter: p.name, ...qualification });
      const h = policy.liquidationHorizonDays;
      const metric = input.risk.find(
        (m) =>
          m.method === qualification!.chosen && m.level === policy.level && m.horizonDays === h,
      );
      if (!metric)
        throw new Error(`no ${qualification.chosen} ES at ${policy.level} for ${p.name}`);
      derivation = parameterTarget(policy, {
        es: { worse: metric.es, long: metric.details.sides.long.es, method: metric.method },
        liquidity,
        maintenanceTarget,
        returns: inputs.returns,
        funding: [],
        atmVol: null,
      });
      risk = {
        method: metric.method,
        level: metric.level,
        horizonDays: metric.horizonDays,
        side: policy.kind === "es-haircut" ? "long" : "worse",
        var: policy.kind === "es-haircut" ? metric.details.sides.long.var : metric.var,
        es: policy.kind === "es-haircut" ? metric.details.sides.long.es : metric.es,
        sampleSize: metric.sampleSize,
        windowFrom: metric.windowFrom,
        windowTo: metric.windowTo,
        worstLoss: metric.details.worstLoss,
        worstLossDay: metric.details.worstLossDay,
        previousEs:
          h === 1 && policy.kind !== "es-haircut"
            ? (input.previousEs.get(`${metric.method}:${metric.level}`) ?? null)
            : null,
        otherMethodsEs: input.risk
          .filter(
            (m) => m.level === metric.level && m.horizonDays === h && m.method !== metric.method,
          )
          .map((m) => (policy.kind === "es-haircut" ? m.details.sides.long.es : m.es)),
      };
    } else {
      const sample =
        policy.kind === "funding-cap" ? inputs.funding(policy.lookbackDays) : undefined;
      if (sample && policy.kind === "funding-cap") {
        funding.set(p.name, sample);
        fundingEvidence = sample;
      }
      derivation = parameterTarget(policy, {
        liquidity,
        returns: inputs.returns,
        funding: sample?.rates ?? [],
        atmVol: policy.kind === "scan-range" ? inputs.atmVol(policy.horizonDays) : null,
      });
    }
    if (policy.kind === "es-margin") maintenanceTarget = derivation.target;
    const outcome = applyGuardrails({
      current: state.value,
      target: derivation.target,
      min: p.min,
      max: p.max,
      step: policy.step,
      guardrails: policy.guardrails,
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
          market: market.id,
          parameter: p.name,
          current: state.value,
          derivation,
          outcome,
          policy,
          qualification,
          risk,
          liquidity:
            policy.kind === "es-margin" || policy.kind === "es-haircut" ? liquidity : undefined,
          funding: fundingEvidence,
          window: { from: inputs.windowFrom, to: inputs.windowTo, returns: inputs.returns.length },
          ...(input.models
            ? {
                models: {
                  evidence: input.models,
                  indexWarning: market.modelRiskIndexWarning ?? DEFAULT_INDEX_WARNING,
                },
              }
            : {}),
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
        // The add-on's source and walk (both sides), and the funding samples' extent.
        liquidity,
        funding: Object.fromEntries(
          [...funding].map(([k, s]) => [
            k,
            { from: s.from, to: s.to, n: s.rates.length, sources: s.sources },
          ]),
        ),
        ...(input.models ? { models: input.models } : {}),
      },
    },
  };
}
