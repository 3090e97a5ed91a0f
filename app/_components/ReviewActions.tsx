"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { connectedWallet, errorText } from "./wallet";

interface TypedData {
  domain: { name: string; version: string; chainId: number };
  types: { Review: { name: string; type: string }[] };
  primaryType: "Review";
  message: {
    proposalId: number;
    payloadHash: `0x${string}`;
    decision: string;
    commentHash: `0x${string}`;
    issuedAt: number;
  };
}

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

/** Approve / reject by an EIP-712 signature over the proposal's payload, for reviewers. */
export function ReviewActions({ proposalId }: { proposalId: number }) {
  const router = useRouter();
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const review = async (decision: "approve" | "reject") => {
    setBusy(true);
    setError(null);
    try {
      const { wallet, account } = await connectedWallet();
      const issuedAt = Math.floor(Date.now() / 1000);
      const q = new URLSearchParams({ decision, comment, issuedAt: String(issuedAt) });
      const res = await fetch(`/api/v1/proposals/${proposalId}/review-request?${q}`);
      if (!res.ok) throw new Error(`review request failed (HTTP ${res.status})`);
      const typed = (await res.json()) as TypedData;
      const signature = await wallet.signTypedData({
        account,
        domain: { ...typed.domain, chainId: BigInt(typed.domain.chainId) },
        types: typed.types,
        primaryType: typed.primaryType,
        message: {
          ...typed.message,
          proposalId: BigInt(typed.message.proposalId),
          issuedAt: BigInt(typed.message.issuedAt),
        },
      });
      await postJson(`/api/v1/proposals/${proposalId}/reviews`, {
        decision,
        comment,
        issuedAt,
        signature,
      });
      router.refresh();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** Records the execution of an approved proposal, for executors. */
export function ExecuteAction({ proposalId }: { proposalId: number }) {
  const router = useRouter();
  const [txHash, setTxHash] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const execute = async () => {
    setBusy(true);
    setError(null);
    try {
      await postJson(`/api/v1/proposals/${proposalId}/execution`, {
        executedAt: new Date().toISOString(),
        ...(txHash ? { txHash } : {}),
      });
      router.refresh();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
