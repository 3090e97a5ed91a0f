import { readFileSync } from "node:fs";
import { basename } from "node:path";
import {
  assetsOf,
  ChainFileError,
  type GenericChain,
  parseChainFile,
  pickSnapshot,
} from "../../market/chainFiles";
import { chainImpliedVols } from "../../market/impliedVols";
import { cleanSnapshot } from "../../market/quality";
import { surfaceInput, svQuotes } from "../../market/surfaceInput";
import { black76Price } from "../../quant/black76";
import { paramKeys, type SvModel } from "../../quant/heston";
import { calibrateSv, type SvObjective, type SvQuote } from "../../quant/hestonCalibration";
import { impliedVol } from "../../quant/impliedVol";
import {
  evaluateRepresentation,
  fitSurface,
  outOfSampleScore,
  type SliceQuotes,
  SURFACE_MODELS,
  type SurfaceFit,
  type SurfaceModel,
} from "../../quant/surface";
import { parseArgs, UsageError } from "../args";

const SV_MODELS: readonly SvModel[] = ["heston", "bates"];
const OBJECTIVES: readonly SvObjective[] = ["vega-weighted", "price"];

const USAGE =
  "usage: vigil calibrate <file> [--asset BTC|ETH] [--at ISO-time] " +
  "[--model published|svi|ssvi|essvi|heston|bates] [--objective vega-weighted|price] " +
  "[--starts N] [--min-expiry-days D] [--eval <csv>] [--json]";

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
      options: ["asset", "at", "model", "min-expiry-days", "objective", "starts", "eval"],
      flags: ["json"],
    });
  } catch (e) {
    if (e instanceof UsageError) return fail(2, e.message);
    throw e;
  }
  const { positional, options, flags } = parsed;
  if (positional.length !== 1) return fail(2, "expected exactly one chain file");
  const model = (options.model ?? "published") as SurfaceModel | SvModel;
  const svModel = SV_MODELS.includes(model as SvModel) ? (model as SvModel) : null;
  if (!svModel && !SURFACE_MODELS.includes(model as SurfaceModel)) {
    return fail(2, `unknown --model ${options.model}`);
  }
  const objective = (options.objective ?? "vega-weighted") as SvObjective;
  if (!OBJECTIVES.includes(objective)) return fail(2, `unknown --objective ${options.objective}`);
  const starts = options.starts === undefined ? 4 : Number(options.starts);
  if (!(Number.isInteger(starts) && starts >= 1 && starts <= 64)) {
    return fail(2, "--starts must be an integer from 1 to 64");
  }
  if (!svModel && (options.objective !== undefined || options.starts !== undefined)) {
    return fail(2, "--objective and --starts apply to --model heston|bates");
  }
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
  if (chain.generic) {
    return calibrateGeneric(chain.generic, {
      file: basename(file),
      model,
      svModel,
      objective,
      starts,
      minDays,
      json: flags.has("json"),
    });
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
  if (svModel) {
    const quotes = svQuotes(ivs);
    return printSv(
      {
        asOf: new Date(snapshot.capturedAt).toISOString(),
        asset,
        market: snapshot.market,
        file: basename(file),
        layout: chain.layout,
        quotes: {
          total: snapshot.options.length,
          cleaning,
          used: ivs.used,
          dropped: ivs.dropped,
          skippedRows: chain.skipped,
        },
      },
      quotes,
      {
        model: svModel,
        objective,
        starts,
        json: flags.has("json"),
        expiryOf: new Map(ivs.expiries.map((e) => [e.t, e.expiry])),
      },
    );
  }
  const fit = fitSurface(surfaceInput(ivs), { model: model as SurfaceModel });
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
    // Evaluated vols in full precision: they are compared exactly with the API's surface/iv.
    const { evaluated, ...diagnostics } = doc;
    const out = { ...(roundDeep(diagnostics) as object), ...(evaluated ? { evaluated } : {}) };
    process.stdout.write(JSON.stringify(out) + "\n");
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

interface DocHead {
  asOf: string;
  asset: string;
  market: string;
  file: string;
  layout: string;
  quotes: Record<string, unknown>;
}

/** Heston / Bates fit and its diagnostics, printed like the surface models' (same top fields). */
function printSv(
  head: DocHead,
  quotes: SvQuote[],
  o: {
    model: SvModel;
    objective: SvObjective;
    starts: number;
    json: boolean;
    /** Expiry instant (ms) of each maturity t, where known. */
    expiryOf?: Map<number, number>;
  },
): number {
  if (quotes.length <= paramKeys(o.model).length) {
    process.stderr.write(
      `vigil calibrate: ${quotes.length} usable quotes: too few to fit ${o.model}\n`,
    );
    if (o.json) {
      const surface = { n: quotes.length, status: "too few quotes" };
      process.stdout.write(JSON.stringify({ ...head, model: o.model, surface }) + "\n");
    }
    return 0;
  }
  const fit = calibrateSv(o.model, quotes, { objective: o.objective, starts: o.starts });
  const keys = paramKeys(o.model);
  const stdErrors = Object.fromEntries(
    keys.map((k, i) => [k, fit.covariance ? Math.sqrt(fit.covariance[i][i]) : null]),
  );
  const status = fit.converged ? "converged" : `not converged: ${fit.status}`;
  // per-expiry diagnostics of the one global fit, like the surface models' slices
  const byT = new Map<number, number[]>();
  quotes.forEach((q, i) => byT.set(q.t, [...(byT.get(q.t) ?? []), i]));
  const slices = [...byT.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, idx]) => {
      const errs = idx
        .map((i) => Math.abs(fit.modelIvs[i] - fit.marketIvs[i]))
        .filter(Number.isFinite);
      const banded = idx.filter((i) => quotes[i].bidIv !== undefined);
      const inside = banded.filter(
        (i) => fit.modelIvs[i] >= quotes[i].bidIv! && fit.modelIvs[i] <= quotes[i].askIv!,
      ).length;
      const expiry = o.expiryOf?.get(t);
      return {
        ...(expiry !== undefined ? { expiry: new Date(expiry).toISOString() } : {}),
        t,
        forward: idx.reduce((s, i) => s + quotes[i].forward, 0) / idx.length,
        n: idx.length,
        rmseVolPts: errs.length
          ? 100 * Math.sqrt(errs.reduce((s, e) => s + e * e, 0) / errs.length)
          : null,
        maxErrVolPts: errs.length ? 100 * Math.max(...errs) : null,
        insideSpreadShare: banded.length ? inside / banded.length : null,
      };
    });
  const doc = {
    ...head,
    model: o.model,
    objective: fit.objective,
    params: fit.params,
    stdErrors,
    feller: fit.feller,
    starts: fit.starts.map((s) => ({ cost: s.cost, status: s.status, iterations: s.iterations })),
    slices,
    surface: {
      n: fit.n,
      rmseVolPts: fit.rmseVolPts,
      maxErrVolPts: fit.maxErrVolPts,
      insideSpreadShare: Number.isFinite(fit.insideSpreadShare) ? fit.insideSpreadShare : null,
      priceRmse: fit.priceRmse,
      fitMs: fit.fitMs,
      status,
    },
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(roundDeep(doc)) + "\n");
    return 0;
  }
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "-");
  const lines = [
    `${head.asset} ${head.asOf}  ${head.layout}  model ${o.model} (${fit.objective})  quotes used ${fit.n}`,
    keys
      .map((k) => `${k} ${f((fit.params as unknown as Record<string, number>)[k], 4)}`)
      .join("  ") + `  feller ${f(fit.feller, 2)}`,
    `surface: rmse ${f(fit.rmseVolPts)} vol pts, max ${f(fit.maxErrVolPts)}, inside ${f(fit.insideSpreadShare)}, ` +
      `${f(fit.fitMs, 1)} ms, ${status}`,
  ];
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

/** The generic JSON layout: quotes as given (no Deribit cleaning; prices in the forward's currency). */
function calibrateGeneric(
  g: GenericChain,
  o: {
    file: string;
    model: SurfaceModel | SvModel;
    svModel: SvModel | null;
    objective: SvObjective;
    starts: number;
    minDays: number;
    json: boolean;
  },
): number {
  const dropped: Record<string, number> = {};
  const drop = (why: string) => (dropped[why] = (dropped[why] ?? 0) + 1);
  const ivOf = (iv: number | null, price: number | null, q: GenericChain["quotes"][number]) =>
    iv ?? (price === null ? NaN : impliedVol(price, q.forward, q.strike, q.t, q.type));
  const rows: Array<{ q: GenericChain["quotes"][number]; mid: number; bid: number; ask: number }> =
    [];
  for (const q of g.quotes) {
    if (q.t * 365 < o.minDays) {
      drop("expiring too soon");
      continue;
    }
    const mid = ivOf(q.midIv, q.midPrice, q);
    if (!Number.isFinite(mid)) {
      drop("mid IV not attainable");
      continue;
    }
    rows.push({ q, mid, bid: ivOf(q.bidIv, q.bidPrice, q), ask: ivOf(q.askIv, q.askPrice, q) });
  }
  const head: DocHead = {
    asOf: new Date(g.asOf).toISOString(),
    asset: g.underlying,
    market: `file:${g.underlying}`,
    file: o.file,
    layout: "generic-json",
    quotes: { total: g.quotes.length, used: rows.length, dropped },
  };
  if (o.svModel) {
    const quotes: SvQuote[] = rows.map(({ q, mid, bid, ask }) => ({
      t: q.t,
      forward: q.forward,
      strike: q.strike,
      type: q.type,
      price: q.midPrice ?? black76Price(q.forward, q.strike, q.t, mid, q.type),
      ...(Number.isFinite(bid) && Number.isFinite(ask) ? { bidIv: bid, askIv: ask } : {}),
    }));
    const expiryOf = new Map<number, number>();
    for (const { q } of rows) if (q.expiry !== null) expiryOf.set(q.t, q.expiry);
    return printSv(head, quotes, {
      model: o.svModel,
      objective: o.objective,
      starts: o.starts,
      json: o.json,
      expiryOf,
    });
  }
  // surface models weight by the bid–ask IV spread: quotes without one are left out
  const byT = new Map<number, typeof rows>();
  for (const r of rows) {
    if (!(Number.isFinite(r.bid) && Number.isFinite(r.ask) && r.ask > r.bid)) {
      drop("no bid/ask IV band");
      continue;
    }
    byT.set(r.q.t, [...(byT.get(r.q.t) ?? []), r]);
  }
  const input: SliceQuotes[] = [...byT.entries()]
    .sort(([a], [b]) => a - b)
    .map(([t, rs]) => {
      rs.sort((a, b) => a.q.strike - b.q.strike);
      const forward = rs.reduce((s, r) => s + r.q.forward, 0) / rs.length;
      return {
        t,
        forward,
        k: rs.map((r) => Math.log(r.q.strike / r.q.forward)),
        midIv: rs.map((r) => r.mid),
        bidIv: rs.map((r) => r.bid),
        askIv: rs.map((r) => r.ask),
      };
    });
  const fit = fitSurface(input, { model: o.model as SurfaceModel });
  const doc = {
    ...head,
    model: o.model,
    slices: fit.slices.map((s) => ({
      t: s.t,
      forward: s.forward,
      params: s.params,
      n: s.n,
      rmseVolPts: s.rmseVolPts,
      maxErrVolPts: s.maxErrVolPts,
      insideSpreadShare: s.insideSpreadShare,
      butterflyViolations: s.butterflyViolations,
      status: s.status,
    })),
    skippedSlices: fit.skipped,
    surface: fit.surface,
  };
  if (o.json) {
    process.stdout.write(JSON.stringify(roundDeep(doc)) + "\n");
    return 0;
  }
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "-");
  process.stdout.write(
    `${head.asset} ${head.asOf}  generic-json  model ${o.model}  quotes used ${rows.length}\n` +
      `surface: rmse ${f(fit.surface.rmseVolPts)} vol pts, inside ${f(fit.surface.insideSpreadShare)}, ` +
      `${f(fit.surface.fitMs, 1)} ms, ${fit.surface.status}\n`,
  );
  return 0;
}
