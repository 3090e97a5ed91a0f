import type { MarketConfig } from "../config";
import { chainImpliedVols } from "../market/impliedVols";
import { surfaceInput } from "../market/surfaceInput";
import type { Snapshot } from "../market/types";
import {
  fitSurface,
  outOfSampleScore,
  representationViolations,
  type SurfaceModel,
} from "../quant/surface";
import { StageError } from "./ingest";
import type { Calibration } from "./types";

/**
 * The published surface (arbitrage-free, Andreasen–Huge) and, as a diagnostic, unconstrained raw
 * SVI per slice. The published surface's arbitrage checks gate the run: a surface that fails them
 * must not feed risk numbers.
 */
export const CALIBRATED_MODELS: readonly SurfaceModel[] = ["published", "svi"];

/** Implied vols of every usable quote, ATM vol per expiry, and the fitted surfaces. */
export function calibrate(market: MarketConfig, snapshot: Snapshot): Calibration {
  const ivs = chainImpliedVols(snapshot, market.minExpiryDays);
  if (ivs.used < market.minUsableQuotes || ivs.expiries.length < market.minExpiries) {
    throw new StageError(
      `chain too thin: ${ivs.used} usable quotes in ${ivs.expiries.length} expiries ` +
        `(need ${market.minUsableQuotes} in ${market.minExpiries})`,
      "degraded",
    );
  }
  const input = surfaceInput(ivs);
  const fits = CALIBRATED_MODELS.map((model) => fitSurface(input, { model }));
  const published = fits[0];
  // The gate re-checks the representation that is stored and published (grid time values), not
  // the fitter's own counters: what is checked is what is served.
  const rep = published.representation;
  const violations = rep ? representationViolations(rep) : null;
  const butterfly = violations
    ? violations.butterfly.filter((v) => v > 0).length
    : published.surface.butterflyViolations;
  const calendar = violations ? violations.calendar : published.surface.calendarViolations;
  if (butterfly > 0 || calendar > 0) {
    throw new StageError(
      `published surface has ${butterfly} butterfly and ${calendar} calendar violations`,
      "degraded",
    );
  }
  // Stored with the published surface's diagnostics (surfaces.diagnostics): the representation
  // itself and the out-of-sample score (refit without every third strike of each expiry).
  published.surface.outOfSample = outOfSampleScore(input, { model: "published" });
  published.surface.representation = rep ?? null;
  return { ivs, fits };
}
