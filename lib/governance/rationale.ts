// Plain-words rationale of a proposal, generated from the evidence: which metric, its value,
// the window it came from, what the policy wanted and what the guardrails allowed.
import type { EsMarginPolicy, StepLimit } from "../config";
import { pct, pp, riskMethodName } from "../format";
import type { RiskMethod } from "../quant/riskMethods";
import type { Qualification } from "../risk/qualification";
import type { GuardrailOutcome, TargetDerivation } from "./policy";

export interface RationaleInput {
  market: string;
  parameter: string;
  current: number;
  derivation: TargetDerivation;
  outcome: GuardrailOutcome;
  policy: EsMarginPolicy;
  /** Which method drives the target and why; the model-risk spread (lib/risk/qualification). */
  qualification?: Qualification;
  /** Regime flags of the calibrated Heston/Bates parameters and the model-risk index. */
  models?: { evidence: ModelEvidence; indexWarning: number };
  risk: {
    /** The method whose h-day ES drives the target, and h. */
    method: RiskMethod;
    horizonDays: number;
    var: number;
    es: number;
    sampleSize: number;
    windowFrom: string;
    windowTo: string;
    worstLoss: number;
    worstLossDay: string;
    previousEs: number | null;
    /** ES at the same level by the other methods: their spread is the model risk. */
    otherMethodsEs: number[];
  };
}

/** "25 % of the current value" or "0.50 pp". */
export function stepLimitText(limit: StepLimit): string {
  return limit.kind === "relative"
    ? `${pct(limit.value, 0)} of the current value`
    : pp(limit.value).replace("+", "");
}

export function proposalRationale(r: RationaleInput): string {
  const { derivation: d, outcome: o, policy: p, risk } = r;
  const level = pct(p.level, 1);
  const parts: string[] = [];
  const h = risk.horizonDays;
  parts.push(
    `${r.market}: ${h}-day Expected Shortfall at ${level} of the worse side (long or short, ` +
      `simple returns) by ${riskMethodName(risk.method)} over ` +
      `${risk.sampleSize} daily returns (${risk.windowFrom} to ${risk.windowTo}) is ${pct(risk.es)}` +
      (risk.previousEs === null
        ? ""
        : pct(risk.es) === pct(risk.previousEs)
          ? ", unchanged from the previous run"
          : `, ${risk.es > risk.previousEs ? "up" : "down"} from ${pct(risk.previousEs)} in the previous run`) +
      `; VaR at ${level} is ${pct(risk.var)} and the worst daily loss in the window was ` +
      `${pct(risk.worstLoss)} on ${risk.worstLossDay}.`,
  );
  if (r.qualification) parts.push(...qualificationSentences(r.qualification));
  if (r.models) parts.push(...modelSentences(r.models.evidence, r.models.indexWarning));
  parts.push(
    (h === 1
      ? "With a 1-day liquidation horizon and a "
      : `With a ${h}-day liquidation horizon (the simulated ${h}-day ES itself, not a √${h}-scaled ` +
        "1-day one) and a ") +
      `liquidity add-on of ${pct(d.liquidityAddOn)}, the policy target for ` +
      `${r.parameter} is ${pct(d.target)} (rounded up from ${pct(d.unrounded, 3)}), against the ` +
      `current ${pct(r.current)}.`,
  );
  if (o.proposed === null) {
    parts.push(`No change is proposed: ${o.reason}.`);
  } else if (o.reason === "target capped by the maximum change") {
    const up = o.proposed > r.current;
    const limit = up ? p.guardrails.maxIncrease : p.guardrails.maxDecrease;
    parts.push(
      `The guardrail allows an ${up ? "increase" : "decrease"} of at most ${stepLimitText(limit)} per update, so Vigil ` +
        `proposes ${pct(o.proposed)} (${pp(o.proposed - r.current)}); later runs can continue ` +
        `toward the target.`,
    );
  } else {
    parts.push(`Vigil proposes ${pct(o.proposed)} (${pp(o.proposed - r.current)}).`);
  }
  parts.push(
    `Confidence: the estimate rests on ${risk.sampleSize} daily returns, about ` +
      `${(risk.sampleSize * (1 - p.level)).toFixed(1)} of them in the ${level} tail` +
      (risk.otherMethodsEs.length
        ? `; the other methods give ES between ${pct(Math.min(...risk.otherMethodsEs))} and ` +
          `${pct(Math.max(...risk.otherMethodsEs))}.`
        : "."),
  );
  return parts.join(" ");
}

const points = (x: number) => `${(x * 100).toFixed(2)} pp`;

/** Which method drives the target and why, and the model-risk spread with its warning. */
export function qualificationSentences(q: Qualification): string[] {
  const out = [q.why];
  const all = q.spread.all;
  const qual = q.spread.qualified;
  if (all) {
    out.push(
      `Model risk: the ${q.horizonDays}-day ES at ${pct(q.level, 1)} spans ${pct(all.min)} ` +
        `(${riskMethodName(all.minMethod)}) to ${pct(all.max)} (${riskMethodName(all.maxMethod)}) ` +
        `across all methods` +
        (qual
          ? ` and ${pct(qual.min)} to ${pct(qual.max)} across the qualified ones.`
          : "; no method qualifies."),
    );
  }
  if (q.warning && all) {
    out.push(
      `WARNING: the spread across methods (${points(all.range)}) exceeds the configured ` +
        `${points(q.warningThreshold)}: the methods disagree and the target rests on the choice of model.`,
    );
  }
  return out;
}

/** The models' evidence a rationale cites (lib/pipeline/models, lib/risk/svRegime). */
export interface ModelEvidence {
  /** Models whose parameters are in a CUSUM-flagged regime: the last flag and its parameters. */
  flagged: { model: string; since: string | null; parameters: string[] }[];
  /** Dispersion of the exotic basket's prices across models (null: not computed). */
  modelRiskIndex: number | null;
}

/** A flagged parameter regime and a high model-risk index, each said when it applies. */
export function modelSentences(e: ModelEvidence, indexWarning: number): string[] {
  const out: string[] = [];
  for (const f of e.flagged) {
    out.push(
      `REGIME: the calibrated ${f.model} parameters shifted` +
        (f.parameters.length ? ` (${f.parameters.join(", ")})` : "") +
        (f.since ? ` at the run of ${f.since.slice(0, 16).replace("T", " ")} UTC` : "") +
        `; this proposal is made during a flagged regime, when the history behind the estimate ` +
        `may no longer describe the market.`,
    );
  }
  if (e.modelRiskIndex !== null && e.modelRiskIndex > indexWarning) {
    out.push(
      `WARNING: the model-risk index is ${pct(e.modelRiskIndex, 1)} (above the configured ` +
        `${pct(indexWarning, 1)}): models fitted to the same option quotes disagree on ` +
        `path-dependent prices.`,
    );
  }
  return out;
}
