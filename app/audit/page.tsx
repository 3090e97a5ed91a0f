import Link from "next/link";
import { getDb } from "@/db";
import { auditHead, auditPage } from "@/db/queries/audit";
import { utc } from "@/lib/format";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit trail" };

const PAGE = 200;

function entityLink(entity: string) {
  const [kind, id] = entity.split(":");
  if (kind === "proposal") return <Link href={`/proposals/${id}`}>{entity}</Link>;
  if (kind === "run") return <Link href={`/runs/${id}`}>{entity}</Link>;
  return <span className="mono">{entity}</span>;
}

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const raw = (await searchParams).after;
  const after = typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : 0;
  const { db } = await getDb();
  const events = await auditPage(db, after, PAGE + 1);
  const page = events.slice(0, PAGE);
  const head = await auditHead(db);
  return (
    <>
      <h1>Audit trail</h1>
      <p className="sub">
        Every state change — runs, proposals, reviews, executions, committee changes — as an
        append-only hash chain: each event&apos;s hash is SHA-256 of the previous hash, a newline
        and the event&apos;s canonical JSON. Verify it with <code>vigil audit verify</code> or from{" "}
        <a href="/api/v1/audit">the API</a> as <code>docs/governance.md</code> describes.
      </p>
      <p data-testid="audit-head">
        Head: event {head?.seq ?? 0}, hash <span className="mono">{head?.hash ?? "none yet"}</span>
      </p>
      <table data-testid="audit-events">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>at</th>
            <th>kind</th>
            <th>entity</th>
            <th>actor</th>
            <th>hash</th>
          </tr>
        </thead>
        <tbody>
          {page.map((e) => (
            <tr key={e.seq}>
              <td className="num">{e.seq}</td>
              <td>{utc(e.at)}</td>
              <td>{e.kind}</td>
              <td>{entityLink(e.entity)}</td>
              <td className="mono">{e.actor}</td>
              <td className="mono" title={e.hash}>
                {e.hash.slice(0, 12)}…
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length > PAGE && (
        <p>
          <Link href={`/audit?after=${page.at(-1)!.seq}`}>Next events →</Link>
        </p>
      )}
    </>
  );
}
