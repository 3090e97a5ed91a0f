// Append-only, hash-chained audit events: hash_n = SHA-256(hash_{n−1} ‖ canonical event). Anyone
// holding the events can recompute the chain; editing or dropping one breaks every later hash.
import { canonicalJson, sha256Hex } from "../config";
import { commentHash, type Hex32 } from "./payload";
import { reviewSigner, reviewTypedData } from "./review";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditEventBody {
  at: string; // ISO time
  actor: string;
  kind: string;
  entity: string;
  payload: Record<string, unknown>;
}

export function auditHash(prevHash: string, event: AuditEventBody): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(event)}`);
}

/** Index of the first event whose stored hashes do not chain, or -1 when the chain is intact. */
export function firstBrokenLink(
  events: ReadonlyArray<AuditEventBody & { prevHash: string; hash: string }>,
): number {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const { prevHash, hash, at, actor, kind, entity, payload } = events[i];
    if (prevHash !== prev || hash !== auditHash(prev, { at, actor, kind, entity, payload }))
      return i;
    prev = hash;
  }
  return -1;
}

export type AuditVerdict =
  | { ok: true; events: number; head: string }
  | { ok: false; events: number; firstBadEvent: number; reason: string };

/**
 * Recomputes the chain and checks every review's signature against the signed values the event
 * carries (docs/governance.md): the first event that fails is named by its sequence number.
 */
export async function verifyAuditTrail(
  events: ReadonlyArray<AuditEventBody & { seq: number; prevHash: string; hash: string }>,
): Promise<AuditVerdict> {
  const bad = (seq: number, reason: string): AuditVerdict => ({
    ok: false,
    events: events.length,
    firstBadEvent: seq,
    reason,
  });
  let prev = GENESIS_HASH;
  for (const e of events) {
    const { prevHash, hash, at, actor, kind, entity, payload } = e;
    if (prevHash !== prev) return bad(e.seq, "its prevHash is not the previous event's hash");
    if (hash !== auditHash(prev, { at, actor, kind, entity, payload }))
      return bad(e.seq, "its hash does not match its contents");
    if (kind === "review.recorded") {
      const problem = await reviewEventProblem(payload);
      if (problem) return bad(e.seq, problem);
    }
    prev = hash;
  }
  return { ok: true, events: events.length, head: prev };
}

async function reviewEventProblem(p: Record<string, unknown>): Promise<string | null> {
  const { proposalId, payloadHash, decision, comment, commentHash: ch, issuedAt, chainId } = p;
  if (
    typeof proposalId !== "number" ||
    typeof payloadHash !== "string" ||
    (decision !== "approve" && decision !== "reject") ||
    typeof comment !== "string" ||
    typeof issuedAt !== "number" ||
    typeof chainId !== "number" ||
    typeof p.signature !== "string" ||
    typeof p.reviewer !== "string"
  )
    return "a review event lacks a signed field";
  if (ch !== commentHash(comment)) return "the review's commentHash is not the comment's hash";
  const typed = reviewTypedData({
    chainId,
    proposalId,
    payloadHash: payloadHash as Hex32,
    decision,
    comment,
    issuedAt,
  });
  const signer = await reviewSigner(typed, p.signature as `0x${string}`);
  return signer === p.reviewer ? null : `the review's signature is not by ${p.reviewer}`;
}
