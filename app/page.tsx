import Link from "next/link";
import { getDb } from "@/db";
import {
  currentParameters,
  latestRunPayload,
  modelRiskGlance,
  openProposals,
  type Trend,
} from "@/db/queries/views";
import { isEsPolicy } from "@/lib/config";
import { loadConfig } from "@/lib/configFile";
import { pct, pp, utc } from "@/lib/format";
import { LatestRun } from "./_components/LatestRun";

export const dynamic = "force-dynamic";

export default async function Overview() {
  const { db } = await getDb();
  const [params, latest, open] = await Promise.all([
    currentParameters(db),
    latestRunPayload(db),
    openProposals(db),
  ]);
  const marketIds = [...new Set(params.map((p) => p.marketId))];
  const config = loadConfig();
  // The policy method and level of each market's first governed parameter: whose backtest zone
  // the overview shows.
  const glance = await Promise.all(
    marketIds.map(async (id) => {
      const first = config.markets.find((m) => m.id === id)?.parameters[0]?.policy;
      const policy = first && isEsPolicy(first) ? first : undefined;
      const g = await modelRiskGlance(db, id, {
        method: policy?.method ?? "hs",
        level: policy?.level ?? 0.99,
      });
      return { id, method: policy?.method ?? "hs", ...g };
    }),
  );
  return (
    <>
      <h1>Overview</h1>
      <p className="sub">
        Live protocol parameters, the latest calibration run and the proposals awaiting review.
      </p>
      <h2>Markets and current parameters</h2>
      <div className="grid">
        {marketIds.map((id) => (
          <div className="card" key={id} data-testid="market-card">
            <h3>
              <Link href={`/markets/${encodeURIComponent(id)}`}>{id}</Link>
            </h3>
            <table>
              <tbody>
                {params
                  .filter((p) => p.marketId === id)
                  .map((p) => (
                    <tr key={p.id}>
                      <td className="mono">{p.name}</td>
                      <td className="num kpi">{pct(p.value)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
            <p className="muted">
              bounds{" "}
              {params
                .filter((p) => p.marketId === id)
                .map((p) => `${pct(p.min)}–${pct(p.max)}`)
                .join(", ")}{" "}
              · in force since {utc(params.find((p) => p.marketId === id)?.effectiveAt)}
            </p>
          </div>
        ))}
      </div>
      <h2>Model risk at a glance</h2>
      <p className="muted">
        Per market, the latest run&apos;s value and the previous run&apos;s (arrow: the trend); each
        links to its chart on the market page.
      </p>
      <table data-testid="model-risk-glance">
        <thead>
          <tr>
            <th>market</th>
            <th>policy method&apos;s backtest zone</th>
            <th className="num">surface error (vol pts)</th>
            <th className="num">out of sample (vol pts)</th>
            <th className="num">spread across VaR/ES methods</th>
            <th className="num">model-risk index</th>
            <th>regime flag</th>
          </tr>
        </thead>
        <tbody>
          {glance.map((g) => {
            const href = (anchor: string) => `/markets/${encodeURIComponent(g.id)}#${anchor}`;
            const flagged = g.regime.latest ?? [];
            return (
              <tr key={g.id}>
                <td>
                  <Link href={`/markets/${encodeURIComponent(g.id)}`}>{g.id}</Link>
                </td>
                <td>
                  <Link href={href("backtests")}>
                    {g.zone.latest ? (
                      <span className={`badge zone-${g.zone.latest}`}>{g.zone.latest}</span>
                    ) : (
                      "—"
                    )}
                  </Link>{" "}
                  <span className="muted">
                    {g.method}
                    {g.zone.previous && g.zone.previous !== g.zone.latest
                      ? `, was ${g.zone.previous}`
                      : ""}
                  </span>
                </td>
                <td className="num">
                  <Link href={href("fit-error")}>{numberTrend(g.surfaceRmse)}</Link>
                </td>
                <td className="num">
                  <Link href={href("out-of-sample")}>{numberTrend(g.outOfSampleRmse)}</Link>
                </td>
                <td className="num">
                  <Link href={href("method-spread")}>{pctTrend(g.methodSpread)}</Link>
                  {warn(g.methodSpread.latest, g.spreadWarning)}
                </td>
                <td className="num">
                  <Link href={href("model-risk-index")}>{pctTrend(g.modelRiskIndex)}</Link>
                  {warn(g.modelRiskIndex.latest, g.indexWarning)}
                </td>
                <td>
                  <Link
                    href={href(
                      flagged.includes("bates") && !flagged.includes("heston")
                        ? "sv-bates"
                        : "sv-heston",
                    )}
                  >
                    {g.regime.latest === null
                      ? "—"
                      : flagged.length
                        ? `flagged: ${flagged.join(", ")}`
                        : "none"}
                  </Link>
                  {g.regime.previous && g.regime.previous.length !== flagged.length ? (
                    <span className="muted">
                      {" "}
                      (was {g.regime.previous.length ? g.regime.previous.join(", ") : "none"})
                    </span>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>Latest run</h2>
      <LatestRun initial={latest} />
      <h2>Open proposals</h2>
      <p className="muted">
        Reviewed and executed by the <Link href="/committee">risk committee</Link>; every decision
        is signed and in the <Link href="/audit">audit trail</Link>.
      </p>
      {open.length === 0 ? (
        <p className="muted">No open proposals.</p>
      ) : (
        <table data-testid="open-proposals">
          <thead>
            <tr>
              <th>proposal</th>
              <th>market</th>
              <th>parameter</th>
              <th className="num">current</th>
              <th className="num">proposed</th>
              <th className="num">change</th>
              <th className="num">policy target</th>
              <th>created (run as-of)</th>
            </tr>
          </thead>
          <tbody>
            {open.map((p) => (
              <tr key={`${p.id}-${p.name}`}>
                <td>
                  <Link href={`/proposals/${p.id}`}>#{p.id}</Link>
                </td>
                <td>{p.marketId}</td>
                <td className="mono">{p.name}</td>
                <td className="num">{pct(p.currentValue)}</td>
                <td className="num">{pct(p.proposedValue)}</td>
                <td className="num">{pp(p.proposedValue - p.currentValue)}</td>
                <td className="num">{pct(p.targetValue)}</td>
                <td>
                  {utc(p.createdAt)} (<Link href={`/runs/${p.runId}`}>run #{p.runId}</Link>)
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const arrow = (t: Trend<number>) =>
  t.latest === null || t.previous === null
    ? ""
    : t.latest > t.previous
      ? " ↑"
      : t.latest < t.previous
        ? " ↓"
        : " →";

/** "1.23 ↑ (from 1.10)": the latest value, the trend and the previous value. */
function numberTrend(t: Trend<number>): string {
  if (t.latest === null) return "—";
  return `${t.latest.toFixed(2)}${arrow(t)}${t.previous === null ? "" : ` (from ${t.previous.toFixed(2)})`}`;
}

function pctTrend(t: Trend<number>): string {
  if (t.latest === null) return "—";
  return `${pct(t.latest, 1)}${arrow(t)}${t.previous === null ? "" : ` (from ${pct(t.previous, 1)})`}`;
}

function warn(value: number | null, threshold: number | null) {
  return value !== null && threshold !== null && value > threshold ? (
    <span className="badge zone-red" title={`above the warning threshold ${pct(threshold, 1)}`}>
      {" "}
      high
    </span>
  ) : null;
}
