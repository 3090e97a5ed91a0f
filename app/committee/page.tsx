import Link from "next/link";
import { getDb } from "@/db";
import { listMembers, memberInForce } from "@/db/queries/governance";
import { committeeQueue } from "@/db/queries/views";
import { authEnv } from "@/lib/auth/env";
import { viewer } from "@/lib/auth/session";
import { pct, utc } from "@/lib/format";
import { SignIn } from "../_components/SignIn";
import { StatusBadge } from "../_components/StatusBadge";

export const dynamic = "force-dynamic";
export const metadata = { title: "Committee" };

export default async function CommitteePage() {
  const { db } = await getDb();
  const [queue, members, me] = await Promise.all([committeeQueue(db), listMembers(db), viewer(db)]);
  const now = new Date();
  return (
    <>
      <h1>Risk committee</h1>
      <p className="sub">
        Proposals awaiting a decision or an execution, who has signed, and the members. Reviews are
        EIP-712 signatures over each proposal&apos;s payload; see{" "}
        <Link href="/audit">the audit trail</Link> to verify them.
      </p>
      <SignIn chainId={authEnv().SIWE_CHAIN_ID} address={me.address} />
      {me.address && !me.member && (
        <p className="error">This address is not an active committee member.</p>
      )}
      {me.member && (
        <p className="muted" data-testid="my-role">
          Your role: {me.member.role}
        </p>
      )}
      <h2>Queue</h2>
      {queue.length === 0 ? (
        <p className="muted">Nothing awaits the committee.</p>
      ) : (
        <table data-testid="queue">
          <thead>
            <tr>
              <th>proposal</th>
              <th>status</th>
              <th>market</th>
              <th>change</th>
              <th>quorum</th>
              <th>signed by</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {queue.map((p) => {
              const approvals = p.reviews.filter((r) => r.decision === "approve").length;
              const rejections = p.reviews.filter((r) => r.decision === "reject").length;
              return (
                <tr key={p.id}>
                  <td>
                    <Link href={`/proposals/${p.id}`}>#{p.id}</Link>
                  </td>
                  <td>
                    <StatusBadge status={p.status} />
                  </td>
                  <td>{p.marketId}</td>
                  <td>
                    {p.changes.map((c) => (
                      <div key={c.name}>
                        <span className="mono">{c.name}</span> {pct(c.currentValue)} →{" "}
                        {pct(c.proposedValue)}
                      </div>
                    ))}
                  </td>
                  <td>
                    <progress max={p.quorum} value={Math.min(approvals, p.quorum)} /> {approvals}/
                    {p.quorum} approve{rejections > 0 && `, ${rejections}/${p.quorum} reject`}
                  </td>
                  <td className="mono">
                    {p.reviews.map((r) => (
                      <div key={r.id}>
                        {r.memberAddress.slice(0, 10)}… {r.decision}
                      </div>
                    ))}
                  </td>
                  <td>{utc(p.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <h2>Members</h2>
      {members.length === 0 ? (
        <p className="muted">
          No members yet: an operator adds the first admin with{" "}
          <code>vigil committee add &lt;address&gt; --role admin</code>.
        </p>
      ) : (
        <table data-testid="members">
          <thead>
            <tr>
              <th>address</th>
              <th>name</th>
              <th>role</th>
              <th>status</th>
              <th>valid</th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.address}>
                <td className="mono">{m.address}</td>
                <td>{m.displayName}</td>
                <td>{m.role}</td>
                <td>{memberInForce(m, now) ? "active" : "inactive"}</td>
                <td>
                  {utc(m.validFrom)} – {m.validUntil ? utc(m.validUntil) : "open-ended"}
                  {m.removedAt && <> · removed {utc(m.removedAt)}</>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
