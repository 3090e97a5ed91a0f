import type { MarketId } from "../config";
import type { ChainIvs } from "../market/impliedVols";
import type { BacktestResult } from "../quant/backtests";
import type { RiskMethod, Side } from "../quant/riskMethods";
import type { SurfaceFit } from "../quant/surface";
import type { MergedHistory } from "../market/history";
import type { DataQualityReport } from "../market/quality";
import type { DailyPrice, Snapshot } from "../market/types";
import type { GuardrailOutcome } from "../governance/policy";
import type { TargetDerivation } from "../risk/policies";
import type { ModelsOutcome } from "./models";

export type StageName = "ingest" | "calibrate" | "assess" | "propose";
export type Status = "succeeded" | "degraded" | "failed";
/** A run is `running` while a worker holds its lease, `abandoned` once the lease has passed. */
export const RUN_STATUSES = ["running", "succeeded", "degraded", "failed", "abandoned"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface StageRecord {
  stage: StageName;
  status: "ok" | "degraded" | "failed" | "skipped";
  startedAt: number;
  durationMs: number;
  summary: Record<string, unknown>;
}

export interface IngestResult {
  /** The snapshot as the source delivered it (stored as captured). */
  snapshot: Snapshot;
  /** The same snapshot with only the quotes that passed cleaning: what calibration reads. */
  clean: Snapshot;
  quality: DataQualityReport;
  /** Why the data must not feed a proposal (stale, too thin); empty when it may. */
  gate: string[];
  snapshotHash: string;
  /** Stored history extended by the source's, oldest first. */
  history: DailyPrice[];
  /** Days the source returned that were not stored yet: appended with the run. */
  historyAdded: DailyPrice[];
  /** Stored days the source now prices differently (the stored price is kept). */
  historyRevisions: MergedHistory["revisions"];
  /** Hash of everything the run read for this market: the snapshot and the price history. */
  inputHash: string;
}

/** What the calibrate stage produced: quote IVs and the fitted surfaces (published first). */
export interface Calibration {
  ivs: ChainIvs;
  fits: SurfaceFit[];
  /** Heston/Bates fits, their regime state and the model-risk basket (diagnostics, never a gate). */
  models?: ModelsOutcome;
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
  /** var/es: the worse side's (the margin-relevant figures). */
  details: {
    worseSide: Side;
    sides: Record<Side, { var: number; es: number }>;
    /** The largest daily loss of either side in the window (simple return), and its side. */
    worstLoss: number;
    worstLossDay: string;
    worstLossSide: Side;
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
  /** When the value in force took effect (genesis or the last execution), ms. */
  lastChangeAt: number;
  /** When the committee last rejected a proposal changing it (quorum reached), ms; null: never. */
  lastRejectAt: number | null;
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
  status: RunStatus;
  reason: string | null;
  asOf: string;
  /** The market source's name (replay, deribit, simulator:<seed>). */
  source: string | null;
  /** true when the run key had already been run and this is its stored record */
  replayed: boolean;
  markets: {
    market: MarketId;
    status: Status;
    reason: string | null;
    quotes: { used: number; dropped: number };
    /** Proposals this run opened. */
    proposals: number[];
    /** Open or approved proposals this run wanted again (no duplicate opened). */
    reaffirmed: number[];
  }[];
}
