import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/db";
import { latestTermStructure, marketHistory, marketIds } from "@/db/queries/views";
import { utc } from "@/lib/format";
import { PercentLines } from "../../_components/charts";
import { SlicesTable } from "../../_components/tables";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ market: string }> }) {
  return { title: decodeURIComponent((await params).market) };
}

export default async function MarketPage({ params }: { params: Promise<{ market: string }> }) {
  const id = decodeURIComponent((await params).market);
  const { db } = await getDb();
  if (!(await marketIds(db)).includes(id)) notFound();
  const [term, history] = await Promise.all([latestTermStructure(db, id), marketHistory(db, id)]);
  const termRows =
    term?.slices.map((s) => ({
      days: Number((s.t * 365).toFixed(1)),
      atmVol: s.atmVol,
    })) ?? [];
  const byRun = new Map<number, Record<string, number | string | null>>();
  for (const v of history.vols) {
    const d = v.diagnostics as { atm30d?: number | null };
    byRun.set(v.runId, { date: v.asOf.toISOString().slice(0, 10), atm30d: d.atm30d ?? null });
  }
  for (const r of history.risk) {
    const row = byRun.get(r.runId) ?? { date: r.asOf.toISOString().slice(0, 10) };
    const tag = r.level === 0.99 ? "99" : r.level === 0.975 ? "975" : String(r.level);
    row[`var${tag}`] = r.var;
    row[`es${tag}`] = r.es;
    byRun.set(r.runId, row);
  }
  const historyRows = [...byRun.values()].sort((a, b) =>
    String(a.date).localeCompare(String(b.date)),
  );
  return (
    <>
      <h1>{id}</h1>
      <p className="sub">
        Implied-volatility term structure of the latest run and the history of volatility and tail
        risk across runs.
      </p>
      <h2>ATM implied-vol term structure</h2>
      {term ? (
        <>
          <p className="muted">
            Run <Link href={`/runs/${term.runId}`}>#{term.runId}</Link>, data captured{" "}
            {utc(term.asOf)}. ATM vol = mid-price implied vol interpolated linearly in log-moneyness
            to the forward.
          </p>
          <PercentLines
            data={termRows}
            x="days"
            xLabel="days to expiry"
            numericX
            series={[{ key: "atmVol", name: "ATM implied vol", color: "#5cc8ff" }]}
          />
          <SlicesTable rows={term.slices} testId="term-structure" />
        </>
      ) : (
        <p className="muted">No calibrated run yet.</p>
      )}
      <h2>History across runs</h2>
      <p className="muted">
        {historyRows.length} runs. 30-day ATM vol (interpolated in total variance); 1-day VaR and
        Expected Shortfall by historical simulation (loss = −log return).
      </p>
      <h3>30-day ATM implied vol</h3>
      <PercentLines
        data={historyRows}
        x="date"
        series={[{ key: "atm30d", name: "30d ATM vol", color: "#5cc8ff" }]}
      />
      <h3>1-day VaR and Expected Shortfall</h3>
      <PercentLines
        data={historyRows}
        x="date"
        series={[
          { key: "var99", name: "VaR 99 %", color: "#d29922" },
          { key: "es99", name: "ES 99 %", color: "#f85149" },
          { key: "es975", name: "ES 97.5 %", color: "#a371f7" },
        ]}
      />
    </>
  );
}
