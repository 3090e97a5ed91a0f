// Parameters through time (docs/methodology.md §8): the Kalman filter of lib/quant/kalman over a
// market's calibrated Heston or Bates parameter vectors, run after run, and the CUSUM regime flags
// on its standardized innovations. Pure: the pipeline reads the stored history and passes it in.
//
// Coordinates: the strictly positive parameters (v0, κ, θ, σ, σ_J) are filtered in logs, so one
// relative process noise fits parameters whose levels differ by orders of magnitude; ρ, λ and μ_J
// (which may sit at 0 or change sign) stay linear. The calibration covariance (JᵀJ)⁻¹σ̂² is carried
// to logs by the delta method, R_log = D R D with D = diag(1/x).
import { cusumComponents } from "../quant/changePoint";
import { BATES_KEYS, HESTON_KEYS, type SvModel } from "../quant/heston";
import { kalmanFilter, type Matrix } from "../quant/kalman";

/** One stored calibration of a run (null params: the fit failed, the step is predicted only). */
export interface SvObservation {
  runId: number;
  asOf: string;
  params: Record<string, number> | null;
  covariance: Matrix | null;
  /** The fit's error (warm starts compare against it); not used by the filter. */
  rmseVolPts?: number | null;
}

export interface SvRegimeOptions {
  /** Random-walk step per run: relative (log coordinates) and absolute (ρ, λ, μ_J). */
  qRelative?: number;
  qAbsolute?: number;
  /** CUSUM drift and threshold in standard deviations (lib/quant/changePoint). */
  k?: number;
  h?: number;
  /** A run is in a flagged regime when a flag fell on it or on one of the previous runs - 1. */
  windowRuns?: number;
  /** At most this many runs are filtered (the newest). */
  maxRuns?: number;
}

/** Defaults, documented in docs/methodology.md §8 ("In every run"). */
export const SV_REGIME_DEFAULTS: Required<SvRegimeOptions> = {
  qRelative: 0.2,
  qAbsolute: 0.15,
  k: 0.5,
  h: 8,
  windowRuns: 12,
  maxRuns: 200,
};

const LOG_KEYS = new Set(["v0", "kappa", "theta", "sigma", "sigmaJ"]);

export interface SvRegime {
  model: SvModel;
  status: "ok" | "no data" | "failed";
  reason?: string;
  /** Runs filtered (with or without a usable calibration). */
  steps: number;
  /** Run ids filtered, oldest first. */
  runIds: number[];
  /** Filtered parameters after the last run, in natural units, and their standard errors. */
  filtered: Record<string, number> | null;
  filteredStdErr: Record<string, number> | null;
  /** The last run's standardized innovations by parameter (null: none, e.g. the first run). */
  standardized: Record<string, number> | null;
  /** Runs whose innovations crossed the CUSUM threshold, with the parameters that did. */
  flags: { runId: number; asOf: string; parameters: string[] }[];
  /** Whether the last run is within `windowRuns` of a flag. */
  flagged: boolean;
  options: Required<SvRegimeOptions>;
}

/** Filters the history (oldest first; the current run last) and flags regime shifts. */
export function svRegime(
  model: SvModel,
  history: SvObservation[],
  options: SvRegimeOptions = {},
): SvRegime {
  const o = { ...SV_REGIME_DEFAULTS, ...options };
  const keys: readonly string[] = model === "bates" ? BATES_KEYS : HESTON_KEYS;
  const hist = history.slice(-o.maxRuns);
  const base: SvRegime = {
    model,
    status: "ok",
    steps: hist.length,
    runIds: hist.map((h) => h.runId),
    filtered: null,
    filteredStdErr: null,
    standardized: null,
    flags: [],
    flagged: false,
    options: o,
  };
  const z: (number[] | null)[] = [];
  const r: (Matrix | null)[] = [];
  for (const h of hist) {
    const m = measurement(keys, h);
    z.push(m?.z ?? null);
    r.push(m?.r ?? null);
  }
  if (!z.some((v) => v !== null)) return { ...base, status: "no data" };
  const q = keys.map((k, i) =>
    keys.map((_, j) => (i === j ? (LOG_KEYS.has(k) ? o.qRelative : o.qAbsolute) ** 2 : 0)),
  );
  let steps;
  try {
    steps = kalmanFilter(z, r, { q });
  } catch (err) {
    return { ...base, status: "failed", reason: err instanceof Error ? err.message : String(err) };
  }
  const last = steps.at(-1)!;
  const back = (i: number, v: number) => (LOG_KEYS.has(keys[i]) ? Math.exp(v) : v);
  const filtered = last.x.length
    ? Object.fromEntries(keys.map((k, i) => [k, back(i, last.x[i])]))
    : null;
  // Standard error in natural units: x·sd(log x) for the log coordinates (delta method).
  const filteredStdErr = last.x.length
    ? Object.fromEntries(
        keys.map((k, i) => {
          const sd = Math.sqrt(Math.max(last.p[i][i], 0));
          return [k, LOG_KEYS.has(k) ? back(i, last.x[i]) * sd : sd];
        }),
      )
    : null;
  const standardized = last.standardized
    ? Object.fromEntries(keys.map((k, i) => [k, last.standardized![i]]))
    : null;
  const cs = cusumComponents(
    steps.map((s) => s.standardized),
    { k: o.k, h: o.h },
  );
  const flags = cs.flagged.map((t) => ({
    runId: hist[t].runId,
    asOf: hist[t].asOf,
    parameters: keys.filter((_, c) => cs.byComponent[c].flagged.includes(t)),
  }));
  const lastT = hist.length - 1;
  const flagged = cs.flagged.some((t) => t > lastT - o.windowRuns);
  return { ...base, filtered, filteredStdErr, standardized, flags, flagged };
}

/** The measurement in filter coordinates, or null when the calibration cannot be used. */
function measurement(keys: readonly string[], h: SvObservation): { z: number[]; r: Matrix } | null {
  if (!h.params || !h.covariance || h.covariance.length !== keys.length) return null;
  const x = keys.map((k) => h.params![k]);
  if (x.some((v) => !Number.isFinite(v))) return null;
  if (keys.some((k, i) => LOG_KEYS.has(k) && !(x[i] > 0))) return null;
  const d = keys.map((k, i) => (LOG_KEYS.has(k) ? 1 / x[i] : 1));
  const r = h.covariance.map((row, i) => row.map((v, j) => v * d[i] * d[j]));
  if (r.some((row) => row.some((v) => !Number.isFinite(v)))) return null;
  return { z: keys.map((k, i) => (LOG_KEYS.has(k) ? Math.log(x[i]) : x[i])), r };
}
