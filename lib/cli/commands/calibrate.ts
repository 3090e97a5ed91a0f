import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { assetsOf, ChainFileError, parseChainFile, pickSnapshot } from "../../market/chainFiles";
import { chainImpliedVols } from "../../market/impliedVols";
import { cleanSnapshot } from "../../market/quality";
import { surfaceInput } from "../../market/surfaceInput";
import { fitSurface, SURFACE_MODELS, type SurfaceModel } from "../../quant/surface";
import { parseArgs, UsageError } from "../args";

const USAGE =
  "usage: vigil calibrate <file> [--asset BTC|ETH] [--at ISO-time] " +
  "[--model published|svi|ssvi|essvi] [--min-expiry-days D] [--json]";

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
      options: ["asset", "at", "model", "min-expiry-days"],
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
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
