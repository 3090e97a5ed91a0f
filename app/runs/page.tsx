import Link from "next/link";
import { publicReasonText } from "@/lib/api/publicReason";
import { getDb } from "@/db";
import { listRuns } from "@/db/queries/views";
import { utc } from "@/lib/format";
import { StatusBadge } from "../_components/StatusBadge";

export const dynamic = "force-dynamic";
export const metadata = { title: "Runs" };

export default async function RunsPage() {
  const { db } = await getDb();
  const runs = await listRuns(db, 500);
  return (
    <>
      <h1>Runs</h1>
      <p className="sub">Every run of the loop, newest first (by the time its data is as of).</p>
      <table data-testid="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>as of</th>
            <th>job</th>
            <th>status</th>
            <th>reason</th>
            <th className="num">duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td>
                <Link href={`/runs/${r.id}`}>#{r.id}</Link>
              </td>
              <td>{utc(r.asOf)}</td>
              <td>{r.job}</td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>{publicReasonText(r.reason) ?? ""}</td>
              <td className="num">
                {r.finishedAt
                  ? `${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(2)} s`
                  : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
