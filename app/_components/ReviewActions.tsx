"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { signableReview, type ReviewTypedData } from "@/lib/governance/reviewTypes";
import { connectedWallet, useAction } from "./wallet";

async function postJson(url: string, body: unknown) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const p = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new Error(p.detail ?? p.title ?? `HTTP ${res.status}`);
  }
}

function ActionError({ error }: { error: string | null }) {
  return error ? (
    <p className="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** Approve / reject by an EIP-712 signature over the proposal's payload, for reviewers. */
export function ReviewActions({ proposalId }: { proposalId: number }) {
  const router = useRouter();
  const [comment, setComment] = useState("");
  const { busy, error, run } = useAction();
  const review = (decision: "approve" | "reject") =>
    run(async () => {
      const { wallet, account } = await connectedWallet();
      const issuedAt = Math.floor(Date.now() / 1000);
      const q = new URLSearchParams({ decision, comment, issuedAt: String(issuedAt) });
      const res = await fetch(`/api/v1/proposals/${proposalId}/review-request?${q}`);
      if (!res.ok) throw new Error(`review request failed (HTTP ${res.status})`);
      const typed = (await res.json()) as ReviewTypedData;
      const signature = await wallet.signTypedData({ account, ...signableReview(typed) });
      await postJson(`/api/v1/proposals/${proposalId}/reviews`, {
        decision,
        comment,
        issuedAt,
        signature,
      });
      router.refresh();
    });
  return (
    <div className="card" data-testid="review-actions">
      <label>
        Comment (signed with your decision)
        <textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={2} />
      </label>
      <p>
        <button
          type="button"
          disabled={busy}
          onClick={() => review("approve")}
          data-testid="approve"
        >
          Approve (sign)
        </button>{" "}
        <button type="button" disabled={busy} onClick={() => review("reject")} data-testid="reject">
          Reject (sign)
        </button>
      </p>
      <ActionError error={error} />
    </div>
  );
}

/** Records the execution of an approved proposal, for executors. */
export function ExecuteAction({ proposalId }: { proposalId: number }) {
  const router = useRouter();
  const [txHash, setTxHash] = useState("");
  const { busy, error, run } = useAction();
  const execute = () =>
    run(async () => {
      await postJson(`/api/v1/proposals/${proposalId}/execution`, {
        executedAt: new Date().toISOString(),
        ...(txHash ? { txHash } : {}),
      });
      router.refresh();
    });
  return (
    <div className="card" data-testid="execute-action">
      <label>
        Transaction hash (optional)
        <input value={txHash} onChange={(e) => setTxHash(e.target.value)} placeholder="0x…" />
      </label>
      <p>
        <button type="button" disabled={busy} onClick={execute} data-testid="execute">
          Record execution now
        </button>
      </p>
      <ActionError error={error} />
    </div>
  );
}
