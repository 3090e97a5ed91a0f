import Link from "next/link";
import { publicReasonText } from "@/lib/api/publicReason";
import { getDb } from "@/db";
import { listRuns } from "@/db/queries/views";
import { utc } from "@/lib/format";
import { StatusBadge } from "../_components/StatusBadge";

export const dynamic = "force-dynamic";
export const metadata = { title: "Runs" };

const PAGE = 100;

/** `?before=<as-of ISO>_<id>`: the page of runs after that one (newest first); bad → first page. */
function parseCursor(raw: unknown): { asOf: Date; id: number } | undefined {
  if (typeof raw !== "string") return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)_(\d{1,10})$/.exec(raw);
  const asOf = m ? new Date(m[1]) : null;
  const id = m ? Number(m[2]) : NaN;
  return asOf && !Number.isNaN(asOf.getTime()) && id <= 2_147_483_647 ? { asOf, id } : undefined;
}

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const before = parseCursor((await searchParams).before);
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
          <Link
            href={`/runs?before=${last.asOf.toISOString()}_${last.id}`}
            data-testid="runs-older"
          >
            older runs →
          </Link>
        </p>
      )}
    </>
  );
}
