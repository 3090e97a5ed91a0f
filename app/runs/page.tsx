import Link from "next/link";
import { publicReasonText } from "@/lib/api/publicReason";
import { Cursor, encodeCursor } from "@/lib/api/schemas";
import { getDb } from "@/db";
import { listRuns } from "@/db/queries/views";
import { utc } from "@/lib/format";
import { StatusBadge } from "../_components/StatusBadge";

export const dynamic = "force-dynamic";
export const metadata = { title: "Runs" };

const PAGE = 100;

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // `?before=<cursor>`: the page after that run (the API's cursor); a bad one → the first page.
  const before = Cursor.safeParse((await searchParams).before).data;
  const { db } = await getDb();
  const rows = await listRuns(db, PAGE + 1, before);
  const runs = rows.slice(0, PAGE);
  const last = rows.length > PAGE ? runs.at(-1) : undefined;
  return (
    <>
      <h1>Runs</h1>
      <p className="sub">
        Every run of the loop, newest first (by the time its data is as of), {PAGE} a page.
      </p>
      <table data-testid="runs">
        <thead>
          <tr>
            <th>run</th>
            <th>as of</th>
            <th>job</th>
            <th>source</th>
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
              <td>{r.source ?? "—"}</td>
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
      {last && (
        <p>
          <Link href={`/runs?before=${encodeCursor(last.asOf, last.id)}`} data-testid="runs-older">
            older runs →
          </Link>
        </p>
      )}
    </>
  );
}
