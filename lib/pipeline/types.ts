import type { MarketId } from "../config";
import type { ChainIvs } from "../market/impliedVols";
import type { BacktestResult } from "../quant/backtests";
import type { RiskMethod } from "../quant/riskMethods";
import type { SurfaceFit } from "../quant/surface";
import type { DailyPrice, Snapshot } from "../market/types";
import type { GuardrailOutcome, TargetDerivation } from "../governance/policy";

export type StageName = "ingest" | "calibrate" | "assess" | "propose";
export type Status = "succeeded" | "degraded" | "failed";

export interface StageRecord {
  stage: StageName;
  status: "ok" | "degraded" | "failed" | "skipped";
  startedAt: number;
  durationMs: number;
  summary: Record<string, unknown>;
}

export interface IngestResult {
  snapshot: Snapshot;
  snapshotHash: string;
  history: DailyPrice[];
  /** Hash of everything the run read for this market: the snapshot and the price history. */
  inputHash: string;
  snapshotAgeHours: number;
}

/** What the calibrate stage produced: quote IVs and the fitted surfaces (published first). */
export interface Calibration {
  ivs: ChainIvs;
  fits: SurfaceFit[];
}

export interface RiskMetric {
  method: RiskMethod;
  level: number;
  horizonDays: number;
  var: number;
  es: number;
  sampleSize: number;
  windowFrom: string;
  windowTo: string;
  details: {
    worstLoss: number;
    worstLossDay: string;
    gaps: { from: string; to: string; days: number }[];
    historySources: string[];
    params: Record<string, number | string>;
  };
}

/** Current state of a governed parameter, read before the run. */
export interface ParameterState {
  parameterId: number;
  name: string;
  value: number;
  lastChangeAt: number;
}

export interface ProposedChange {
  parameterId: number;
  name: string;
  current: number;
  derivation: TargetDerivation;
  outcome: GuardrailOutcome;
}

export interface ProposalDraft {
  rationale: string;
  changes: (ProposedChange & { proposed: number })[];
  evidence: Record<string, unknown>;
}

export interface MarketOutcome {
  market: MarketId;
  status: Status;
  reason: string | null;
  stages: StageRecord[];
  ingest?: IngestResult;
  calibration?: Calibration;
  risk?: RiskMetric[];
  backtests?: BacktestResult[];
  considered: ProposedChange[];
  proposal?: ProposalDraft;
}

export interface RunSummary {
  runId: number;
  runKey: string;
  status: Status;
  reason: string | null;
  asOf: string;
  /** true when the run key had already been run and this is its stored record */
  replayed: boolean;
  markets: {
    market: MarketId;
    status: Status;
    reason: string | null;
    quotes: { used: number; dropped: number };
    proposals: number[];
  }[];
}
