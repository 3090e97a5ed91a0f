import Link from "next/link";
import { notFound } from "next/navigation";
import { parseMarketId } from "@/lib/api/problem";
import { getDb } from "@/db";
import { latestBacktests, latestSurfaces, marketHistory, marketIds } from "@/db/queries/views";
import { pct, riskMethodName, utc } from "@/lib/format";
import { RISK_METHODS } from "@/lib/quant/riskMethods";
import type { IvPoint } from "@/lib/market/impliedVols";
import { BATES_KEYS, HESTON_KEYS } from "@/lib/quant/heston";
import { Lines } from "../../_components/charts";
import { SlicesTable } from "../../_components/tables";
import { WhatIf } from "../../_components/WhatIf";
import { whatIfDefaults } from "@/lib/api/whatIf";
import { loadConfig } from "@/lib/configFile";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ market: string }> }) {
  return { title: parseMarketId((await params).market) ?? "Unknown market" };
}

interface FitDiagnostics {
  rmseVolPts?: number;
  insideSpreadShare?: number;
  butterflyViolations?: number;
  calendarViolations?: number;
  mark?: { rmseVolPts: number; butterflyViolations: number } | null;
  atm30d?: number | null;
  k?: number[];
  fitIv?: number[];
  markRmseVolPts?: number | null;
  status?: string;
  /** Refit without every third strike, scored at those strikes beside the mark (same quotes). */
  outOfSample?: { n: number; rmseVolPts: number; markRmseVolPts: number } | null;
}

/** A stored Heston/Bates fit (lib/pipeline/models), as the history reads it. */
interface SvFitDiagnostics {
  status: string;
  params: Record<string, number> | null;
  stdErrors: Record<string, number | null> | null;
  rmseVolPts: number | null;
  insideSpreadShare: number | null;
  feller: number | null;
  regime: {
    flagged: boolean;
    filtered: Record<string, number> | null;
    flags: { runId: number; asOf: string; parameters: string[] }[];
    options: { k: number; h: number; windowRuns: number };
  } | null;
}

// No red: red marks the regime flags.
const SV_PARAM_COLORS = [
  "#5cc8ff",
  "#3fb950",
  "#d29922",
  "#a371f7",
  "#e6edf3",
  "#8b98a5",
  "#ff9bce",
  "#2ea39a",
];

/** Parameters charted as x − median (may be 0 or change sign); the others as ln(x/median). */
const LINEAR_KEYS = new Set(["rho", "lambda", "muJ"]);

/** The page's sections, in order: the table of contents and the anchors. */
const SECTIONS: { id: string; title: string; sub?: boolean }[] = [
  { id: "term-structure", title: "ATM term structure" },
  { id: "published-surface", title: "Published surface" },
  { id: "smiles", title: "Smiles by expiry" },
  { id: "backtests", title: "Backtests" },
  { id: "policy-backtest", title: "Policy backtest and what-if" },
  { id: "history", title: "History across runs" },
  { id: "atm-history", title: "30-day ATM vol", sub: true },
  { id: "fit-error", title: "Fit error (surface, Heston, Bates)", sub: true },
  { id: "out-of-sample", title: "Out-of-sample fit error", sub: true },
  { id: "quotes", title: "Option quotes per run", sub: true },
  { id: "sv-heston", title: "Heston parameters and regime flags", sub: true },
  { id: "sv-bates", title: "Bates parameters and regime flags", sub: true },
  { id: "model-risk-index", title: "Model-risk index", sub: true },
  { id: "method-spread", title: "Spread across VaR/ES methods", sub: true },
  { id: "es-history", title: "Expected Shortfall by method", sub: true },
  { id: "var-history", title: "VaR by method", sub: true },
];

const METHOD_COLORS = ["#f85149", "#d29922", "#a371f7", "#3fb950", "#5cc8ff"];

const sig = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : String(Number(x.toPrecision(3)));

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

const volPts = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(2);

export default async function MarketPage({ params }: { params: Promise<{ market: string }> }) {
  const id = parseMarketId((await params).market);
  if (id === null) notFound();
  const { db } = await getDb();
  if (!(await marketIds(db)).includes(id)) notFound();
  const config = loadConfig().markets.find((m) => m.id === id);
  const [latest, history, bt] = await Promise.all([
    latestSurfaces(db, id),
    marketHistory(db, id),
    latestBacktests(db, id),
  ]);
  // The backtest series of every method on one date axis: realized loss, each method's VaR, and
  // the days the policy's method (historical simulation) was exceeded.
  // Long side (loss 1 − P_t/P_{t−1}) and short side (P_t/P_{t−1} − 1) each against its own VaR;
  // runs stored before the two-sided change have only the first.
  const btRows = new Map<string, Record<string, number | string | null>>();
  let hasShort = false;
  for (const b of bt?.rows ?? []) {
    const series = (
      b.details as {
        series: {
          date: string;
          var: number;
          loss: number;
          shortVar?: number;
          shortLoss?: number;
        }[];
      }
    ).series;
    for (const p of series) {
      let r = btRows.get(p.date);
      if (!r) {
        btRows.set(
          p.date,
          (r = {
            date: p.date,
            loss: p.loss,
            exception: null,
            shortLoss: p.shortLoss ?? null,
            shortException: null,
          }),
        );
      }
      r[`var_${b.method}`] = p.var;
      if (b.method === "hs" && p.loss > p.var) r.exception = p.loss;
      if (p.shortVar !== undefined && p.shortLoss !== undefined) {
        hasShort = true;
        r[`svar_${b.method}`] = p.shortVar;
        if (b.method === "hs" && p.shortLoss > p.shortVar) r.shortException = p.shortLoss;
      }
    }
  }
  const backtestSeries = [...btRows.values()].sort((a, b) =>
    String(a.date).localeCompare(String(b.date)),
  );

  // Per-run rows for the history charts, keyed by run.
  const byRun = new Map<number, Record<string, number | string | null>>();
  const row = (runId: number, asOf: Date) => {
    let r = byRun.get(runId);
    if (!r) byRun.set(runId, (r = { date: asOf.toISOString().slice(0, 10) }));
    return r;
  };
  const svRows: Record<"heston" | "bates", { runId: number; asOf: Date; fit: SvFitDiagnostics }[]> =
    { heston: [], bates: [] };
  const svKeys: Record<"heston" | "bates", string[]> = { heston: [], bates: [] };
  for (const s of history.surfaces) {
    const d = s.diagnostics as FitDiagnostics;
    const r = row(s.runId, s.asOf);
    if (s.model === "market-iv") r.atm30d = d.atm30d ?? null;
    if (s.model === "published") {
      r.publishedRmse = d.rmseVolPts ?? null;
      r.markRmse = d.mark?.rmseVolPts ?? null;
      r.inside = d.insideSpreadShare ?? null;
      r.oosRmse = d.outOfSample?.rmseVolPts ?? null;
      r.oosMarkRmse = d.outOfSample?.markRmseVolPts ?? null;
    }
    if (s.model === "svi") r.sviRmse = d.rmseVolPts ?? null;
    if (s.model === "heston" || s.model === "bates") {
      const f = s.diagnostics as SvFitDiagnostics;
      r[`${s.model}Rmse`] = f.rmseVolPts ?? null;
      svRows[s.model].push({ runId: s.runId, asOf: s.asOf, fit: f });
    }
  }
  // Parameters of different scales on one chart, in the Kalman filter's coordinates
  // (lib/risk/svRegime): the change from the median across runs, ln(x/median) for the positive
  // parameters and x − median for ρ, λ, μ_J. Absolute values are in the table below the chart.
  const svLatest: Partial<Record<"heston" | "bates", SvFitDiagnostics>> = {};
  for (const model of ["heston", "bates"] as const) {
    const rows = svRows[model];
    svLatest[model] = rows.at(-1)?.fit;
    const keys = [...(model === "bates" ? BATES_KEYS : HESTON_KEYS)];
    svKeys[model] = keys;
    const med = Object.fromEntries(
      keys.map((k) => [k, median(rows.flatMap((x) => (x.fit.params ? [x.fit.params[k]] : [])))]),
    );
    const coord = (k: string, v: number | undefined) =>
      v === undefined || !Number.isFinite(v) || !Number.isFinite(med[k])
        ? null
        : LINEAR_KEYS.has(k)
          ? v - med[k]
          : v > 0 && med[k] > 0
            ? Math.log(v / med[k])
            : null;
    for (const { runId, asOf, fit } of rows) {
      const r = row(runId, asOf);
      for (const k of keys) r[`${model}_${k}`] = coord(k, fit.params?.[k]);
      // A flag of this run's own filter (online, as the run saw it), drawn on the first flagged
      // parameter.
      const flag = fit.regime?.flags.find((f) => f.runId === runId);
      r[`${model}_flag`] = flag
        ? (coord(flag.parameters[0], fit.params?.[flag.parameters[0]]) ?? 0)
        : null;
    }
  }
  for (const m of history.modelRiskIndex) {
    const r = row(m.runId, m.asOf);
    r.mri = m.index;
    r.mriAdjusted = m.adjustedIndex;
    r.mriRange = m.meanRelativeRange;
    r.mriWarning = m.warningThreshold ?? null;
  }
  const lastIndex = history.modelRiskIndex.at(-1);
  for (const m of history.risk) {
    const r = row(m.runId, m.asOf);
    const tag = m.level === 0.99 ? "99" : m.level === 0.975 ? "975" : String(m.level);
    r[`var${tag}_${m.method}`] = m.var;
    r[`es${tag}_${m.method}`] = m.es;
  }
  for (const m of history.modelRisk) {
    const r = row(m.runId, m.asOf);
    r.spreadAllMin = m.spread.all?.min ?? null;
    r.spreadAllMax = m.spread.all?.max ?? null;
    r.spreadQualifiedMin = m.spread.qualified?.min ?? null;
    r.spreadQualifiedMax = m.spread.qualified?.max ?? null;
    r.spreadAll = m.spread.all?.range ?? null;
    r.spreadWarning = m.warningThreshold;
  }
  const lastModelRisk = history.modelRisk.at(-1);
  for (const q of history.data) {
    const r = row(q.runId, q.asOf);
    r.quotesTotal = q.total;
    r.quotesUsable = q.usable;
    r.quotesUsed = q.used;
  }
  const historyRows = [...byRun.values()].sort((a, b) =>
    String(a.date).localeCompare(String(b.date)),
  );

  const raw = latest?.raw;
  const published = latest?.published;
  const pubDiag = published?.diagnostics as FitDiagnostics | undefined;
  const smiles =
    raw?.slices.map((slice) => {
      const points = (slice.params as { points: IvPoint[] }).points;
      const fit = published?.slices.find((p) => p.expiry.getTime() === slice.expiry.getTime());
      const fd = fit?.diagnostics as FitDiagnostics | undefined;
      const fitAt = new Map(fd?.k?.map((k, i) => [k, fd.fitIv![i]]) ?? []);
      const svi = latest?.svi?.slices.find((p) => p.expiry.getTime() === slice.expiry.getTime());
      return {
        slice,
        fit: fd,
        svi: svi?.diagnostics as FitDiagnostics | undefined,
        data: points.map((p) => ({
          k: Number(p.k.toFixed(4)),
          bid: p.bidIv,
          ask: p.askIv,
          mid: p.midIv,
          mark: p.markIv,
          fit: fitAt.get(p.k) ?? null,
        })),
      };
    }) ?? [];

  return (
    <>
      <h1>{id}</h1>
      <p className="sub">
        Implied-volatility surface of the latest run, its fit diagnostics, and the history of
        volatility, fit quality and tail risk across runs.
      </p>
      <nav className="toc" data-testid="toc" aria-label="Sections">
        <ul>
          {SECTIONS.filter((x) => !x.sub).map((x) => (
            <li key={x.id}>
              <a href={`#${x.id}`}>{x.title}</a>
              {x.id === "history" && (
                <ul>
                  {SECTIONS.filter((y) => y.sub).map((y) => (
                    <li key={y.id}>
                      <a href={`#${y.id}`}>{y.title}</a>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      </nav>
      {!latest || !raw ? (
        <p className="muted">No calibrated run yet.</p>
      ) : (
        <>
          <h2 id="term-structure">ATM implied-vol term structure</h2>
          <p className="muted">
            Run <Link href={`/runs/${latest.runId}`}>#{latest.runId}</Link>, data captured{" "}
            {utc(latest.asOf)}. ATM vol = mid-price implied vol interpolated linearly in
            log-moneyness to the forward.
          </p>
          <Lines
            data={raw.slices.map((s) => ({
              days: Number((s.t * 365).toFixed(1)),
              atmVol: s.atmVol,
            }))}
            x="days"
            xLabel="days to expiry"
            numericX
            series={[{ key: "atmVol", name: "ATM implied vol", color: "#5cc8ff" }]}
          />
          <SlicesTable rows={raw.slices} testId="term-structure" />

          <h2 id="published-surface">Published surface</h2>
          {pubDiag && (
            <p data-testid="surface-diagnostics">
              Andreasen–Huge arbitrage-free local-vol surface: RMSE {volPts(pubDiag.rmseVolPts)} vol
              points against mid (Deribit&apos;s own mark: {volPts(pubDiag.mark?.rmseVolPts)}),{" "}
              {pct(pubDiag.insideSpreadShare, 1)} of fitted vols inside the bid–ask band,{" "}
              {pubDiag.butterflyViolations} butterfly and {pubDiag.calendarViolations} calendar
              violations (mark: {pubDiag.mark?.butterflyViolations ?? "—"} slices with butterfly
              arbitrage at listed strikes).
            </p>
          )}
          <table data-testid="fit-diagnostics">
            <thead>
              <tr>
                <th>expiry</th>
                <th className="num">quotes</th>
                <th className="num">published RMSE (vol pts)</th>
                <th className="num">inside bid–ask</th>
                <th className="num">butterfly</th>
                <th className="num">raw SVI RMSE</th>
                <th className="num">Deribit mark RMSE</th>
              </tr>
            </thead>
            <tbody>
              {smiles.map(({ slice, fit, svi }) => (
                <tr key={slice.expiry.toISOString()}>
                  <td>{utc(slice.expiry)}</td>
                  <td className="num">{slice.quotesUsed}</td>
                  <td className="num">{volPts(fit?.rmseVolPts)}</td>
                  <td className="num">{pct(fit?.insideSpreadShare, 1)}</td>
                  <td className="num">{fit?.butterflyViolations ?? "—"}</td>
                  <td className="num">{volPts(svi?.rmseVolPts)}</td>
                  <td className="num">{volPts(fit?.markRmseVolPts)}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2 id="smiles">Smiles by expiry</h2>
          <p className="muted">
            Bid and ask implied vols (dashed) bound each quote; dots are mid IVs; the solid line is
            the published surface; Deribit&apos;s mark IV in grey. x = log-moneyness ln(K/F).
          </p>
          <div className="grid" data-testid="smiles">
            {smiles.map(({ slice, data }) => (
              <div className="card" key={slice.expiry.toISOString()}>
                <h3>
                  {utc(slice.expiry).slice(0, 10)} · {(slice.t * 365).toFixed(1)} d
                </h3>
                <Lines
                  data={data}
                  x="k"
                  numericX
                  height={220}
                  series={[
                    { key: "bid", name: "bid", color: "#d29922", style: "dash" },
                    { key: "ask", name: "ask", color: "#d29922", style: "dash" },
                    { key: "mid", name: "mid", color: "#e6edf3", style: "points" },
                    { key: "mark", name: "mark", color: "#8b98a5", style: "dash" },
                    { key: "fit", name: "published", color: "#5cc8ff" },
                  ]}
                />
              </div>
            ))}
          </div>
        </>
      )}

      {config && (
        <>
          <h2 id="policy-backtest">Policy backtest and what-if</h2>
          <p className="muted">
            Each parameter&apos;s policy replayed day by day over the bundled history through its
            guardrails, as if every allowed change had been executed: the target, the value in force
            and the days it fell short (docs/methodology.md §4c). Change the knobs to see what
            another policy would have done.
          </p>
          <WhatIf
            market={id}
            parameters={whatIfDefaults(config)}
            referencePositionUsd={config.liquidity.referencePositionUsd}
            methods={RISK_METHODS}
          />
        </>
      )}

      <h2 id="backtests">Backtests</h2>
      {bt ? (
        <>
          <p className="muted">
            Run <Link href={`/runs/${bt.runId}`}>#{bt.runId}</Link>: each of the last{" "}
            {bt.rows[0]?.days} days&apos; 1-day VaR at 99 % forecast from the{" "}
            {bt.rows[0]?.estimationWindow} returns before it (re-estimated daily), against that
            day&apos;s realized loss, for a long and for a short position (simple returns). The
            table shows the side with more exceptions (both sides are stored); zones: Basel traffic
            light by cumulative binomial probability, at 99 % only.
          </p>
          <table data-testid="backtests">
            <thead>
              <tr>
                <th>method</th>
                <th className="num">days</th>
                <th className="num">exceptions</th>
                <th className="num">expected</th>
                <th className="num">Kupiec p</th>
                <th className="num">Christoffersen ind. p</th>
                <th className="num">cond. coverage p</th>
                <th className="num">Z2 (p)</th>
                <th>zone</th>
                <th className="num">plus factor</th>
              </tr>
            </thead>
            <tbody>
              {bt.rows.map((b) => (
                <tr key={b.method}>
                  <td>{riskMethodName(b.method)}</td>
                  <td className="num">{b.days}</td>
                  <td className="num">{b.exceptions}</td>
                  <td className="num">{b.expected.toFixed(1)}</td>
                  <td className="num">{b.kupiecPValue.toFixed(3)}</td>
                  <td className="num">{b.christoffersenIndPValue.toFixed(3)}</td>
                  <td className="num">{b.christoffersenCcPValue.toFixed(3)}</td>
                  <td className="num">
                    {b.z2.toFixed(3)} ({b.z2PValue.toFixed(3)})
                  </td>
                  <td>
                    <span className={`badge zone-${b.zone}`}>{b.zone}</span>
                  </td>
                  <td className="num">{b.plusFactor.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Long side: realized daily losses against each method&apos;s 99 % VaR</h3>
          <Lines
            data={backtestSeries}
            x="date"
            series={[
              { key: "loss", name: "realized loss", color: "#8b98a5", style: "points" },
              {
                key: "exception",
                name: "exception (historical simulation)",
                color: "#f85149",
                style: "points",
              },
              ...RISK_METHODS.map((m, i) => ({
                key: `var_${m}`,
                name: `VaR ${riskMethodName(m)}`,
                color: METHOD_COLORS[i],
              })),
            ]}
          />
          {hasShort && (
            <>
              <h3>Short side: realized daily losses against each method&apos;s 99 % VaR</h3>
              <Lines
                data={backtestSeries}
                x="date"
                series={[
                  { key: "shortLoss", name: "realized loss", color: "#8b98a5", style: "points" },
                  {
                    key: "shortException",
                    name: "exception (historical simulation)",
                    color: "#f85149",
                    style: "points",
                  },
                  ...RISK_METHODS.map((m, i) => ({
                    key: `svar_${m}`,
                    name: `VaR ${riskMethodName(m)}`,
                    color: METHOD_COLORS[i],
                  })),
                ]}
              />
            </>
          )}
        </>
      ) : (
        <p className="muted">No backtest yet.</p>
      )}

      <h2 id="history">History across runs</h2>
      <p className="muted">{historyRows.length} runs.</p>
      <h3 id="atm-history">30-day ATM implied vol</h3>
      <Lines
        data={historyRows}
        x="date"
        series={[
          { key: "atm30d", name: "30d ATM vol (interpolated in total variance)", color: "#5cc8ff" },
        ]}
      />
      <h3 id="fit-error">Fit error against mid (vol points)</h3>
      <Lines
        data={historyRows}
        x="date"
        yFormat="number"
        series={[
          { key: "publishedRmse", name: "published surface", color: "#5cc8ff" },
          { key: "sviRmse", name: "raw SVI per slice", color: "#a371f7" },
          { key: "markRmse", name: "Deribit mark", color: "#8b98a5" },
          { key: "hestonRmse", name: "Heston", color: "#3fb950" },
          { key: "batesRmse", name: "Bates", color: "#d29922" },
        ]}
      />
      <h3 id="out-of-sample">Out-of-sample fit error at held-out strikes (vol points)</h3>
      <p className="muted">
        Each run refits the published surface without every third strike of each expiry and scores
        it at those strikes against the mid, beside Deribit&apos;s mark on the same quotes.
      </p>
      <Lines
        data={historyRows}
        x="date"
        yFormat="number"
        series={[
          { key: "oosRmse", name: "published surface, held-out strikes", color: "#5cc8ff" },
          { key: "oosMarkRmse", name: "Deribit mark, same strikes", color: "#8b98a5" },
        ]}
      />
      <h3 id="quotes">Option quotes per run</h3>
      <Lines
        data={historyRows}
        x="date"
        yFormat="number"
        series={[
          { key: "quotesTotal", name: "in the book", color: "#8b98a5" },
          { key: "quotesUsable", name: "usable after cleaning", color: "#5cc8ff" },
          { key: "quotesUsed", name: "fed the surface (two-sided OTM)", color: "#3fb950" },
        ]}
      />
      {(["heston", "bates"] as const).map((model) => (
        <section key={model} data-testid={`sv-${model}`}>
          <h3 id={`sv-${model}`}>
            {model === "heston" ? "Heston" : "Bates"} parameters across runs and regime flags
          </h3>
          <p className="muted">
            Calibrated each run to the same quotes as the surface (warm-started from the previous
            run&apos;s fit). Each parameter is drawn as its change from its median across runs, in
            the Kalman filter&apos;s coordinates: ln(x/median) for{" "}
            {model === "bates" ? "v0, κ, θ, σ and σJ" : "v0, κ, θ and σ"} (0.69 = twice the median),
            x − median for {model === "bates" ? "ρ, λ and μJ" : "ρ"}. Red dots: runs whose
            Kalman-filter innovations crossed the CUSUM threshold
            {svLatest[model]?.regime
              ? ` (h = ${svLatest[model]!.regime!.options.h}, k = ${svLatest[model]!.regime!.options.k} standard deviations)`
              : ""}
            ; a run within {svLatest[model]?.regime?.options.windowRuns ?? "—"} runs of a flag is in
            a flagged regime.{" "}
            {svLatest[model]?.regime?.flagged ? (
              <strong>The latest run is in a flagged regime.</strong>
            ) : (
              "The latest run is not in a flagged regime."
            )}
          </p>
          <Lines
            data={historyRows}
            x="date"
            yFormat="number"
            series={[
              ...svKeys[model].map((k, i) => ({
                key: `${model}_${k}`,
                name: k,
                color: SV_PARAM_COLORS[i % SV_PARAM_COLORS.length],
              })),
              {
                key: `${model}_flag`,
                name: "regime flag",
                color: "#f85149",
                style: "points" as const,
              },
            ]}
          />
          {svLatest[model]?.params && (
            <table data-testid={`sv-${model}-latest`}>
              <thead>
                <tr>
                  <th>latest run</th>
                  {svKeys[model].map((k) => (
                    <th key={k} className="num">
                      {k}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                <tr>
                  <td>calibrated (± std. error)</td>
                  {svKeys[model].map((k) => (
                    <td key={k} className="num">
                      {sig(svLatest[model]!.params![k])} ± {sig(svLatest[model]!.stdErrors?.[k])}
                    </td>
                  ))}
                </tr>
                <tr>
                  <td>Kalman-filtered</td>
                  {svKeys[model].map((k) => (
                    <td key={k} className="num">
                      {sig(svLatest[model]!.regime?.filtered?.[k])}
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          )}
        </section>
      ))}
      <h3 id="model-risk-index">Model-risk index: exotic prices across models</h3>
      <p className="muted" data-testid="model-risk-index">
        A fixed basket (down-and-out put, one-touch, forward-start call) priced each run by seeded
        Monte Carlo under the published local vol, Heston and Bates, all fitted to the same quotes.
        The index is the mean relative dispersion of the prices beyond Monte Carlo noise; the
        fit-adjusted index first moves each model&apos;s control vanilla onto the market.
        {lastIndex &&
          (lastIndex.index === null
            ? ` Latest run: not computed (${lastIndex.reason ?? lastIndex.status}).`
            : ` Latest run: ${pct(lastIndex.index, 1)} (fit-adjusted ${pct(lastIndex.adjustedIndex, 1)}), ${lastIndex.paths} paths per model` +
              (lastIndex.warningThreshold !== undefined &&
              lastIndex.warningThreshold !== null &&
              lastIndex.index > lastIndex.warningThreshold
                ? ` — above the ${pct(lastIndex.warningThreshold, 1)} warning threshold.`
                : "."))}
      </p>
      <Lines
        data={historyRows}
        x="date"
        series={[
          { key: "mri", name: "model-risk index", color: "#f85149" },
          { key: "mriAdjusted", name: "fit-adjusted index", color: "#d29922" },
          { key: "mriRange", name: "mean relative range", color: "#8b98a5", style: "dash" },
          { key: "mriWarning", name: "warning threshold", color: "#a371f7", style: "dash" },
        ]}
      />
      <h3 id="method-spread">
        Model risk: spread of the governed parameter&apos;s ES across methods
      </h3>
      <p className="muted" data-testid="model-risk">
        The liquidation-horizon ES at the policy&apos;s level (worse side) by every method and by
        the methods whose own 250-day backtest qualifies them (green on both sides, Kupiec and
        Christoffersen passed at 5 %).
        {lastModelRisk &&
          ` Latest run: ${riskMethodName(lastModelRisk.chosen)} drives ${lastModelRisk.parameter} (${lastModelRisk.basis}); ` +
            `range across all methods ${pct(lastModelRisk.spread.all?.range)}` +
            (lastModelRisk.warning
              ? ` — above the ${pct(lastModelRisk.warningThreshold)} warning threshold.`
              : ".")}
      </p>
      <Lines
        data={historyRows}
        x="date"
        series={[
          { key: "spreadAllMin", name: "lowest ES, all methods", color: "#8b98a5", style: "dash" },
          { key: "spreadAllMax", name: "highest ES, all methods", color: "#8b98a5", style: "dash" },
          { key: "spreadQualifiedMin", name: "lowest ES, qualified", color: "#3fb950" },
          { key: "spreadQualifiedMax", name: "highest ES, qualified", color: "#f85149" },
          { key: "spreadAll", name: "range, all methods", color: "#d29922" },
          { key: "spreadWarning", name: "warning threshold", color: "#a371f7", style: "dash" },
        ]}
      />
      <h3 id="es-history">
        1-day Expected Shortfall at 99 % by method (worse side: long or short, simple returns)
      </h3>
      <Lines
        data={historyRows}
        x="date"
        series={RISK_METHODS.map((m, i) => ({
          key: `es99_${m}`,
          name: riskMethodName(m),
          color: METHOD_COLORS[i],
        }))}
      />
      <h3 id="var-history">1-day VaR at 99 % by method</h3>
      <Lines
        data={historyRows}
        x="date"
        series={RISK_METHODS.map((m, i) => ({
          key: `var99_${m}`,
          name: riskMethodName(m),
          color: METHOD_COLORS[i],
        }))}
      />
    </>
  );
}
