"use client";

import Link from "next/link";
import useSWR from "swr";
import { age, utc } from "@/lib/format";
import { StatusBadge } from "./StatusBadge";
import type { LatestRunPayload } from "@/db/queries/views";

const fetcher = (url: string) =>
  fetch(url).then((r) => {
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json() as Promise<LatestRunPayload>;
  });

/** The latest run and the freshness of its data; refreshed every minute so it follows the cron. */
export function LatestRun({ initial }: { initial: LatestRunPayload }) {
  const { data } = useSWR("/api/v1/runs/latest", fetcher, {
    fallbackData: initial,
    refreshInterval: 60_000,
  });
  const latest = data ?? initial;
  if (!latest.run) return <p className="muted">No run recorded yet.</p>;
  const { run, markets } = latest;
  return (
    <div className="card" data-testid="latest-run">
      <h3>
        Latest run <Link href={`/runs/${run.id}`}>#{run.id}</Link>{" "}
        <StatusBadge status={run.status} />
      </h3>
      <p className="muted">
        as of {utc(run.asOf)} · {run.runKey}
      </p>
      {run.reason && (
        <p>
          {run.reason.category}: {run.reason.message}
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>market</th>
            <th>status</th>
            <th>data captured</th>
            <th className="num">data age at run</th>
          </tr>
        </thead>
        <tbody>
          {markets.map((m) => (
            <tr key={m.marketId}>
              <td>
                <Link href={`/markets/${encodeURIComponent(m.marketId)}`}>{m.marketId}</Link>
              </td>
              <td>
                <StatusBadge status={m.status} />
              </td>
              <td>{utc(m.capturedAt)}</td>
              <td className="num">{m.dataAgeHours === null ? "—" : age(m.dataAgeHours)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
