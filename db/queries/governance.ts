// Committee, sign-in nonces, reviews and executions: every governance write, each in one
// transaction with its audit event. The rules themselves live in lib/governance (pure); this
// module reads the state they need, applies them, and writes the result.
import { randomBytes } from "node:crypto";
import { and, asc, desc, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { getAddress, isAddress, type Address, type Hex } from "viem";
import type { AuditEventBody } from "../../lib/governance/audit";
import {
  executionTimeProblem,
  nextStatus,
  reviewTimeProblem,
  type Decision,
  type ProposalStatus,
} from "../../lib/governance/lifecycle";
import { payloadHash, proposalPayload, type ProposalPayload } from "../../lib/governance/payload";
import { reviewSigner, reviewTypedData } from "../../lib/governance/review";
import type { Db } from "../client";
import type { ArfcInput } from "../../lib/governance/arfc";
import {
  backtests,
  committeeMembers,
  executions,
  parameters,
  parameterValues,
  proposalChanges,
  proposals,
  reviews,
  riskMetrics,
  runMarkets,
  runs,
  siweNonces,
  surfaces,
} from "../schema";
import { appendAuditEvents } from "./audit";

export const ROLES = ["reviewer", "executor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export type Member = typeof committeeMembers.$inferSelect;

/** A refusal a caller can act on: `status` is the HTTP status an API would answer. */
export class GovernanceError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** EIP-55 form of an address, or a GovernanceError naming it. */
export function checksummed(address: string, field = "address"): Address {
  if (!isAddress(address, { strict: false }))
    throw new GovernanceError(400, `'${address}' is not an Ethereum address`, field);
  return getAddress(address);
}

/** Whether a membership is in force at `at`: active, inside its validity, not removed. */
export function memberInForce(m: Member | undefined, at: Date): m is Member {
  return (
    !!m &&
    m.active &&
    m.removedAt === null &&
    m.validFrom.getTime() <= at.getTime() &&
    (m.validUntil === null || at.getTime() < m.validUntil.getTime())
  );
}

/** The caller's membership as the database has it now (roles are never taken from a session). */
export async function memberInForceAt(db: Db, address: string, at: Date): Promise<Member | null> {
  if (!isAddress(address, { strict: false })) return null;
  const [m] = await db
    .select()
    .from(committeeMembers)
    .where(eq(committeeMembers.address, getAddress(address)));
  return memberInForce(m, at) ? m : null;
}

export async function listMembers(db: Db): Promise<Member[]> {
  return db.select().from(committeeMembers).orderBy(asc(committeeMembers.addedAt));
}

/** Adds a member, or re-activates and updates one; audited. */
export async function addMember(
  db: Db,
  input: { address: string; role: Role; name?: string; validFrom?: Date; validUntil?: Date | null },
  actor: string,
): Promise<Member> {
  const address = checksummed(input.address);
  if (!ROLES.includes(input.role))
    throw new GovernanceError(400, `role must be one of ${ROLES.join(", ")}`, "role");
  const validFrom = input.validFrom ?? new Date();
  const validUntil = input.validUntil ?? null;
  if (validUntil && validUntil <= validFrom)
    throw new GovernanceError(400, "validUntil must be after validFrom", "validUntil");
  const name = input.name?.trim() || address;
  return db.transaction(async (tx) => {
    const values = {
      displayName: name,
      role: input.role,
      active: true,
      validFrom,
      validUntil,
      removedAt: null,
    };
    const [m] = await tx
      .insert(committeeMembers)
      .values({ address, ...values })
      .onConflictDoUpdate({ target: committeeMembers.address, set: values })
      .returning();
    await appendAuditEvents(tx, [
      {
        at: new Date().toISOString(),
        actor,
        kind: "committee.member-added",
        entity: `member:${address}`,
        payload: {
          address,
          role: input.role,
          name,
          validFrom: validFrom.toISOString(),
          validUntil: validUntil?.toISOString() ?? null,
        },
      },
    ]);
    return m;
  });
}

/** Ends a membership (the row stays: past reviews keep their signer); audited. */
export async function removeMember(db: Db, address: string, actor: string): Promise<Member> {
  const a = checksummed(address);
  return db.transaction(async (tx) => {
    const now = new Date();
    const [m] = await tx
      .update(committeeMembers)
      .set({ active: false, removedAt: now })
      .where(and(eq(committeeMembers.address, a), isNull(committeeMembers.removedAt)))
      .returning();
    if (!m) throw new GovernanceError(404, `${a} is not a current committee member`, "address");
    await appendAuditEvents(tx, [
      {
        at: now.toISOString(),
        actor,
        kind: "committee.member-removed",
        entity: `member:${a}`,
        payload: { address: a },
      },
    ]);
    return m;
  });
}

// ── Sign-In with Ethereum nonces ────────────────────────────────────────────────────────────

export const NONCE_TTL_MS = 10 * 60_000;

/** A fresh nonce (EIP-4361: at least 8 alphanumerics), stored server-side until used or stale. */
export async function issueNonce(db: Db, now = new Date()): Promise<string> {
  const nonce = randomBytes(16).toString("hex");
  await db.insert(siweNonces).values({
    nonce,
    issuedAt: now,
    expiresAt: new Date(now.getTime() + NONCE_TTL_MS),
  });
  // Housekeeping: nonces past their expiry can never be accepted; keep the table small.
  await db.execute(
    sql`delete from siwe_nonces where expires_at < ${new Date(now.getTime() - NONCE_TTL_MS).toISOString()}::timestamptz`,
  );
  return nonce;
}

/** Marks a nonce used; true only the first time, and only while it has not expired. */
export async function consumeNonce(db: Db, nonce: string, now = new Date()): Promise<boolean> {
  const used = await db
    .update(siweNonces)
    .set({ usedAt: now })
    .where(
      and(eq(siweNonces.nonce, nonce), isNull(siweNonces.usedAt), gt(siweNonces.expiresAt, now)),
    )
    .returning({ nonce: siweNonces.nonce });
  return used.length === 1;
}

// ── Proposals: payload, reviews, execution ──────────────────────────────────────────────────

type ProposalRow = typeof proposals.$inferSelect;

async function changesOf(db: Db, proposalId: number) {
  return db
    .select({
      parameterId: proposalChanges.parameterId,
      name: parameters.name,
      currentValue: proposalChanges.currentValue,
      proposedValue: proposalChanges.proposedValue,
    })
    .from(proposalChanges)
    .innerJoin(parameters, eq(parameters.id, proposalChanges.parameterId))
    .where(eq(proposalChanges.proposalId, proposalId));
}

/** The canonical payload of a proposal as built at its creation (rebuilt for older rows). */
export async function payloadOf(
  db: Db,
  p: ProposalRow,
): Promise<{ payload: ProposalPayload; payloadHash: Hex }> {
  if (p.payload && p.payloadHash)
    return { payload: p.payload as ProposalPayload, payloadHash: p.payloadHash as Hex };
  const [run] = await db
    .select({ id: runs.id, configHash: runs.configHash, codeVersion: runs.codeVersion })
    .from(runs)
    .where(eq(runs.id, p.runId));
  const [rm] = await db
    .select({ inputHash: runMarkets.inputHash })
    .from(runMarkets)
    .where(and(eq(runMarkets.runId, p.runId), eq(runMarkets.marketId, p.marketId)));
  const payload = proposalPayload({
    id: p.id,
    marketId: p.marketId,
    createdAt: p.createdAt,
    run: { ...run, inputHash: rm?.inputHash ?? null },
    changes: await changesOf(db, p.id),
  });
  return { payload, payloadHash: payloadHash(payload) };
}

export async function proposalById(db: Db, id: number): Promise<ProposalRow | null> {
  const [p] = await db.select().from(proposals).where(eq(proposals.id, id));
  return p ?? null;
}

/** The proposal row, locked until the transaction ends (reviews and executions serialize on it). */
async function lockedProposal(tx: Db, id: number): Promise<ProposalRow> {
  const [p] = await tx.select().from(proposals).where(eq(proposals.id, id)).for("update");
  if (!p) throw new GovernanceError(404, `proposal ${id} does not exist`);
  return p;
}

export interface ReviewInput {
  proposalId: number;
  reviewer: Address;
  decision: Decision;
  comment: string;
  /** Unix seconds, as signed. */
  issuedAt: number;
  signature: Hex;
  chainId: number;
}

/**
 * Records a signed review and, when it completes a quorum, the proposal's decision. Refuses
 * (GovernanceError) a proposal that is not open, a second review by the same member, a stated
 * time out of range, and a signature that does not recover to the reviewer over this payload.
 */
export async function recordReview(db: Db, input: ReviewInput, now = new Date()) {
  return db.transaction(async (tx) => {
    const p = await lockedProposal(tx, input.proposalId);
    if (p.status !== "open")
      throw new GovernanceError(409, `proposal ${p.id} is ${p.status}, not open`);
    const timeProblem = reviewTimeProblem(
      input.issuedAt * 1000,
      p.createdAt.getTime(),
      now.getTime(),
    );
    if (timeProblem) throw new GovernanceError(400, timeProblem, "issuedAt");
    const { payloadHash: hash } = await payloadOf(tx, p);
    const typed = reviewTypedData({ ...input, payloadHash: hash });
    const signer = await reviewSigner(typed, input.signature);
    if (!signer) throw new GovernanceError(400, "the signature does not recover", "signature");
    if (signer !== input.reviewer)
      throw new GovernanceError(
        403,
        `the signature is by ${signer}, not by the signed-in reviewer ${input.reviewer}`,
        "signature",
      );
    const [inserted] = await tx
      .insert(reviews)
      .values({
        proposalId: p.id,
        memberAddress: input.reviewer,
        decision: input.decision,
        comment: input.comment,
        signature: input.signature,
        payloadHash: hash,
        commentHash: typed.message.commentHash,
        chainId: input.chainId,
        issuedAt: new Date(input.issuedAt * 1000),
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted)
      throw new GovernanceError(409, `${input.reviewer} has already reviewed proposal ${p.id}`);
    const all = await tx.select().from(reviews).where(eq(reviews.proposalId, p.id));
    const approvals = all.filter((r) => r.decision === "approve").length;
    const rejections = all.filter((r) => r.decision === "reject").length;
    const t = nextStatus(p.status as ProposalStatus, {
      kind: "review",
      decision: input.decision,
      approvals,
      rejections,
      quorum: p.quorum,
    });
    if (!t.ok) throw new GovernanceError(409, t.reason);
    const at = now.toISOString();
    const audit: AuditEventBody[] = [
      {
        at,
        actor: input.reviewer,
        kind: "review.recorded",
        entity: `proposal:${p.id}`,
        payload: {
          reviewId: inserted.id,
          proposalId: p.id,
          reviewer: input.reviewer,
          decision: input.decision,
          comment: input.comment,
          commentHash: typed.message.commentHash,
          payloadHash: hash,
          issuedAt: input.issuedAt,
          chainId: input.chainId,
          signature: input.signature,
        },
      },
    ];
    if (t.changed) {
      // The decision is dated by the review that completed the quorum (data time).
      await tx
        .update(proposals)
        .set({ status: t.status, decidedAt: inserted.issuedAt })
        .where(eq(proposals.id, p.id));
      audit.push({
        at,
        actor: input.reviewer,
        kind: `proposal.${t.status}`,
        entity: `proposal:${p.id}`,
        payload: {
          approvals,
          rejections,
          quorum: p.quorum,
          decidedAt: inserted.issuedAt.toISOString(),
        },
      });
    }
    await appendAuditEvents(tx, audit);
    return { review: inserted, status: t.status, approvals, rejections, quorum: p.quorum };
  });
}

export interface ExecutionInput {
  proposalId: number;
  /** An executor's EIP-55 address, or `operator` (the command line, which holds the database). */
  executedBy: string;
  executedAt: Date;
  txHash?: string | null;
  note?: string | null;
}

/**
 * Records that an approved proposal took effect at `executedAt`: writes each new value into
 * parameter_values (which starts the minimum delay) and the audit event, in one transaction.
 * Refuses a proposal that is not approved, a time before the quorum was reached or in the future,
 * and a parameter whose value in force is no longer the proposal's previous value.
 */
export async function recordExecution(db: Db, input: ExecutionInput, now = new Date()) {
  return db.transaction(async (tx) => {
    const p = await lockedProposal(tx, input.proposalId);
    const t = nextStatus(p.status as ProposalStatus, { kind: "execute" });
    if (!t.ok) throw new GovernanceError(409, t.reason);
    const approvedAt = p.decidedAt ?? p.createdAt;
    const timeProblem = executionTimeProblem(
      input.executedAt.getTime(),
      approvedAt.getTime(),
      now.getTime(),
    );
    if (timeProblem) throw new GovernanceError(400, timeProblem, "executedAt");
    const changes = await changesOf(tx, p.id);
    for (const c of changes) {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtext(${"vigil:parameter:" + c.parameterId}))`,
      );
      const [inForce] = await tx
        .select({ value: parameterValues.value, effectiveAt: parameterValues.effectiveAt })
        .from(parameterValues)
        .where(eq(parameterValues.parameterId, c.parameterId))
        .orderBy(desc(parameterValues.effectiveAt), desc(parameterValues.id))
        .limit(1);
      if (inForce && inForce.effectiveAt.getTime() > input.executedAt.getTime())
        throw new GovernanceError(
          409,
          `${c.name} changed at ${inForce.effectiveAt.toISOString()}, after the stated executedAt`,
        );
      if (inForce && inForce.value !== c.currentValue)
        throw new GovernanceError(
          409,
          `${c.name} is ${inForce.value} now, not the proposal's previous value ${c.currentValue}`,
        );
    }
    const [execution] = await tx
      .insert(executions)
      .values({
        proposalId: p.id,
        executedBy: input.executedBy,
        executedAt: input.executedAt,
        txHash: input.txHash ?? null,
        note: input.note ?? null,
      })
      .onConflictDoNothing()
      .returning();
    if (!execution) throw new GovernanceError(409, `proposal ${p.id} is already executed`);
    await tx.insert(parameterValues).values(
      changes.map((c) => ({
        parameterId: c.parameterId,
        value: c.proposedValue,
        effectiveAt: input.executedAt,
        source: "execution",
        proposalId: p.id,
        executionId: execution.id,
      })),
    );
    await tx.update(proposals).set({ status: "executed" }).where(eq(proposals.id, p.id));
    await appendAuditEvents(tx, [
      {
        at: now.toISOString(),
        actor: input.executedBy,
        kind: "proposal.executed",
        entity: `proposal:${p.id}`,
        payload: {
          executionId: execution.id,
          executedAt: input.executedAt.toISOString(),
          txHash: execution.txHash,
          note: execution.note,
          changes: changes.map((c) => ({
            parameter: c.name,
            previousValue: c.currentValue,
            newValue: c.proposedValue,
          })),
        },
      },
    ]);
    return execution;
  });
}

/** Reviews of a set of proposals, oldest first. */
export async function reviewsOf(db: Db, proposalIds: number[]) {
  if (proposalIds.length === 0) return [];
  return db
    .select()
    .from(reviews)
    .where(inArray(reviews.proposalId, proposalIds))
    .orderBy(asc(reviews.issuedAt), asc(reviews.id));
}

export async function executionOf(db: Db, proposalId: number) {
  const [e] = await db.select().from(executions).where(eq(executions.proposalId, proposalId));
  return e ?? null;
}

/** Everything an ARFC cites, from the stored rows of the proposal's run. */
export async function arfcInputOf(db: Db, id: number, baseUrl: string): Promise<ArfcInput | null> {
  const p = await proposalById(db, id);
  if (!p) return null;
  const [run] = await db.select().from(runs).where(eq(runs.id, p.runId));
  const [rm] = await db
    .select()
    .from(runMarkets)
    .where(and(eq(runMarkets.runId, p.runId), eq(runMarkets.marketId, p.marketId)));
  const changes = await db
    .select({
      name: parameters.name,
      currentValue: proposalChanges.currentValue,
      proposedValue: proposalChanges.proposedValue,
      targetValue: proposalChanges.targetValue,
      trace: proposalChanges.guardrailTrace,
    })
    .from(proposalChanges)
    .innerJoin(parameters, eq(parameters.id, proposalChanges.parameterId))
    .where(eq(proposalChanges.proposalId, id));
  const risk = await db
    .select()
    .from(riskMetrics)
    .where(and(eq(riskMetrics.runId, p.runId), eq(riskMetrics.marketId, p.marketId)))
    .orderBy(desc(riskMetrics.level), asc(riskMetrics.horizonDays), asc(riskMetrics.method));
  const bts = await db
    .select()
    .from(backtests)
    .where(and(eq(backtests.runId, p.runId), eq(backtests.marketId, p.marketId)))
    .orderBy(desc(backtests.level), asc(backtests.method));
  const [published] = await db
    .select({ diagnostics: surfaces.diagnostics })
    .from(surfaces)
    .where(
      and(
        eq(surfaces.runId, p.runId),
        eq(surfaces.marketId, p.marketId),
        eq(surfaces.model, "published"),
      ),
    );
  const d = (published?.diagnostics ?? null) as Record<string, number | null> | null;
  const { payloadHash: hash } = await payloadOf(db, p);
  const revs = await reviewsOf(db, [id]);
  return {
    proposalId: id,
    status: p.status,
    market: p.marketId,
    createdAt: p.createdAt,
    baseUrl,
    rationale: p.rationale,
    changes: changes.map((c) => ({
      ...c,
      capped: (c.trace as { reason?: string }).reason === "target capped by the maximum change",
    })),
    risk,
    backtests: bts,
    surface: d
      ? {
          rmseVolPts: d.rmseVolPts ?? null,
          insideSpreadShare: d.insideSpreadShare ?? null,
          butterflyViolations: d.butterflyViolations ?? null,
          calendarViolations: d.calendarViolations ?? null,
        }
      : null,
    quality: rm?.quality
      ? {
          usable: rm.quality.quotes.usable,
          total: rm.quality.quotes.total,
          dataAgeHours: rm.quality.dataAgeMs / 3_600_000,
          warnings: rm.quality.warnings,
        }
      : null,
    run: {
      id: run.id,
      configHash: run.configHash,
      inputHash: rm?.inputHash ?? null,
      codeVersion: run.codeVersion,
      asOf: run.asOf,
    },
    payloadHash: hash,
    reviews: revs.map((r) => ({
      reviewer: r.memberAddress,
      decision: r.decision,
      issuedAt: r.issuedAt,
    })),
  };
}
