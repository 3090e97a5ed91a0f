// The proposal lifecycle as one state machine (DESIGN.md): every status change of a proposal goes
// through `nextStatus`, so the rules below are the only ones there are.
//
//   open ──(quorum of approvals)──▶ approved ──(execution)──▶ executed
//     ├──(quorum of rejections)──▶ rejected
//     ├──(a later run wants another value)──▶ superseded
//     └──(a run past creation + TTL)──▶ expired

export const PROPOSAL_STATUSES = [
  "open",
  "approved",
  "rejected",
  "superseded",
  "expired",
  "executed",
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

export type Decision = "approve" | "reject";

export type LifecycleEvent =
  /** A committee member's review; `approvals`/`rejections` count it already. */
  | { kind: "review"; decision: Decision; approvals: number; rejections: number; quorum: number }
  | { kind: "supersede" }
  | { kind: "expire" }
  | { kind: "execute" };

export type Transition =
  { ok: true; status: ProposalStatus; changed: boolean } | { ok: false; reason: string };

/** Statuses from which nothing moves a proposal any more. */
export const FINAL_STATUSES: readonly ProposalStatus[] = [
  "rejected",
  "superseded",
  "expired",
  "executed",
];

export function nextStatus(status: ProposalStatus, event: LifecycleEvent): Transition {
  const stay = { ok: true as const, status, changed: false };
  switch (event.kind) {
    case "review": {
      if (status !== "open") return { ok: false, reason: `proposal is ${status}, not open` };
      if (!Number.isInteger(event.quorum) || event.quorum < 1)
        return { ok: false, reason: "quorum must be a positive integer" };
      if (event.decision === "approve" && event.approvals >= event.quorum)
        return { ok: true, status: "approved", changed: true };
      if (event.decision === "reject" && event.rejections >= event.quorum)
        return { ok: true, status: "rejected", changed: true };
      return stay;
    }
    case "supersede":
    case "expire":
      if (status !== "open") return { ok: false, reason: `proposal is ${status}, not open` };
      return {
        ok: true,
        status: event.kind === "supersede" ? "superseded" : "expired",
        changed: true,
      };
    case "execute":
      if (status !== "approved")
        return { ok: false, reason: `proposal is ${status}; only an approved one can be executed` };
      return { ok: true, status: "executed", changed: true };
  }
}

/** Longest accepted lead of a stated time over the server's clock (wallet clocks drift). */
export const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Vigil runs in data time as well as wall time, so times are stated and bounded, not assumed:
 * a review is issued between the proposal's creation (its run's as-of) and now plus the skew.
 */
export function reviewTimeProblem(issuedAt: number, createdAt: number, now: number): string | null {
  if (!Number.isFinite(issuedAt)) return "issuedAt is not a time";
  if (issuedAt < createdAt)
    return `issuedAt is before the proposal was created (${new Date(createdAt).toISOString()})`;
  if (issuedAt > now + CLOCK_SKEW_MS) return "issuedAt is in the future";
  return null;
}

/** An execution happens between the moment the quorum was reached and now. */
export function executionTimeProblem(
  executedAt: number,
  approvedAt: number,
  now: number,
): string | null {
  if (!Number.isFinite(executedAt)) return "executedAt is not a time";
  if (executedAt < approvedAt)
    return `executedAt is before the quorum was reached (${new Date(approvedAt).toISOString()})`;
  if (executedAt > now + CLOCK_SKEW_MS) return "executedAt is in the future";
  return null;
}
