// Plain-words rationale of a proposal, generated from the evidence: which metric, its value,
// the window it came from, what the policy wanted and what the guardrails allowed.
import type { ParameterPolicy, StepLimit } from "../config";
import type { FundingSample } from "../market/funding";
import { pct, pp, riskMethodName } from "../format";
import type { RiskMethod } from "../quant/riskMethods";
import type { Qualification } from "../risk/qualification";
import type { LiquidityAddOn, TargetDerivation } from "../risk/policies";
import type { GuardrailOutcome } from "./policy";

export interface RationaleInput {
  market: string;
  parameter: string;
  current: number;
  derivation: TargetDerivation;
  outcome: GuardrailOutcome;
  policy: ParameterPolicy;
  /** Which method drives the target and why; the model-risk spread (lib/risk/qualification). */
  qualification?: Qualification;
  /** Regime flags of the calibrated Heston/Bates parameters and the model-risk index. */
  models?: { evidence: ModelEvidence; indexWarning: number };
  /** ES policies: the metric that drives the target. */
  risk?: {
    method: RiskMethod;
    level: number;
    horizonDays: number;
    /** "worse": the worse of long and short (margins); "long": a long position (collateral). */
    side: "worse" | "long";
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
  /** Margin and haircut: where the liquidity add-on came from. */
  liquidity?: LiquidityAddOn;
  /** Funding cap: the sample's extent and sources. */
  funding?: FundingSample;
  /** The daily-return window the move-based policies read. */
  window?: { from: string; to: string; returns: number };
}

/** "25 % of the current value" or "0.50 pp". */
export function stepLimitText(limit: StepLimit): string {
  return limit.kind === "relative"
    ? `${pct(limit.value, 0)} of the current value`
    : pp(limit.value).replace("+", "");
}

export function proposalRationale(r: RationaleInput): string {
  const { derivation: d, outcome: o, policy: p, risk } = r;
  const parts: string[] = [];
  if (risk) {
    const level = pct(risk.level, 1);
    parts.push(
      `${r.market}: ${risk.horizonDays}-day Expected Shortfall at ${level} of ` +
        (risk.side === "long" ? "a long position" : "the worse side (long or short") +
        `${risk.side === "long" ? "" : ")"} (simple returns) by ${riskMethodName(risk.method)} over ` +
        `${risk.sampleSize} daily returns (${risk.windowFrom} to ${risk.windowTo}) is ${pct(risk.es)}` +
        (risk.previousEs === null
          ? ""
          : pct(risk.es) === pct(risk.previousEs)
            ? ", unchanged from the previous run"
            : `, ${risk.es > risk.previousEs ? "up" : "down"} from ${pct(risk.previousEs)} in the previous run`) +
        `; VaR at ${level} is ${pct(risk.var)} and the worst daily loss in the window was ` +
        `${pct(risk.worstLoss)} on ${risk.worstLossDay}.`,
    );
  }
  if (r.qualification) parts.push(...qualificationSentences(r.qualification));
  if (r.models) parts.push(...modelSentences(r.models.evidence, r.models.indexWarning));
  if (r.liquidity) parts.push(`Liquidity add-on: ${r.liquidity.detail}.`);
  if (r.funding)
    parts.push(
      `${r.market}: the funding sample holds ${r.funding.rates.length} 8-hour periods from ` +
        `${r.funding.from} to ${r.funding.to} (${r.funding.sources.join(", ")})` +
        (r.funding.ageDays > 2
          ? `; the record ends ${Math.round(r.funding.ageDays)} days before this run, so the cap ` +
            `rests on that period's funding regime.`
          : "."),
    );
  if (!risk && !r.funding && r.window)
    parts.push(
      `${r.market}: ${r.window.returns} daily returns from ${r.window.from} to ${r.window.to}.`,
    );
  if (p.kind === "vol-shock")
    parts.push(
      "The EWMA volatility is a realised-volatility stand-in for implied vol (no daily " +
        "implied-vol history covers the window).",
    );
  parts.push(
    `Policy (${p.kind}): ${d.formula}; the target for ${r.parameter} is ${pct(d.target)} ` +
      `(rounded up from ${pct(d.unrounded, 3)}), against the current ${pct(r.current)}.`,
  );
  if (o.proposed === null) {
    parts.push(`No change is proposed: ${o.reason}.`);
  } else if (o.reason === "target capped by the maximum change") {
    const up = o.proposed > r.current;
    const limit = up ? p.guardrails.maxIncrease : p.guardrails.maxDecrease;
    parts.push(
      `The guardrail allows ${up ? "an increase" : "a decrease"} of at most ${stepLimitText(limit)} per update, so Vigil ` +
        `proposes ${pct(o.proposed)} (${pp(o.proposed - r.current)}); later runs can continue ` +
        `toward the target.`,
    );
  } else {
    parts.push(`Vigil proposes ${pct(o.proposed)} (${pp(o.proposed - r.current)}).`);
  }
  if (risk)
    parts.push(
      `Confidence: the estimate rests on ${risk.sampleSize} daily returns, about ` +
        `${(risk.sampleSize * (1 - risk.level)).toFixed(1)} of them in the ${pct(risk.level, 1)} tail` +
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
