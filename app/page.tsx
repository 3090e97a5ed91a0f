import Link from "next/link";
import { getDb } from "@/db";
import { currentParameters, latestRunPayload, openProposals } from "@/db/queries/views";
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
