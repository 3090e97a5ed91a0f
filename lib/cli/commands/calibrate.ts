import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { assetsOf, ChainFileError, parseChainFile, pickSnapshot } from "../../market/chainFiles";
import { chainImpliedVols } from "../../market/impliedVols";
import { cleanSnapshot } from "../../market/quality";
import { surfaceInput } from "../../market/surfaceInput";
import {
  evaluateRepresentation,
  fitSurface,
  outOfSampleScore,
  SURFACE_MODELS,
  type SurfaceFit,
  type SurfaceModel,
} from "../../quant/surface";
import { parseArgs, UsageError } from "../args";

const USAGE =
  "usage: vigil calibrate <file> [--asset BTC|ETH] [--at ISO-time] " +
  "[--model published|svi|ssvi|essvi] [--min-expiry-days D] [--eval <csv>] [--json]";

/**
 * Rows `expiry,strike` (ISO expiry; an optional header line) of an --eval file. Throws a message
 * naming the first bad line.
 */
export function parseEvalCsv(text: string): { expiry: number; strike: number }[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const out: { expiry: number; strike: number }[] = [];
  lines.forEach((line, i) => {
    const cells = line.split(",").map((c) => c.trim());
    if (i === 0 && cells[0].toLowerCase() === "expiry") return;
    const expiry = Date.parse(cells[0]);
    const strike = Number(cells[1]);
    if (cells.length !== 2 || !/^\d{4}-\d{2}-\d{2}/.test(cells[0]) || !Number.isFinite(expiry)) {
      throw new Error(`line ${i + 1}: expected 'expiry,strike' with an ISO expiry, got '${line}'`);
    }
    if (!(strike > 0))
      throw new Error(`line ${i + 1}: strike '${cells[1]}' is not a positive number`);
    out.push({ expiry, strike });
  });
  return out;
}

/**
 * The fitted surface's implied vol at (expiry, strike) for each row: exactly the published
 * representation at a fitted expiry (the stored grid time values, interpolated in K and
 * inverted); another model's own slice. null when the expiry was not fitted or the surface has
 * no invertible price there.
 */
export function evaluateRows(fit: SurfaceFit, rows: { expiry: number; strike: number }[]) {
  return rows.map(({ expiry, strike }) => {
    const i = fit.slices.findIndex((s) => s.expiry === expiry);
    let iv = NaN;
    if (i >= 0) {
      const s = fit.slices[i];
      const k = Math.log(strike / s.forward);
      iv = fit.representation
        ? evaluateRepresentation(fit.representation, i, k)
        : fit.impliedVol(k, s.t);
    }
    return {
      expiry: new Date(expiry).toISOString(),
      strike,
      iv: Number.isFinite(iv) && iv > 0 ? iv : null,
    };
  });
}

const round = (x: number, d = 6) => (Number.isFinite(x) ? Number(x.toPrecision(d)) : null);

function roundDeep(v: unknown): unknown {
  if (typeof v === "number") return round(v, 10);
  if (Array.isArray(v)) return v.map(roundDeep);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundDeep(x)]));
  }
  return v;
}

/**
 * `vigil calibrate <file>`: fits a volatility surface to one snapshot of a chain file (any layout
 * of lib/market/chainFiles) and prints its diagnostics. Exit 2 on usage errors, unknown layouts,
 * bad contents or a --at with no snapshot; 1 when the file cannot be read.
 */
export default async function calibrate(args: string[]): Promise<number> {
  const fail = (code: number, msg: string) => {
    process.stderr.write(`vigil calibrate: ${msg}\n${code === 2 ? USAGE + "\n" : ""}`);
    return code;
  };
  let parsed;
  try {
    parsed = parseArgs(args, {
      options: ["asset", "at", "model", "min-expiry-days", "eval"],
      flags: ["json"],
    });
  } catch (e) {
    if (e instanceof UsageError) return fail(2, e.message);
    throw e;
  }
  const { positional, options, flags } = parsed;
  if (positional.length !== 1) return fail(2, "expected exactly one chain file");
  const model = (options.model ?? "published") as SurfaceModel;
  if (!SURFACE_MODELS.includes(model)) return fail(2, `unknown --model ${options.model}`);
  let at: number | undefined;
  if (options.at !== undefined) {
    at = Date.parse(options.at);
    if (!/^\d{4}-\d{2}-\d{2}/.test(options.at) || !Number.isFinite(at)) {
      return fail(2, `--at is not an ISO time: ${options.at}`);
    }
  }
  const minDays = options["min-expiry-days"] === undefined ? 1 : Number(options["min-expiry-days"]);
  if (!(minDays >= 0)) return fail(2, "--min-expiry-days must be a non-negative number");
  const assetOpt = options.asset?.toUpperCase();
  if (assetOpt !== undefined && !/^[A-Z0-9]+$/.test(assetOpt)) {
    return fail(2, `bad --asset ${options.asset}`);
  }

  let evalRows: { expiry: number; strike: number }[] | undefined;
  if (options.eval !== undefined) {
    let evalText: string;
    try {
      evalText = readFileSync(options.eval, "utf8");
    } catch (e) {
      return fail(1, `cannot read ${options.eval}: ${(e as Error).message}`);
    }
    try {
      evalRows = parseEvalCsv(evalText);
    } catch (e) {
      return fail(2, `--eval ${options.eval}: ${(e as Error).message}`);
    }
  }

  const file = positional[0];
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return fail(1, `cannot read ${file}: ${(e as Error).message}`);
  }
  let chain;
  try {
    chain = parseChainFile(text, basename(file), assetOpt);
  } catch (e) {
    if (e instanceof ChainFileError) return fail(2, `${file}: ${e.message}`);
    throw e;
  }
  const assets = assetsOf(chain);
  if (assets.length === 0) return fail(2, `${file}: no option quotes in the file`);
  const asset = assetOpt ?? (assets.includes("BTC") ? "BTC" : assets[0]);
  if (!assets.includes(asset)) {
    return fail(2, `${file}: no ${asset} quotes (the file has ${assets.join(", ")})`);
  }
  const snapshot = pickSnapshot(chain, asset, at);
  if (!snapshot) return fail(2, `${file}: no ${asset} snapshot at or before ${options.at}`);

  // The pipeline's own input: quotes that pass cleaning (judged at the snapshot's capture time).
  const { clean, report } = cleanSnapshot(snapshot, { now: snapshot.capturedAt });
  const ivs = chainImpliedVols({ ...snapshot, options: clean }, minDays);
  const cleaning = Object.fromEntries(Object.entries(report.dropped).filter(([, n]) => n > 0));
  const fit = fitSurface(surfaceInput(ivs), { model });
  const expiryOf = (t: number) => new Date(snapshot.capturedAt + t * 365 * 86_400_000);
  const doc = {
    asOf: new Date(snapshot.capturedAt).toISOString(),
    asset,
    market: snapshot.market,
    file: basename(file),
    layout: chain.layout,
    model,
    quotes: {
      total: snapshot.options.length,
      cleaning,
      used: ivs.used,
      dropped: ivs.dropped,
      skippedRows: chain.skipped,
    },
    slices: fit.slices.map((s) => ({
      expiry: new Date(s.expiry ?? expiryOf(s.t).getTime()).toISOString(),
      t: s.t,
      forward: s.forward,
      params: s.params,
      n: s.n,
      rmseVolPts: s.rmseVolPts,
      maxErrVolPts: s.maxErrVolPts,
      insideSpreadShare: s.insideSpreadShare,
      butterflyViolations: s.butterflyViolations,
      ...(s.markRmseVolPts !== undefined ? { markRmseVolPts: s.markRmseVolPts } : {}),
      status: s.status,
    })),
    skippedSlices: fit.skipped.map((s) => ({ expiry: expiryOf(s.t).toISOString(), n: s.n })),
    surface: fit.surface,
    ...(fit.mark ? { mark: fit.mark } : {}),
    // refit without every third strike of each expiry, scored at those strikes beside the mark
    ...(model === "published" && fit.slices.length
      ? { outOfSample: outOfSampleScore(surfaceInput(ivs), { model }) }
      : {}),
    ...(evalRows ? { evaluated: evaluateRows(fit, evalRows) } : {}),
  };
  if (fit.slices.length === 0) {
    process.stderr.write(
      `vigil calibrate: no expiry of ${asset} has enough usable quotes to fit (used ${ivs.used})\n`,
    );
  }
  if (flags.has("json")) {
    process.stdout.write(JSON.stringify(roundDeep(doc)) + "\n");
    return 0;
  }
  const f = (x: number | undefined, d = 3) =>
    x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d);
  const lines = [
    `${asset} ${doc.asOf}  ${chain.layout}  model ${model}  quotes used ${ivs.used}`,
    "expiry                     t        forward     n  rmse  max   inside  bfly  mark",
    ...fit.slices.map((s, i) =>
      [
        doc.slices[i].expiry.padEnd(25),
        f(s.t, 4).padStart(7),
        f(s.forward, 2).padStart(12),
        String(s.n).padStart(5),
        f(s.rmseVolPts, 2).padStart(5),
        f(s.maxErrVolPts, 2).padStart(5),
        f(s.insideSpreadShare, 2).padStart(6),
        String(s.butterflyViolations).padStart(5),
        f(s.markRmseVolPts, 2).padStart(5),
      ].join(" "),
    ),
    `surface: rmse ${f(fit.surface.rmseVolPts)} vol pts, inside ${f(fit.surface.insideSpreadShare)}, ` +
      `butterfly ${fit.surface.butterflyViolations}, calendar ${fit.surface.calendarViolations}, ` +
      `${f(fit.surface.fitMs, 1)} ms, ${fit.surface.status}`,
  ];
  if (fit.mark) {
    lines.push(
      `Deribit mark: rmse ${f(fit.mark.rmseVolPts)} vol pts, inside ${f(fit.mark.insideSpreadShare)}, ` +
        `butterfly ${fit.mark.butterflyViolations}, calendar ${fit.mark.calendarViolations}`,
    );
  }
  if (doc.outOfSample) {
    const o = doc.outOfSample;
    lines.push(
      `out of sample (every third strike held out): rmse ${f(o.rmseVolPts)} vol pts vs ` +
        `Deribit mark ${f(o.markRmseVolPts)} on the same ${o.n} quotes`,
    );
  }
  for (const e of doc.evaluated ?? []) {
    lines.push(`${e.expiry} K=${e.strike}: iv ${e.iv === null ? "-" : f(e.iv, 4)}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
