// One run of the loop: ingest → calibrate → assess → propose per market, each stage timed and
// recorded, then everything persisted in one transaction. Idempotent per run key.
import { performance } from "node:perf_hooks";
import {
  codeVersion,
  configHash,
  type MarketConfig,
  type MarketId,
  type VigilConfig,
} from "../config";
import type { MarketSource } from "../market/types";
import type { Db } from "../../db/client";
import { ensureMarkets, parameterStates, previousEs } from "../../db/queries/parameters";
import { svHistory } from "../../db/queries/models";
import { storedHistory } from "../../db/queries/priceHistory";
import {
  persistRun,
  recordFailedRun,
  runSummaryByKey,
  type RunHeader,
} from "../../db/queries/runs";
import { assess } from "./assess";
import { calibrate } from "./calibrate";
import { ingest, StageError } from "./ingest";
import { calibrateModels, type ModelsOutcome } from "./models";
import { policyInputs } from "./policyInputs";
import { DEFAULT_INDEX_WARNING, propose } from "./propose";
import type { ModelEvidence } from "../governance/rationale";
import type { MarketOutcome, RunSummary, StageName, Status } from "./types";

export interface RunRequest {
  job: string;
  /** Schedule slot (or the replayed time): with the job it forms the run key. */
  slot: Date;
  asOf: Date;
  trigger: "cron" | "cli" | "scheduler" | "backfill";
  markets?: MarketId[];
}

export function runKeyOf(req: Pick<RunRequest, "job" | "slot" | "markets">): string {
  const base = `${req.job}:${req.slot.toISOString()}`;
  return req.markets?.length ? `${base}:${[...req.markets].sort().join(",")}` : base;
}

/** Executes (or, when its key has run before, returns) one run. */
export async function executeRun(
  db: Db,
  source: MarketSource,
  config: VigilConfig,
  req: RunRequest,
): Promise<RunSummary> {
  const selected = selectMarkets(config, req.markets);
  const runKey = runKeyOf(req);
  const existing = await runSummaryByKey(db, runKey);
  if (existing) return existing;
  await ensureMarkets(db, config);
  const header: RunHeader = {
    runKey,
    job: req.job,
    slot: req.slot,
    asOf: req.asOf,
    trigger: req.trigger,
    codeVersion: codeVersion(),
    configHash: configHash(config),
    config,
    startedAt: new Date(),
  };
  const outcomes: MarketOutcome[] = [];
  for (const market of selected) outcomes.push(await runMarket(db, source, market, req.asOf));
  const { status, reason } = overallStatus(outcomes);
  try {
    const summary = await persistRun(db, header, status, reason, outcomes, config);
    return summary ?? (await runSummaryByKey(db, runKey))!;
  } catch (err) {
    const why = `could not record the run: ${rootCause(err)}`;
    await recordFailedRun(db, header, why).catch(() => null);
    const stored = await runSummaryByKey(db, runKey).catch(() => null);
    if (stored) return stored;
    throw err;
  }
}

export function selectMarkets(config: VigilConfig, ids?: MarketId[]): MarketConfig[] {
  if (!ids?.length) return config.markets;
  return ids.map((id) => {
    const m = config.markets.find((c) => c.id === id);
    if (!m)
      throw new Error(
        `unknown market '${id}' (configured: ${config.markets.map((c) => c.id).join(", ")})`,
      );
    return m;
  });
}

async function runMarket(
  db: Db,
  source: MarketSource,
  market: MarketConfig,
  asOf: Date,
): Promise<MarketOutcome> {
  const outcome: MarketOutcome = {
    market: market.id,
    status: "succeeded",
    reason: null,
    stages: [],
    considered: [],
  };
  const stage = async <T>(
    name: StageName,
    fn: () => Promise<T> | T,
    summarize: (r: T) => Record<string, unknown>,
  ) => {
    await nextMacrotask();
    const startedAt = Date.now();
    const t0 = performance.now();
    try {
      const r = await fn();
      outcome.stages.push({
        stage: name,
        status: "ok",
        startedAt,
        durationMs: performance.now() - t0,
        summary: summarize(r),
      });
      return r;
    } catch (err) {
      const status = err instanceof StageError ? err.status : "failed";
      const message = err instanceof Error ? err.message : String(err);
      outcome.stages.push({
        stage: name,
        status,
        startedAt,
        durationMs: performance.now() - t0,
        summary: { error: message },
      });
      // Every failing stage is named; the worse status wins.
      if (outcome.status !== "failed") outcome.status = status;
      outcome.reason = outcome.reason
        ? `${outcome.reason}; ${name}: ${message}`
        : `${name}: ${message}`;
      return undefined;
    }
  };
  const skip = (names: StageName[]) => {
    for (const name of names) {
      outcome.stages.push({
        stage: name,
        status: "skipped",
        startedAt: Date.now(),
        durationMs: 0,
        summary: { reason: outcome.reason },
      });
    }
  };

  const stored = await storedHistory(db, market.id);
  const ing = await stage(
    "ingest",
    () => ingest(source, market, asOf.getTime(), stored),
    (r) => ({
      source: r.snapshot.source,
      capturedAt: new Date(r.snapshot.capturedAt).toISOString(),
      snapshotAgeHours: r.quality.dataAgeMs / 3_600_000,
      indexPrice: r.snapshot.indexPrice,
      options: r.snapshot.options.length,
      usable: r.quality.quotes.usable,
      usableExpiries: r.quality.usableExpiries,
      dropped: r.quality.dropped,
      warnings: r.quality.warnings,
      gate: r.gate,
      historyDays: r.history.length,
      historyLastDay: r.history.at(-1)?.day ?? null,
      historyAdded: r.historyAdded.length,
      historyRevisions: r.historyRevisions.length,
      snapshotHash: r.snapshotHash,
      inputHash: r.inputHash,
    }),
  );
  if (!ing) {
    skip(["calibrate", "assess", "propose"]);
    return outcome;
  }
  outcome.ingest = ing;
  if (ing.gate.length > 0) {
    // Untrusted data: recorded with its quality report, never calibrated, never proposed from.
    // The history-based risk numbers are still computed as evidence.
    const message = ing.gate.join("; ");
    outcome.stages[0].status = "degraded";
    outcome.status = "degraded";
    outcome.reason = `ingest: ${message}`;
    skip(["calibrate"]);
  } else {
    const cal = await stage(
      "calibrate",
      async () => {
        const c = calibrate(market, ing.clean);
        // Heston/Bates, their regime state and the model-risk basket: diagnostics beside the
        // published surface, recorded with their status and never failing the run.
        const history = await svHistory(db, market.id, asOf).catch(() => null);
        await nextMacrotask();
        c.models = safeModels(() =>
          calibrateModels(c.ivs, c.fits[0], history ?? { heston: [], bates: [] }, {
            asOf: asOf.toISOString(),
            indexWarning: market.modelRiskIndexWarning ?? DEFAULT_INDEX_WARNING,
          }),
        );
        return c;
      },
      ({ ivs, fits, models }) => ({
        used: ivs.used,
        dropped: ivs.dropped,
        atm30d: ivs.atm30d,
        expiries: ivs.expiries.map((e) => ({
          expiry: new Date(e.expiry).toISOString(),
          t: e.t,
          forward: e.forward,
          atmVol: e.atmVol,
          quotes: e.points.length,
        })),
        // The representation (grid time values) is stored with the surface, not in the summary.
        surfaces: fits.map(({ model, surface: { representation: _rep, ...d } }) => ({
          model,
          ...d,
          representationStored: _rep != null,
        })),
        mark: fits[0].mark ?? null,
        models: models ? modelsSummary(models) : null,
      }),
    );
    if (cal) outcome.calibration = cal;
  }
  const report = await stage(
    "assess",
    () => assess(market, ing.history, outcome.calibration?.fits[0]),
    (r) => ({
      metrics: r.metrics.map(
        ({ method, level, horizonDays, var: v, es, sampleSize, windowFrom, windowTo }) => ({
          method,
          level,
          horizonDays,
          var: v,
          es,
          sampleSize,
          windowFrom,
          windowTo,
        }),
      ),
      methodErrors: r.methodErrors,
      stress: r.stress,
      // Which method drives each parameter, why, and the model-risk spread (market page chart).
      qualification: r.qualification,
      backtests: r.backtests.map((b) => ({
        method: b.method,
        level: b.level,
        days: b.days,
        side: b.side,
        exceptions: b.exceptions,
        zone: b.trafficLight?.zone ?? null,
        kupiecP: b.kupiec.pValue,
        errors: b.errors.length,
      })),
    }),
  );
  const risk = report?.metrics;
  if (report) {
    outcome.risk = report.metrics;
    outcome.backtests = report.backtests;
  }
  if (outcome.status !== "succeeded" || !risk) {
    skip(["propose"]);
    return outcome;
  }
  const models = outcome.calibration?.models;
  const state = await parameterStates(db, market.id, asOf);
  const prev = await previousEs(db, market.id, asOf);
  const proposed = await stage(
    "propose",
    () =>
      propose({
        market,
        risk,
        backtests: outcome.backtests ?? [],
        state,
        previousEs: prev,
        asOf: asOf.getTime(),
        inputs: policyInputs(
          market,
          ing.history,
          ing.snapshot,
          outcome.calibration?.fits[0],
          asOf.getTime(),
        ),
        models: models ? modelEvidence(models) : undefined,
      }),
    (r) => ({
      considered: r.considered.map((c) => ({
        parameter: c.name,
        current: c.current,
        target: c.derivation.target,
        formula: c.derivation.formula,
        proposed: c.outcome.proposed,
        reason: c.outcome.reason,
        trace: c.outcome.trace,
      })),
      proposal: r.proposal ? true : false,
    }),
  );
  if (proposed) {
    outcome.considered = proposed.considered;
    outcome.proposal = proposed.proposal;
  }
  return outcome;
}

/** A failure of the model diagnostics is recorded in place of their results, never thrown. */
function safeModels(fn: () => ModelsOutcome): ModelsOutcome {
  try {
    return fn();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      fits: {},
      ms: 0,
      modelRisk: {
        status: "failed",
        reason,
        paths: 0,
        seed: 0,
        ms: 0,
        warningThreshold: NaN,
        index: null,
        meanRelativeRange: null,
        adjustedIndex: null,
        prices: {},
        claims: null,
        unpriced: {},
        vanillaMisfit: null,
      },
    };
  }
}

/** The calibrate summary's view of the models (the full fits are stored as surfaces rows). */
function modelsSummary(m: ModelsOutcome): Record<string, unknown> {
  return {
    ms: m.ms,
    fits: Object.fromEntries(
      Object.entries(m.fits).map(([model, f]) => [
        model,
        {
          status: f.status,
          start: f.start,
          reason: f.reason ?? null,
          params: f.params,
          stdErrors: f.stdErrors,
          feller: f.feller,
          rmseVolPts: f.rmseVolPts,
          insideSpreadShare: f.insideSpreadShare,
          fitMs: f.fitMs,
          regime: f.regime && {
            status: f.regime.status,
            steps: f.regime.steps,
            flagged: f.regime.flagged,
            standardized: f.regime.standardized,
            lastFlag: f.regime.flags.at(-1)?.asOf ?? null,
          },
        },
      ]),
    ),
    modelRisk: m.modelRisk,
  };
}

/** What a proposal's rationale cites of the models: a flagged regime, the model-risk index. */
function modelEvidence(m: ModelsOutcome): ModelEvidence {
  const flagged = Object.values(m.fits).flatMap((f) =>
    f.regime?.flagged
      ? [
          {
            model: f.model,
            since: f.regime.flags.at(-1)?.asOf ?? null,
            parameters: f.regime.flags.at(-1)?.parameters ?? [],
          },
        ]
      : [],
  );
  return { flagged, modelRiskIndex: m.modelRisk.index };
}

/** The innermost cause's message: drivers wrap the database's own words in "Failed query: …". */
/**
 * Stages are long synchronous numerics, and on PGlite every query resolves as a microtask, so a
 * whole run would otherwise hold the event loop for seconds: a server's other requests and any
 * timer (a fetch timeout, a test runner's heartbeat) would wait. Each stage starts on a fresh turn.
 */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

function rootCause(err: unknown): string {
  let e = err;
  while (e instanceof Error && e.cause !== undefined) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

export function overallStatus(outcomes: MarketOutcome[]): {
  status: Status;
  reason: string | null;
} {
  const bad = outcomes.filter((o) => o.status !== "succeeded");
  if (bad.length === 0) return { status: "succeeded", reason: null };
  const reason = bad.map((o) => `${o.market}: ${o.reason}`).join("; ");
  return {
    status:
      bad.length === outcomes.length && bad.every((o) => o.status === "failed")
        ? "failed"
        : "degraded",
    reason,
  };
}
