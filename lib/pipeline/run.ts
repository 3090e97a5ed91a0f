// One run of the loop: ingest → calibrate → assess → propose per market, each stage timed and
// recorded. A run is claimed by its key (one worker per slot, under a lease it extends), its
// markets are processed with bounded concurrency, each within a deadline and committed in its
// own transaction, and the run is ended once every market is recorded.
import { performance } from "node:perf_hooks";
import {
  codeVersion,
  configHash,
  type MarketConfig,
  type MarketId,
  type VigilConfig,
} from "../config";
import { sourceKindOf } from "../market/sourceKind";
import type { MarketSource } from "../market/types";
import type { Db } from "../../db/client";
import { ensureMarkets, parameterStates, previousEs } from "../../db/queries/parameters";
import { svHistory } from "../../db/queries/models";
import { storedHistory } from "../../db/queries/priceHistory";
import {
  claimRun,
  extendLease,
  finalizeRun,
  persistMarket,
  recordMarketFailure,
  runSummaryById,
  runSummaryByKey,
  type RunRef,
} from "../../db/queries/runs";
import { assess } from "./assess";
import { calibrate } from "./calibrate";
import { DeadlineError, logFailure, publicFailure } from "./failure";
import { ingest, StageError } from "./ingest";
import { calibrateModels, type ModelsOutcome } from "./models";
import { policyInputs } from "./policyInputs";
import { DEFAULT_INDEX_WARNING, propose } from "./propose";
import type { ModelEvidence } from "../governance/rationale";
import type { MarketOutcome, RunSummary, StageName } from "./types";

export interface RunRequest {
  job: string;
  /** Schedule slot (or the replayed time): with the job it forms the run key. */
  slot: Date;
  asOf: Date;
  trigger: "cron" | "cli" | "scheduler" | "backfill";
  markets?: MarketId[];
}

/**
 * The cron route's `maxDuration` (app/api/cron/run/route.ts; Next reads it as a literal there).
 * A market's default budget leaves a minute of it for claiming, recording and ending the run.
 */
export const CRON_MAX_DURATION_MS = 300_000;
export const DEFAULT_RUN_DEADLINE_MS = CRON_MAX_DURATION_MS - 60_000;

export interface RunSettings {
  /** Budget of one market's work (fetches with their retries, and computation), ms. */
  deadlineMs: number;
  /** Markets processed at once. */
  concurrency: number;
  /** How long a worker's claim on a run lasts without being extended, ms. */
  leaseMs: number;
}

/** RUN_DEADLINE_MS, RUN_CONCURRENCY and RUN_LEASE_MS; a bad value is an error naming it. */
export function runSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): RunSettings {
  const int = (name: string, fallback: number, min: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new Error(`${name} must be an integer of at least ${min} (got '${raw}')`);
    }
    return n;
  };
  return {
    deadlineMs: int("RUN_DEADLINE_MS", DEFAULT_RUN_DEADLINE_MS, 1),
    concurrency: int("RUN_CONCURRENCY", 2, 1),
    leaseMs: int("RUN_LEASE_MS", 60_000, 1000),
  };
}

/** Processes one market of a claimed run: in-process, or in another function invocation. */
export type MarketDispatch = (run: RunRef, market: MarketConfig) => Promise<void>;

export interface RunOptions {
  settings?: RunSettings;
  dispatch?: MarketDispatch;
}

export function runKeyOf(req: Pick<RunRequest, "job" | "slot" | "markets">): string {
  const base = `${req.job}:${req.slot.toISOString()}`;
  return req.markets?.length ? `${base}:${[...req.markets].sort().join(",")}` : base;
}

/**
 * Executes one run, or returns the stored one: a finished key, or a key another worker is
 * running under a live lease, is not run again. An abandoned run of the key (its worker died) is
 * taken over and only the markets it lacks are run.
 */
export async function executeRun(
  db: Db,
  source: MarketSource,
  config: VigilConfig,
  req: RunRequest,
  opts: RunOptions = {},
): Promise<RunSummary> {
  const settings = opts.settings ?? runSettingsFromEnv();
  const selected = selectMarkets(config, req.markets);
  const runKey = runKeyOf(req);
  const existing = await runSummaryByKey(db, runKey);
  if (existing && existing.status !== "abandoned") return existing;
  const claim = await claimRun(
    db,
    {
      runKey,
      job: req.job,
      slot: req.slot,
      asOf: req.asOf,
      trigger: req.trigger,
      codeVersion: codeVersion(),
      configHash: configHash(config),
      config,
      startedAt: new Date(),
      source: source.name,
      markets: selected.map((m) => m.id),
    },
    settings.leaseMs,
  );
  if (claim.kind === "taken") return claim.summary;
  const run = claim.run;
  await ensureMarkets(db, config);
  const dispatch: MarketDispatch =
    opts.dispatch ?? ((r, m) => recordMarket(db, source, config, r, m, settings.deadlineMs));
  const todo = selected.filter((m) => !claim.done.includes(m.id));
  await withLease(db, run.id, settings.leaseMs, () =>
    mapBounded(todo, settings.concurrency, async (m) => {
      try {
        await dispatch(run, m);
      } catch (err) {
        // The market stays without a result: the run is abandoned after its lease and the next
        // delivery of the slot runs that market again.
        logFailure(`run ${run.id} ${m.id}: dispatch`, err);
      }
    }),
  );
  await finalizeRun(db, run.id);
  return (await runSummaryById(db, run.id, false))!;
}

/**
 * One market of a run, start to end: computed within its deadline, then committed in its own
 * transaction; when recording fails, the market alone is recorded failed with a public reason
 * (the full error goes to the server log).
 */
export async function recordMarket(
  db: Db,
  source: MarketSource,
  config: VigilConfig,
  run: RunRef,
  market: MarketConfig,
  deadlineMs: number,
): Promise<void> {
  const outcome = await runMarket(db, source, market, run.asOf, deadlineMs);
  try {
    await persistMarket(db, run, outcome, config);
  } catch (err) {
    logFailure(`run ${run.id} ${market.id}: recording`, err);
    await recordMarketFailure(
      db,
      run.id,
      market.id,
      publicFailure(err, "could not record the market's results"),
    );
  }
}

/** Runs `fn` while extending the run's lease every third of it. */
export async function withLease<T>(
  db: Db,
  runId: number,
  leaseMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const timer = setInterval(() => {
    extendLease(db, runId, leaseMs).catch((err) => logFailure(`run ${runId}: lease`, err));
  }, leaseMs / 3);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** Applies `fn` to every item, at most `limit` at a time. */
async function mapBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
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

/**
 * Computes one market within `deadlineMs`: the deadline aborts the source's requests and waits,
 * and a stage still running when it passes (or any stage after it) ends the market `failed` with
 * a reason starting `deadline:`.
 */
async function runMarket(
  db: Db,
  source: MarketSource,
  market: MarketConfig,
  asOf: Date,
  deadlineMs: number,
): Promise<MarketOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(
    () =>
      controller.abort(
        new DeadlineError(`the market's work did not finish within ${deadlineMs} ms`),
      ),
    deadlineMs,
  );
  try {
    return await computeMarket(db, source, market, asOf, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function computeMarket(
  db: Db,
  source: MarketSource,
  market: MarketConfig,
  asOf: Date,
  signal: AbortSignal,
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
    if (signal.aborted && outcome.status === "failed") {
      skip([name]);
      return undefined;
    }
    try {
      signal.throwIfAborted();
      const r = await untilAborted(Promise.resolve().then(fn), signal);
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
      // A degraded stage's message is its own gate's; a failure is published by category only.
      const message =
        status === "degraded" ? `${name}: ${(err as Error).message}` : publicFailure(err, name);
      if (message.startsWith("internal:") || message.startsWith("database:")) {
        logFailure(`${market.id} ${name}`, err);
      }
      outcome.stages.push({
        stage: name,
        status,
        startedAt,
        durationMs: performance.now() - t0,
        summary: { error: message },
      });
      // Every failing stage is named; the worse status wins, and a failure's reason leads.
      if (status === "failed") {
        outcome.reason = outcome.reason ? `${message}; ${outcome.reason}` : message;
      } else {
        outcome.reason = outcome.reason ? `${outcome.reason}; ${message}` : message;
      }
      if (outcome.status !== "failed") outcome.status = status;
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

  const ing = await stage(
    "ingest",
    async () =>
      ingest(
        source,
        market,
        asOf.getTime(),
        await storedHistory(db, market.id, sourceKindOf(source.name)),
        signal,
      ),
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
        signal.throwIfAborted();
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

/**
 * Stages are long synchronous numerics, and on PGlite every query resolves as a microtask, so a
 * whole run would otherwise hold the event loop for seconds: a server's other requests and any
 * timer (a fetch timeout, the deadline, a test runner's heartbeat) would wait. Each stage starts
 * on a fresh turn.
 */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `p`, or the abort reason as soon as `signal` aborts (a step that ignores the signal). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
