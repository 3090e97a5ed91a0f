// The committee loop on real recorded data, on PGlite and (with DATABASE_URL) the Postgres server:
// proposals opened, reaffirmed, reviewed with real EIP-712 signatures, executed, then later runs
// proposing from the executed value with the minimum delay, the cool-down and the TTL acting.
// Expected hours and values are worked out by hand from the stated times.
import { spawnSync } from "node:child_process";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "../../db/client";
import { auditTrail } from "../../db/queries/audit";
import {
  addMember,
  GovernanceError,
  issueNonce,
  payloadOf,
  proposalById,
  recordExecution,
  recordReview,
  removeMember,
} from "../../db/queries/governance";
import {
  auditEvents,
  parameterValues,
  parameters,
  priceHistory,
  proposalChanges,
  proposals,
  runMarkets,
  runStages,
  snapshots,
} from "../../db/schema";
import { verifySiweSignIn } from "../../lib/auth/siwe";
import { DEFAULT_CONFIG, ParameterConfigSchema, type VigilConfig } from "../../lib/config";
import { auditHash, verifyAuditTrail } from "../../lib/governance/audit";
import type { GuardrailStep } from "../../lib/governance/policy";
import type { Hex32 } from "../../lib/governance/payload";
import { ReplaySource } from "../../lib/market/replay";
import { SimulatorSource } from "../../lib/market/simulator";
import { executeRun } from "../../lib/pipeline/run";
import { createSiweMessage } from "viem/siwe";
import { testDatabases } from "../helpers/db";
import { signReview, wallet } from "../helpers/wallets";

const BTC = "deribit:BTC" as const;
const MMF = "perp.maintenanceMarginFraction";
const replay = new ReplaySource();
const [admin, alice, bob, exec, removed, stranger] = [0, 1, 2, 3, 4, 5].map(wallet);
const sec = (iso: string) => Date.parse(iso) / 1000;

const run = (h: DbHandle, at: string, job = "gov", config: VigilConfig = DEFAULT_CONFIG) =>
  executeRun(h.db, replay, config, {
    job,
    slot: new Date(at),
    asOf: new Date(at),
    trigger: "cli",
    markets: [BTC],
  });

/** The guardrail trace of the maintenance margin in a run's propose stage. */
async function proposeTrace(h: DbHandle, runId: number) {
  const [stage] = await h.db
    .select({ summary: runStages.summary })
    .from(runStages)
    .where(and(eq(runStages.runId, runId), eq(runStages.stage, "propose")));
  const considered = (
    stage.summary as {
      considered: {
        parameter: string;
        current: number;
        proposed: number | null;
        reason: string;
        trace: GuardrailStep[];
      }[];
    }
  ).considered.find((c) => c.parameter === MMF)!;
  const step = <K extends GuardrailStep["check"]>(check: K) =>
    considered.trace.find((s) => s.check === check) as
      Extract<GuardrailStep, { check: K }> | undefined;
  return { ...considered, step };
}

async function refusal(p: Promise<unknown>): Promise<GovernanceError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof GovernanceError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

for (const target of testDatabases) {
  describe(`committee loop on ${target.name}`, () => {
    let h: DbHandle;
    let p1: number;
    let p2: number;
    beforeAll(async () => {
      h = await target.open();
      for (const [a, role] of [
        [admin, "admin"],
        [alice, "reviewer"],
        [bob, "reviewer"],
        [exec, "executor"],
        [removed, "reviewer"],
      ] as const)
        await addMember(
          h.db,
          { address: a.address.toLowerCase(), role, validFrom: new Date(0) },
          "operator",
        );
      await removeMember(h.db, removed.address, "operator");
    });
    afterAll(async () => {
      await h?.close();
    });

    it("opens one proposal with its payload hash; an earlier as-of run neither supersedes nor duplicates it", async () => {
      const s = await run(h, "2026-01-07T10:00:00Z");
      expect(s.status).toBe("succeeded");
      expect(s.markets[0].proposals).toHaveLength(1);
      p1 = s.markets[0].proposals[0];
      const p = (await proposalById(h.db, p1))!;
      expect(p.status).toBe("open");
      expect(p.quorum).toBe(2);
      expect(p.payloadHash).toMatch(/^0x[0-9a-f]{64}$/);
      // Genesis 5 %: the +25 % cap gives 6.25 % (the ES target is higher).
      const [c] = await h.db
        .select()
        .from(proposalChanges)
        .where(eq(proposalChanges.proposalId, p1));
      expect(c.currentValue).toBe(0.05);
      expect(c.proposedValue).toBe(0.0625);
      const earlier = await run(h, "2025-12-31T12:00:00Z");
      expect(earlier.status).toBe("succeeded");
      expect(earlier.markets[0].proposals).toEqual([]);
      expect(earlier.markets[0].reaffirmed).toEqual([]);
      expect((await proposalById(h.db, p1))!.status).toBe("open");
    });

    it("a later run wanting the same change reaffirms it instead of opening a duplicate", async () => {
      const s = await run(h, "2026-01-14T10:00:00Z");
      expect(s.markets[0].proposals).toEqual([]);
      expect(s.markets[0].reaffirmed).toEqual([p1]);
      const p = (await proposalById(h.db, p1))!;
      expect(p.reaffirmedBy).toEqual([{ runId: s.runId, asOf: "2026-01-14T10:00:00.000Z" }]);
      // Asking for the stored run again reports the same reaffirmation.
      expect((await run(h, "2026-01-14T10:00:00Z")).markets[0].reaffirmed).toEqual([p1]);
    });

    it("refuses reviews by the wrong signer, over a tampered payload, or at an impossible time", async () => {
      const p = (await proposalById(h.db, p1))!;
      const { payloadHash } = await payloadOf(h.db, p);
      const issuedAt = sec("2026-01-14T12:00:00Z");
      const base = {
        proposalId: p1,
        decision: "approve" as const,
        comment: "",
        issuedAt,
        chainId: 1,
      };
      // Bob's signature presented as Alice's review.
      const bobs = await signReview(bob, { ...base, payloadHash });
      expect(
        (await refusal(recordReview(h.db, { ...base, reviewer: alice.address, signature: bobs })))
          .status,
      ).toBe(403);
      // Alice signed another payload.
      const tampered = await signReview(alice, {
        ...base,
        payloadHash: `0x${"ab".repeat(32)}` as Hex32,
      });
      expect(
        (
          await refusal(
            recordReview(h.db, { ...base, reviewer: alice.address, signature: tampered }),
          )
        ).status,
      ).toBe(403);
      // Signed a comment other than the one submitted.
      const other = await signReview(alice, { ...base, payloadHash, comment: "fine" });
      expect(
        (
          await refusal(
            recordReview(h.db, {
              ...base,
              comment: "not fine",
              reviewer: alice.address,
              signature: other,
            }),
          )
        ).status,
      ).toBe(403);
      // Issued before the proposal existed (its run's as-of is 2026-01-07T10:00Z).
      const early = sec("2026-01-07T09:59:59Z");
      const sigEarly = await signReview(alice, { ...base, payloadHash, issuedAt: early });
      const e = await refusal(
        recordReview(h.db, {
          ...base,
          issuedAt: early,
          reviewer: alice.address,
          signature: sigEarly,
        }),
      );
      expect([e.status, e.field]).toEqual([400, "issuedAt"]);
      // Issued in the future (more than five minutes ahead of the clock).
      const late = Math.floor(Date.now() / 1000) + 3600;
      const sigLate = await signReview(alice, { ...base, payloadHash, issuedAt: late });
      expect(
        (
          await refusal(
            recordReview(h.db, {
              ...base,
              issuedAt: late,
              reviewer: alice.address,
              signature: sigLate,
            }),
          )
        ).status,
      ).toBe(400);
      const [{ n }] = await h.db
        .execute<{ n: number }>(sql`select count(*)::int as n from reviews`)
        .then((r) => (r as unknown as { rows: { n: number }[] }).rows);
      expect(n).toBe(0);
    });

    it("two approvals reach the quorum; a member reviews once; a decided proposal takes no reviews", async () => {
      const p = (await proposalById(h.db, p1))!;
      const { payloadHash } = await payloadOf(h.db, p);
      const review = async (
        who: typeof alice,
        iso: string,
        decision: "approve" | "reject" = "approve",
      ) => {
        const issuedAt = sec(iso);
        const signature = await signReview(who, {
          proposalId: p1,
          payloadHash,
          decision,
          comment: "ok",
          issuedAt,
        });
        return recordReview(h.db, {
          proposalId: p1,
          reviewer: who.address,
          decision,
          comment: "ok",
          issuedAt,
          signature,
          chainId: 1,
        });
      };
      expect((await review(alice, "2026-01-14T12:00:00Z")).status).toBe("open");
      expect((await refusal(review(alice, "2026-01-14T12:30:00Z"))).status).toBe(409);
      const second = await review(bob, "2026-01-14T13:00:00Z");
      expect(second).toMatchObject({ status: "approved", approvals: 2, quorum: 2 });
      const decided = (await proposalById(h.db, p1))!;
      expect(decided.decidedAt!.toISOString()).toBe("2026-01-14T13:00:00.000Z");
      expect((await refusal(review(removed, "2026-01-14T14:00:00Z"))).status).toBe(409);
    });

    it("execution: not before the quorum, once, and only from the value it was proposed against", async () => {
      const e = await refusal(
        recordExecution(h.db, {
          proposalId: p1,
          executedBy: exec.address,
          executedAt: new Date("2026-01-14T12:59:00Z"),
        }),
      );
      expect([e.status, e.field]).toEqual([400, "executedAt"]);
      const done = await recordExecution(h.db, {
        proposalId: p1,
        executedBy: exec.address,
        executedAt: new Date("2026-01-14T15:00:00Z"),
        txHash: `0x${"12".repeat(32)}`,
      });
      expect(done.proposalId).toBe(p1);
      expect((await proposalById(h.db, p1))!.status).toBe("executed");
      expect(
        (
          await refusal(
            recordExecution(h.db, {
              proposalId: p1,
              executedBy: exec.address,
              executedAt: new Date("2026-01-14T16:00:00Z"),
            }),
          )
        ).status,
      ).toBe(409);
      const values = await h.db
        .select({
          value: parameterValues.value,
          effectiveAt: parameterValues.effectiveAt,
          source: parameterValues.source,
          proposalId: parameterValues.proposalId,
        })
        .from(parameterValues)
        .innerJoin(parameters, eq(parameters.id, parameterValues.parameterId))
        .where(and(eq(parameters.marketId, BTC), eq(parameters.name, MMF)))
        .orderBy(asc(parameterValues.effectiveAt));
      expect(values.map((v) => [v.value, v.source, v.proposalId])).toEqual([
        [0.05, "genesis", null],
        [0.0625, "execution", p1],
      ]);
      expect(values[1].effectiveAt.toISOString()).toBe("2026-01-14T15:00:00.000Z");
    });

    it("the next run counts the minimum delay from the execution: 17 h < 72 h, no proposal", async () => {
      // 2026-01-15T08:00 − 2026-01-14T15:00 = 17 h; the snapshot of 2026-01-14 09:22 is 22.6 h old.
      const s = await run(h, "2026-01-15T08:00:00Z");
      expect(s.status).toBe("succeeded");
      expect(s.markets[0].proposals).toEqual([]);
      const t = await proposeTrace(h, s.runId);
      expect(t.current).toBe(0.0625);
      expect(t.step("min-delay")).toMatchObject({
        hoursSinceLastChange: 17,
        minHours: 72,
        passed: false,
      });
      expect(t.proposed).toBeNull();
    });

    it("a week later it proposes from the executed value: 6.25 % → at most 7.8125 %, on the grid", async () => {
      // 2026-01-21T10:00 − 2026-01-14T15:00 = 163 h.
      const s = await run(h, "2026-01-21T10:00:00Z");
      const t = await proposeTrace(h, s.runId);
      expect(t.step("min-delay")).toMatchObject({ hoursSinceLastChange: 163, passed: true });
      expect(t.current).toBe(0.0625);
      expect(s.markets[0].proposals).toHaveLength(1);
      p2 = s.markets[0].proposals[0];
      const [c] = await h.db
        .select()
        .from(proposalChanges)
        .where(eq(proposalChanges.proposalId, p2));
      expect(c.currentValue).toBe(0.0625);
      expect(c.proposedValue).toBeGreaterThan(0.0625);
      expect(c.proposedValue).toBeLessThanOrEqual(0.078125);
      expect(Math.round(c.proposedValue / 0.0005) * 0.0005).toBeCloseTo(c.proposedValue, 12);
    });

    it("a rejection by quorum starts the cool-down: 19 h after it, no proposal", async () => {
      const p = (await proposalById(h.db, p2))!;
      const { payloadHash } = await payloadOf(h.db, p);
      for (const [who, iso] of [
        [alice, "2026-01-21T12:00:00Z"],
        [bob, "2026-01-21T13:00:00Z"],
      ] as const) {
        const issuedAt = sec(iso);
        const signature = await signReview(who, {
          proposalId: p2,
          payloadHash,
          decision: "reject",
          comment: "too fast",
          issuedAt,
        });
        await recordReview(h.db, {
          proposalId: p2,
          reviewer: who.address,
          decision: "reject",
          comment: "too fast",
          issuedAt,
          signature,
          chainId: 1,
        });
      }
      expect((await proposalById(h.db, p2))!.status).toBe("rejected");
      expect(
        (
          await refusal(
            recordExecution(h.db, {
              proposalId: p2,
              executedBy: exec.address,
              executedAt: new Date("2026-01-21T14:00:00Z"),
            }),
          )
        ).status,
      ).toBe(409);
      // 2026-01-22T08:00 − 2026-01-21T13:00 = 19 h < 72 h.
      const s = await run(h, "2026-01-22T08:00:00Z");
      const t = await proposeTrace(h, s.runId);
      expect(t.step("cooldown")).toMatchObject({
        hoursSinceLastReject: 19,
        minHours: 72,
        passed: false,
      });
      expect(s.markets[0].proposals).toEqual([]);
    });

    it("a simulator run never opens, reaffirms or supersedes a proposal, nor writes the market's recorded history", async () => {
      const recorded = and(eq(priceHistory.marketId, BTC), eq(priceHistory.sourceKind, "replay"));
      const before = await h.db.select().from(priceHistory).where(recorded);
      const proposalsBefore = await h.db.select().from(proposals);
      const sim = new SimulatorSource({ seed: 3 });
      const s = await executeRun(h.db, sim, DEFAULT_CONFIG, {
        job: sim.name,
        slot: new Date("2026-01-28T10:00:00Z"),
        asOf: new Date("2026-01-28T10:00:00Z"),
        trigger: "cli",
        markets: [BTC],
      });
      expect(s.markets[0].proposals).toEqual([]);
      expect(s.markets[0].reaffirmed).toEqual([]);
      expect(await h.db.select().from(proposals)).toEqual(proposalsBefore);
      expect(await h.db.select().from(priceHistory).where(recorded)).toEqual(before);
      // The simulator's days are kept apart, under its own kind, with its snapshot.
      const simulated = await h.db
        .select()
        .from(priceHistory)
        .where(and(eq(priceHistory.marketId, BTC), eq(priceHistory.sourceKind, "simulator")));
      expect(simulated.length).toBeGreaterThan(250);
      expect(simulated.every((d) => d.source === sim.name)).toBe(true);
      const [snap] = await h.db
        .select({ kind: snapshots.sourceKind })
        .from(snapshots)
        .innerJoin(runMarkets, eq(runMarkets.snapshotId, snapshots.id))
        .where(eq(runMarkets.runId, s.runId));
      expect(snap.kind).toBe("simulator");
      expect(s.source).toBe(sim.name);
    });

    it("expires an open proposal once a run is past its creation plus the TTL, and supersedes by a later as-of", async () => {
      const opened = await run(h, "2026-01-28T10:00:00Z");
      expect(opened.markets[0].proposals).toHaveLength(1);
      const p3 = opened.markets[0].proposals[0];
      // 2026-01-28T10:00 + 336 h = 2026-02-11T10:00: a run as of 2026-02-11T11:00 expires it.
      const later = await run(h, "2026-02-11T11:00:00Z");
      const expired = (await proposalById(h.db, p3))!;
      expect(expired.status).toBe("expired");
      expect(expired.decidedAt!.toISOString()).toBe("2026-02-11T11:00:00.000Z");
      const p4 = later.markets[0].proposals[0];
      expect(p4).toBeGreaterThan(p3);
      // A later run under a tighter step limit wants another value: it supersedes p4.
      const tight = structuredClone(DEFAULT_CONFIG);
      tight.markets[0].parameters[0].policy.guardrails.maxIncrease = {
        kind: "relative",
        value: 0.02,
      };
      const s = await run(h, "2026-02-18T10:00:00Z", "gov-tight", tight);
      const p5 = s.markets[0].proposals[0];
      const old = (await proposalById(h.db, p4))!;
      expect([old.status, old.supersededBy]).toEqual(["superseded", p5]);
      const [c] = await h.db
        .select()
        .from(proposalChanges)
        .where(eq(proposalChanges.proposalId, p5));
      // +2 % of 6.25 % is 6.375 %: rounded toward the current value on the 0.05 pp grid, 6.35 %.
      expect(c.proposedValue).toBe(0.0635);
    });

    it("the dead-band holds a target close to the current value: no proposal, the open one untouched", async () => {
      const open = await h.db.select().from(proposals).where(eq(proposals.status, "open"));
      const wide = structuredClone(DEFAULT_CONFIG);
      // the maintenance margin alone (the other five would still move), held by a wide dead-band
      wide.markets[0].parameters = wide.markets[0].parameters.filter((p) => p.name === MMF);
      wide.markets[0].parameters[0].policy.guardrails.deadBandRelative = 0.9;
      const s = await run(h, "2026-02-25T10:00:00Z", "gov-wide", wide);
      const t = await proposeTrace(h, s.runId);
      const target = t.step("target-bounds")!.after;
      const band = t.step("dead-band")!;
      expect(band.relativeGap).toBeCloseTo(Math.abs(target - 0.0625) / 0.0625, 12);
      expect(band.passed).toBe(false);
      expect(t.reason).toMatch(/dead-band/);
      expect(s.markets[0].proposals).toEqual([]);
      expect(await h.db.select().from(proposals).where(eq(proposals.status, "open"))).toEqual(open);
    });

    it("the audit chain verifies, and a re-chained edit of a signed review is caught by its signature", async () => {
      const trail = await auditTrail(h.db);
      const kinds = new Set(trail.map((e) => e.kind));
      for (const k of [
        "committee.member-added",
        "committee.member-removed",
        "proposal.opened",
        "proposal.reaffirmed",
        "review.recorded",
        "proposal.approved",
        "proposal.rejected",
        "proposal.executed",
        "proposal.expired",
        "proposal.superseded",
        "run.recorded",
      ])
        expect(kinds).toContain(k);
      const ok = await verifyAuditTrail(trail);
      expect(ok).toMatchObject({ ok: true, events: trail.length, head: trail.at(-1)!.hash });
      // Someone with write access flips a rejection into an approval and recomputes every hash
      // after it: the chain is whole again, but the signature no longer matches what it says.
      const i = trail.findIndex(
        (e) => e.kind === "review.recorded" && e.payload.decision === "reject",
      );
      const forged = trail.map((e) => ({ ...e }));
      forged[i] = { ...forged[i], payload: { ...forged[i].payload, decision: "approve" } };
      for (let k = i; k < forged.length; k++) {
        const prev = k === 0 ? "0".repeat(64) : forged[k - 1].hash;
        const { at, actor, kind, entity, payload } = forged[k];
        forged[k] = {
          ...forged[k],
          prevHash: prev,
          hash: auditHash(prev, { at, actor, kind, entity, payload }),
        };
      }
      expect(await verifyAuditTrail(forged)).toMatchObject({
        ok: false,
        firstBadEvent: trail[i].seq,
        reason: expect.stringMatching(/signature/),
      });
    });

    it("vigil audit verify names the row edited in the database", async () => {
      const [victim] = await h.db
        .select()
        .from(auditEvents)
        .where(eq(auditEvents.kind, "proposal.executed"));
      await h.db
        .update(auditEvents)
        .set({ payload: { ...(victim.payload as object), txHash: null } })
        .where(eq(auditEvents.seq, victim.seq));
      const verdict = await verifyAuditTrail(await auditTrail(h.db));
      expect(verdict).toMatchObject({ ok: false, firstBadEvent: victim.seq });
      if (target.name !== "postgres-server") return;
      // The same through the command line, against the same server database.
      const r = spawnSync(process.execPath, ["bin/vigil.mjs", "audit", "verify", "--json"], {
        env: {
          ...process.env,
          DATABASE_URL: h.location.replace(/^Postgres at /, ""),
          DB_DRIVER: "pg",
        },
        encoding: "utf8",
      });
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, firstBadEvent: victim.seq });
    });

    it("SIWE refuses a wrong domain, a wrong chain, a replayed nonce, an expired message and non-members", async () => {
      const env = { NEXTAUTH_URL: "https://vigil.example", SIWE_CHAIN_ID: "1" };
      const message = async (
        who: typeof alice,
        over: Partial<Parameters<typeof createSiweMessage>[0]> = {},
      ) => {
        const m = createSiweMessage({
          domain: "vigil.example",
          address: who.address,
          uri: "https://vigil.example",
          version: "1",
          chainId: 1,
          nonce: await issueNonce(h.db),
          issuedAt: new Date(),
          expirationTime: new Date(Date.now() + 600_000),
          ...over,
        });
        return { message: m, signature: await who.signMessage({ message: m }) };
      };
      const refused = async (input: { message: string; signature: string }, why: RegExp) =>
        expect(verifySiweSignIn(h.db, input, env)).rejects.toThrow(why);
      const good = await message(alice);
      expect(await verifySiweSignIn(h.db, good, env)).toBe(alice.address);
      await refused(good, /nonce/); // replayed
      await refused(
        await message(alice, { domain: "evil.example" }),
        /evil\.example, not vigil\.example/,
      );
      await refused(await message(alice, { chainId: 10 }), /chain 10, not 1/);
      await refused(
        await message(alice, { expirationTime: new Date(Date.now() - 1000) }),
        /expired/,
      );
      await refused(await message(alice, { nonce: "abcdef0123456789" }), /nonce/); // never issued
      await refused(await message(stranger), /not an active committee member/);
      await refused(await message(removed), /not an active committee member/);
      const forged = await message(alice);
      await refused(
        { ...forged, signature: await bob.signMessage({ message: forged.message }) },
        /signature/,
      );
      await refused({ message: "hello", signature: "0x00" }, /EIP-4361/);
    });

    it("the config refuses min ≥ max, a genesis outside the bounds and bounds without a grid point", () => {
      const p = DEFAULT_CONFIG.markets[0].parameters[0];
      const issue = (over: object) => {
        const r = ParameterConfigSchema.safeParse({ ...p, ...over });
        return r.success ? null : r.error.issues[0].path.join(".");
      };
      expect(issue({})).toBeNull();
      expect(issue({ min: 0.3, max: 0.2 })).toBe("max");
      expect(issue({ min: 0.1, max: 0.1 })).toBe("max");
      expect(issue({ genesisValue: 0.3 })).toBe("genesisValue");
      expect(issue({ min: 0, max: 0.2 })).toBe("min");
      expect(issue({ min: 0.0501, max: 0.0502, genesisValue: 0.05015 })).toBe("policy.step");
    });
  });
}
