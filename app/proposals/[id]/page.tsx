import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/db";
import { proposalDetail } from "@/db/queries/views";
import { pct, pp, utc } from "@/lib/format";
import type { GuardrailStep } from "@/lib/governance/policy";
import { stepLimitText } from "@/lib/governance/rationale";
import { executionOf, payloadOf, reviewsOf } from "@/db/queries/governance";
import { parseId } from "@/lib/api/problem";
import { viewer } from "@/lib/auth/session";
import { ExecuteAction, ReviewActions } from "../../_components/ReviewActions";
import { StatusBadge } from "../../_components/StatusBadge";
import { RiskTable } from "../../_components/tables";
import { WhatIf } from "../../_components/WhatIf";
import { whatIfDefaults } from "@/lib/api/whatIf";
import { loadConfig } from "@/lib/configFile";
import { RISK_METHODS } from "@/lib/quant/riskMethods";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Proposal #${(await params).id}` };
}

function describe(step: GuardrailStep): string {
  switch (step.check) {
    case "target-bounds":
      return `target within the bounds ${pct(step.min)}–${pct(step.max)}: ${pct(step.before)} → ${pct(step.after)}`;
    case "dead-band":
      return `dead-band: gap ${pct(step.relativeGap)} of current vs threshold ${pct(step.threshold)} — ${step.passed ? "outside, change considered" : "inside, no change"}`;
    case "min-delay":
      return `minimum delay ${step.minHours} h: ${step.hoursSinceLastChange.toFixed(0)} h since the last executed change — ${step.passed ? "passed" : "too soon"}`;
    case "cooldown":
      return `cool-down after a rejection ${step.minHours} h: ${Number.isFinite(step.hoursSinceLastReject) ? `${step.hoursSinceLastReject.toFixed(0)} h since the last rejection` : "never rejected"} — ${step.passed ? "passed" : "still cooling down"}`;
    case "max-change":
      return `max ${step.direction} ${stepLimitText(step.limit)} per update: ${pct(step.before)} → ${pct(step.after)}`;
    case "step-grid":
      return `step grid ${pct(step.step, 3)} (toward the current value): ${pct(step.before, 3)} → ${pct(step.after, 3)}`;
    case "bounds":
      return `hard bounds ${pct(step.min)}–${pct(step.max)}, last: ${pct(step.before)} → ${pct(step.after)}`;
    default:
      return JSON.stringify(step);
  }
}

export default async function ProposalPage({ params }: { params: Promise<{ id: string }> }) {
  const id = parseId((await params).id);
  if (id === null) notFound();
  const { db } = await getDb();
  const d = await proposalDetail(db, id);
  if (!d) notFound();
  const { proposal: p } = d;
  const market = loadConfig().markets.find((m) => m.id === p.marketId);
  const [revs, execution, { payloadHash }, me] = await Promise.all([
    reviewsOf(db, [id]),
    executionOf(db, id),
    payloadOf(db, p),
    viewer(db),
  ]);
  const approvals = revs.filter((r) => r.decision === "approve").length;
  const rejections = revs.filter((r) => r.decision === "reject").length;
  const mine = me.member ? revs.find((r) => r.memberAddress === me.member!.address) : undefined;
  return (
    <>
      <h1>
        Proposal #{p.id} <StatusBadge status={p.status} />
      </h1>
      <p className="sub">
        {p.marketId} · created {utc(p.createdAt)} by{" "}
        <Link href={`/runs/${p.runId}`}>run #{p.runId}</Link>
        {p.supersededBy && (
          <>
            {" "}
            · superseded by <Link href={`/proposals/${p.supersededBy}`}>#{p.supersededBy}</Link>
          </>
        )}
      </p>
      <h2>Decision</h2>
      <p data-testid="quorum">
        {approvals} of {p.quorum} approvals, {rejections} of {p.quorum} rejections needed to decide
        {p.decidedAt && p.status !== "open" && <> · decided {utc(p.decidedAt)}</>}
        {execution && (
          <>
            {" "}
            · executed {utc(execution.executedAt)} by{" "}
            <span className="mono">{execution.executedBy}</span>
            {execution.txHash && (
              <>
                {" "}
                (tx <span className="mono">{execution.txHash}</span>)
              </>
            )}
          </>
        )}
      </p>
      {revs.length > 0 && (
        <table data-testid="reviews">
          <thead>
            <tr>
              <th>reviewer</th>
              <th>decision</th>
              <th>comment</th>
              <th>issued</th>
              <th>EIP-712 signature</th>
            </tr>
          </thead>
          <tbody>
            {revs.map((r) => (
              <tr key={r.id}>
                <td className="mono">{r.memberAddress}</td>
                <td>
                  <StatusBadge status={r.decision === "approve" ? "approved" : "rejected"} />
                </td>
                <td>{r.comment}</td>
                <td>{utc(r.issuedAt)}</td>
                <td className="mono" title={r.signature}>
                  {r.signature.slice(0, 14)}…
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.status === "open" && me.member?.role === "reviewer" && !mine && (
        <ReviewActions proposalId={p.id} />
      )}
      {p.status === "approved" && me.member?.role === "executor" && (
        <ExecuteAction proposalId={p.id} />
      )}
      {!me.member && (p.status === "open" || p.status === "approved") && (
        <p className="muted">
          Committee members <Link href="/committee">sign in</Link> to review or execute.
        </p>
      )}
      <p className="muted">
        Payload hash <span className="mono">{payloadHash}</span> ·{" "}
        <a href={`/api/v1/proposals/${p.id}/payload`}>payload (JSON)</a> ·{" "}
        <a href={`/proposals/${p.id}/arfc.md`}>ARFC (markdown)</a>
        {p.reaffirmedBy.length > 0 && (
          <>
            {" "}
            · reaffirmed by{" "}
            {p.reaffirmedBy.map((r, i) => (
              <span key={r.runId}>
                {i > 0 && ", "}
                <Link href={`/runs/${r.runId}`}>run #{r.runId}</Link>
              </span>
            ))}
          </>
        )}
      </p>
      <h2>Current vs proposed</h2>
      <table data-testid="changes">
        <thead>
          <tr>
            <th>parameter</th>
            <th className="num">current</th>
            <th className="num">proposed</th>
            <th className="num">change</th>
            <th className="num">policy target</th>
            <th>bounds</th>
          </tr>
        </thead>
        <tbody>
          {d.changes.map((c) => (
            <tr key={c.name}>
              <td className="mono">{c.name}</td>
              <td className="num">{pct(c.currentValue)}</td>
              <td className="num">{pct(c.proposedValue)}</td>
              <td className="num">{pp(c.proposedValue - c.currentValue)}</td>
              <td className="num">{pct(c.targetValue)}</td>
              <td>
                {pct(c.min)}–{pct(c.max)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Rationale</h2>
      <p className="rationale" data-testid="rationale">
        {p.rationale}
      </p>
      <h2>Guardrail trace</h2>
      {d.changes.map((c) => {
        const trace = c.guardrailTrace as {
          trace: GuardrailStep[];
          reason: string;
          derivation?: { formula?: string; target: number };
        };
        return (
          <div key={c.name} data-testid="guardrail-trace">
            <p className="mono">{c.name}</p>
            {trace.derivation?.formula && (
              <p>
                Policy: {trace.derivation.formula} → target {pct(trace.derivation.target, 3)}
              </p>
            )}
            <ol>
              {trace.trace.map((s) => (
                <li key={s.check}>{describe(s)}</li>
              ))}
            </ol>
            <p className="muted">Outcome: {trace.reason}.</p>
          </div>
        );
      })}
      {market && (
        <>
          <h2>What-if</h2>
          <WhatIf
            market={market.id}
            parameters={whatIfDefaults(market)}
            initial={d.changes[0]?.name}
            referencePositionUsd={market.liquidity.referencePositionUsd}
            methods={RISK_METHODS}
          />
        </>
      )}
      <h2>Evidence</h2>
      <RiskTable rows={d.metrics} testId="evidence" />
      <p className="muted">
        Inputs and stage timings: <Link href={`/runs/${p.runId}`}>run #{p.runId}</Link>
        {d.run && (
          <>
            {" "}
            (config hash <span className="mono">{d.run.configHash.slice(0, 12)}…</span>)
          </>
        )}
        .
      </p>
    </>
  );
}
