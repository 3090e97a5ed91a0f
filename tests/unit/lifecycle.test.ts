// The proposal lifecycle as a state machine: unit cases and properties over random sequences.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  executionTimeProblem,
  FINAL_STATUSES,
  nextStatus,
  PROPOSAL_STATUSES,
  reviewTimeProblem,
  type LifecycleEvent,
  type ProposalStatus,
} from "../../lib/governance/lifecycle";

const review = (
  decision: "approve" | "reject",
  approvals: number,
  rejections: number,
  quorum = 2,
) => ({ kind: "review", decision, approvals, rejections, quorum }) as const;

describe("nextStatus", () => {
  it("stays open until the quorum of approvals, then approves", () => {
    expect(nextStatus("open", review("approve", 1, 0))).toEqual({
      ok: true,
      status: "open",
      changed: false,
    });
    expect(nextStatus("open", review("approve", 2, 0))).toEqual({
      ok: true,
      status: "approved",
      changed: true,
    });
  });
  it("rejects on a quorum of rejections", () => {
    expect(nextStatus("open", review("reject", 1, 2))).toMatchObject({ status: "rejected" });
  });
  it("executes only an approved proposal", () => {
    expect(nextStatus("approved", { kind: "execute" })).toMatchObject({ status: "executed" });
    for (const s of PROPOSAL_STATUSES.filter((x) => x !== "approved"))
      expect(nextStatus(s, { kind: "execute" }).ok).toBe(false);
  });
  it("supersedes and expires only open proposals", () => {
    expect(nextStatus("open", { kind: "supersede" })).toMatchObject({ status: "superseded" });
    expect(nextStatus("open", { kind: "expire" })).toMatchObject({ status: "expired" });
    expect(nextStatus("approved", { kind: "expire" }).ok).toBe(false);
    expect(nextStatus("executed", { kind: "supersede" }).ok).toBe(false);
  });
  it("refuses a review of a proposal that is not open, and a bad quorum", () => {
    expect(nextStatus("approved", review("approve", 3, 0)).ok).toBe(false);
    expect(nextStatus("open", review("approve", 3, 0, 0)).ok).toBe(false);
    expect(nextStatus("open", review("approve", 3, 0, Number.NaN)).ok).toBe(false);
  });

  const event: fc.Arbitrary<LifecycleEvent> = fc.oneof(
    fc.record({
      kind: fc.constant("review" as const),
      decision: fc.constantFrom("approve" as const, "reject" as const),
      approvals: fc.nat(5),
      rejections: fc.nat(5),
      quorum: fc.integer({ min: -1, max: 4 }),
    }),
    fc.constantFrom<LifecycleEvent>({ kind: "supersede" }, { kind: "expire" }, { kind: "execute" }),
  );
  it("over any sequence: final states never move, executed only after approved (property)", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        let s: ProposalStatus = "open";
        const seen: ProposalStatus[] = [s];
        for (const e of events) {
          const t = nextStatus(s, e);
          if (FINAL_STATUSES.includes(s)) expect(t.ok).toBe(false);
          if (!t.ok) continue;
          if (t.status === "executed") expect(s).toBe("approved");
          if (t.status === "approved")
            expect(e.kind === "review" && e.decision === "approve" && e.approvals >= e.quorum).toBe(
              true,
            );
          if (t.status === "rejected")
            expect(e.kind === "review" && e.decision === "reject" && e.rejections >= e.quorum).toBe(
              true,
            );
          expect(t.changed).toBe(t.status !== s);
          s = t.status;
          seen.push(s);
        }
        // The path is a prefix of open → (approved → executed | rejected | superseded | expired).
        const path = seen.filter((x, i) => i === 0 || x !== seen[i - 1]);
        expect([
          ["open"],
          ["open", "approved"],
          ["open", "approved", "executed"],
          ["open", "rejected"],
          ["open", "superseded"],
          ["open", "expired"],
        ]).toContainEqual(path);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("stated times", () => {
  const created = Date.UTC(2026, 2, 4, 10);
  const now = Date.UTC(2026, 11, 1);
  it("a review lies between the proposal's creation and now plus five minutes", () => {
    expect(reviewTimeProblem(created, created, now)).toBeNull();
    expect(reviewTimeProblem(created - 1, created, now)).toMatch(/before/);
    expect(reviewTimeProblem(now + 5 * 60_000, created, now)).toBeNull();
    expect(reviewTimeProblem(now + 5 * 60_000 + 1, created, now)).toMatch(/future/);
    expect(reviewTimeProblem(Number.NaN, created, now)).toMatch(/not a time/);
  });
  it("an execution lies between the quorum and now", () => {
    expect(executionTimeProblem(created + 1, created, now)).toBeNull();
    expect(executionTimeProblem(created - 1, created, now)).toMatch(/quorum/);
    expect(executionTimeProblem(now + 3_600_000, created, now)).toMatch(/future/);
  });
});
