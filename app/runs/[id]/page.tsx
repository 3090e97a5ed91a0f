import Link from "next/link";
import { publicReasonText } from "@/lib/api/publicReason";
import { notFound } from "next/navigation";
import { parseId } from "@/lib/api/problem";
import { getDb } from "@/db";
import { runDetail } from "@/db/queries/views";
import { pct, usd, utc } from "@/lib/format";
import type { RiskReport } from "@/lib/pipeline/assess";
import type { SurfaceDiagnostics } from "@/lib/quant/surface";
import { QualityReport, type SnapshotExtras } from "../../_components/QualityReport";
import { StatusBadge } from "../../_components/StatusBadge";
import { RiskTable, SlicesTable } from "../../_components/tables";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Run #${(await params).id}` };
}

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const id = parseId((await params).id);
  if (id === null) notFound();
  const { db } = await getDb();
  const d = await runDetail(db, id);
  if (!d) notFound();
  const { run } = d;
  return (
    <>
      <h1>
        Run #{run.id} <StatusBadge status={run.status} />
      </h1>
      <p className="sub">
        {run.runKey} · as of {utc(run.asOf)} · trigger {run.trigger} ·{" "}
        <span data-testid="run-source">source {run.source ?? "not recorded"}</span>
      </p>
      {run.reason && <p data-testid="run-reason">{publicReasonText(run.reason)}</p>}
      <table>
        <tbody>
          <tr>
            <th>code version</th>
            <td className="mono">{run.codeVersion}</td>
          </tr>
          <tr>
            <th>config hash</th>
            <td className="mono">{run.configHash}</td>
          </tr>
          <tr>
            <th>input hash</th>
            <td className="mono">{run.inputHash ?? "—"}</td>
          </tr>
          <tr>
            <th>started / finished</th>
            <td>
              {utc(run.startedAt)} / {utc(run.finishedAt)}
            </td>
          </tr>
        </tbody>
      </table>

      {d.markets.map((m) => {
        const stages = d.stages.filter((s) => s.marketId === m.marketId);
        const metrics = d.metrics.filter((x) => x.marketId === m.marketId);
        const surfs = d.surfaces.filter((s) => s.marketId === m.marketId);
        const raw = surfs.find((s) => s.model === "market-iv");
        const slices = raw ? d.slices.filter((s) => s.surfaceId === raw.id) : [];
        const fits = surfs.filter((s) => s.model === "published" || s.model === "svi");
        const svFits = surfs.filter((s) => s.model === "heston" || s.model === "bates");
        const calSummary = stages.find((s) => s.stage === "calibrate")?.summary as
          { models?: { modelRisk?: RunModelRisk } | null } | undefined;
        const modelRisk = calSummary?.models?.modelRisk;
        const assessSummary = stages.find((s) => s.stage === "assess" && s.status === "ok")
          ?.summary as Pick<RiskReport, "stress"> | undefined;
        // The six policies' targets, as the propose stage derived them (lib/risk/policies).
        const targets = (
          stages.find((s) => s.stage === "propose" && s.status === "ok")?.summary as
            { considered?: { parameter: string; target: number; formula: string }[] } | undefined
        )?.considered;
        const props = d.proposals.filter((p) => p.marketId === m.marketId);
        const ingestSummary = stages.find((s) => s.stage === "ingest")?.summary as
          { gate?: string[] } | undefined;
        return (
          <section key={m.marketId} data-testid="run-market">
            <h2>
              <Link href={`/markets/${encodeURIComponent(m.marketId)}`}>{m.marketId}</Link>{" "}
              <StatusBadge status={m.status} />
            </h2>
            {m.reason && <p>{publicReasonText(m.reason)}</p>}
            <h3>Inputs</h3>
            <table>
              <tbody>
                <tr>
                  <th>snapshot</th>
                  <td>
                    {m.source ?? "—"} captured {utc(m.capturedAt)}, index {usd(m.indexPrice)}
                  </td>
                </tr>
                <tr>
                  <th>quotes</th>
                  <td>
                    {m.quotesUsed} used, {m.quotesDropped} dropped
                  </td>
                </tr>
                <tr>
                  <th>input hash</th>
                  <td className="mono">{m.inputHash ?? "—"}</td>
                </tr>
              </tbody>
            </table>
            {m.quality && (
              <>
                <h3>Data quality</h3>
                <QualityReport
                  report={m.quality}
                  extras={m.extras as SnapshotExtras | null}
                  gate={ingestSummary?.gate ?? []}
                />
              </>
            )}
            <h3>Stages</h3>
            <table data-testid="stages">
              <thead>
                <tr>
                  <th>stage</th>
                  <th>status</th>
                  <th className="num">time</th>
                  <th>summary</th>
                </tr>
              </thead>
              <tbody>
                {stages.map((s) => (
                  <tr key={s.id}>
                    <td>{s.stage}</td>
                    <td>
                      <StatusBadge status={s.status} />
                    </td>
                    <td className="num">{s.durationMs.toFixed(1)} ms</td>
                    <td>
                      <details>
                        <summary className="muted">details</summary>
                        <pre>{JSON.stringify(s.summary, null, 2)}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {metrics.length > 0 && (
              <>
                <h3>Risk</h3>
                <RiskTable rows={metrics} testId="risk" />
              </>
            )}
            {targets && (
              <>
                <h3>Targets for governed parameters</h3>
                <table data-testid="targets">
                  <thead>
                    <tr>
                      <th>parameter</th>
                      <th className="num">target</th>
                      <th>formula</th>
                    </tr>
                  </thead>
                  <tbody>
                    {targets.map((t) => (
                      <tr key={t.parameter}>
                        <td className="mono">{t.parameter}</td>
                        <td className="num">{pct(t.target, 3)}</td>
                        <td className="mono">{t.formula}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
            {assessSummary?.stress && (
              <>
                <h3>Stress</h3>
                <table data-testid="stress">
                  <thead>
                    <tr>
                      <th>scenario</th>
                      <th className="num">loss</th>
                      <th>when / where</th>
                    </tr>
                  </thead>
                  <tbody>
                    {assessSummary.stress.worstMoves.map((w) => (
                      <tr key={`h${w.horizon}${w.side ?? ""}`}>
                        <td>
                          worst {w.horizon}-day{" "}
                          {w.side === "short"
                            ? "rise (short side)"
                            : w.side
                              ? "fall (long side)"
                              : "move"}{" "}
                          in the history
                        </td>
                        <td className="num">{pct(w.loss)}</td>
                        <td>
                          {w.from} → {w.to}
                        </td>
                      </tr>
                    ))}
                    {assessSummary.stress.straddles.map((x) => (
                      <tr key={`s${x.expiry}`}>
                        <td>short 1-coin ATM straddle, {utc(x.expiry).slice(0, 10)}</td>
                        <td className="num">
                          {x.worst ? `${pct(x.worstFractionOfForward)} of forward` : "—"}
                        </td>
                        <td>
                          {x.worst
                            ? `spot ${pct(x.worst.spotShock, 0)}, vol ${pct(x.worst.volShock, 0)}`
                            : "no cell could be priced on the surface"}
                          {x.dropped?.length
                            ? ` (${x.dropped.length} cells dropped: ${x.dropped[0].reason})`
                            : ""}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
            {slices.length > 0 && (
              <>
                <h3>Surfaces</h3>
                <table data-testid="surfaces">
                  <thead>
                    <tr>
                      <th>model</th>
                      <th className="num">RMSE vs mid (vol pts)</th>
                      <th className="num">inside bid–ask</th>
                      <th className="num">butterfly</th>
                      <th className="num">calendar</th>
                      <th className="num">fit time</th>
                      <th>status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {fits.map((f) => {
                      const g = f.diagnostics as SurfaceDiagnostics;
                      return (
                        <tr key={f.id}>
                          <td>{f.model}</td>
                          <td className="num">{g.rmseVolPts.toFixed(2)}</td>
                          <td className="num">{pct(g.insideSpreadShare, 1)}</td>
                          <td className="num">{g.butterflyViolations}</td>
                          <td className="num">{g.calendarViolations}</td>
                          <td className="num">{g.fitMs.toFixed(1)} ms</td>
                          <td>{g.status}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
                {svFits.length > 0 && (
                  <>
                    <h3>Stochastic-volatility fits and regime</h3>
                    <table data-testid="sv-fits">
                      <thead>
                        <tr>
                          <th>model</th>
                          <th>start</th>
                          <th className="num">RMSE vs mid (vol pts)</th>
                          <th className="num">inside bid–ask</th>
                          <th className="num">Feller</th>
                          <th className="num">fit time</th>
                          <th>parameters</th>
                          <th>regime</th>
                          <th>status</th>
                        </tr>
                      </thead>
                      <tbody>
                        {svFits.map((f) => {
                          const g = f.diagnostics as RunSvFit;
                          const last = g.regime?.flags.at(-1);
                          return (
                            <tr key={f.id}>
                              <td>{f.model}</td>
                              <td>{g.start}</td>
                              <td className="num">{fixed(g.rmseVolPts)}</td>
                              <td className="num">{pct(g.insideSpreadShare, 1)}</td>
                              <td className="num">{fixed(g.feller)}</td>
                              <td className="num">{g.fitMs.toFixed(0)} ms</td>
                              <td className="mono">
                                {g.params
                                  ? Object.entries(g.params)
                                      .map(([k, v]) => `${k} ${Number(v.toPrecision(3))}`)
                                      .join(", ")
                                  : "—"}
                              </td>
                              <td>
                                {!g.regime
                                  ? "—"
                                  : g.regime.flagged
                                    ? `flagged (CUSUM h ${g.regime.options.h}, k ${g.regime.options.k}; last flag ${last?.asOf.slice(0, 10)}: ${last?.parameters.join(", ")})`
                                    : `no flag in the last ${g.regime.options.windowRuns} runs (${g.regime.steps} filtered)`}
                              </td>
                              <td>{g.reason ? `${g.status}: ${g.reason}` : g.status}</td>
                            </tr>
                          );
                        })}
                      </tbody>
                    </table>
                  </>
                )}
                {modelRisk && (
                  <p data-testid="run-model-risk">
                    Model-risk index{" "}
                    {modelRisk.index === null
                      ? `not computed (${modelRisk.reason ?? modelRisk.status})`
                      : `${pct(modelRisk.index, 1)} (fit-adjusted ${pct(modelRisk.adjustedIndex, 1)})`}
                    : exotic basket under the published local vol, Heston and Bates,{" "}
                    {modelRisk.paths} seeded paths per model (seed {modelRisk.seed}),{" "}
                    {modelRisk.ms.toFixed(0)} ms.
                  </p>
                )}
                <h3>Implied vol by expiry</h3>
                <SlicesTable rows={slices} testId="slices" />
              </>
            )}
            <h3>Proposals</h3>
            {props.length === 0 ? (
              <p className="muted">None from this run.</p>
            ) : (
              <ul>
                {props.map((p) => (
                  <li key={p.id}>
                    <Link href={`/proposals/${p.id}`}>Proposal #{p.id}</Link>{" "}
                    <StatusBadge status={p.status} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </>
  );
}

interface RunSvFit {
  start: string;
  status: string;
  reason?: string;
  rmseVolPts: number | null;
  insideSpreadShare: number | null;
  feller: number | null;
  fitMs: number;
  params: Record<string, number> | null;
  regime: {
    steps: number;
    flagged: boolean;
    flags: { asOf: string; parameters: string[] }[];
    options: { k: number; h: number; windowRuns: number };
  } | null;
}

interface RunModelRisk {
  status: string;
  reason?: string;
  index: number | null;
  adjustedIndex: number | null;
  paths: number;
  seed: number;
  ms: number;
}

const fixed = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(2);
