// Governance timings: verifying signed reviews and the audit chain (what anyone re-checking
// Vigil pays), and the write path of a review and an execution on the embedded database.
import { performance } from "node:perf_hooks";
import { privateKeyToAccount } from "viem/accounts";
import { openDb } from "../db/client";
import {
  addMember,
  payloadOf,
  proposalById,
  recordExecution,
  recordReview,
} from "../db/queries/governance";
import { auditTrail } from "../db/queries/audit";
import { DEFAULT_CONFIG } from "../lib/config";
import { auditHash, GENESIS_HASH, verifyAuditTrail } from "../lib/governance/audit";
import { commentHash } from "../lib/governance/payload";
import { reviewSigner, reviewTypedData, signableReview } from "../lib/governance/review";
import { replaySource } from "../lib/market/sources";
import { executeRun } from "../lib/pipeline/run";
import type { BenchSection } from "./run";

// Well-known development keys (Hardhat/Anvil accounts 1–3): benchmark use only.
const [alice, bob, exec] = [
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
].map((k) => privateKeyToAccount(k as `0x${string}`));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function governanceBench(): Promise<BenchSection[]> {
  // 1. Signer recovery of one EIP-712 review.
  const typed = reviewTypedData({
    chainId: 1,
    proposalId: 1,
    payloadHash: commentHash("payload"),
    decision: "approve",
    comment: "",
    issuedAt: 1772618400,
  });
  const signature = await alice.signTypedData(signableReview(typed));
  const n = 200;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await reviewSigner(typed, signature);
  const recoverMs = (performance.now() - t0) / n;

  // 2. A chain of 10,000 events, 1,000 of them signed reviews, verified end to end.
  const events = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= 10_000; seq++) {
    const review = seq % 10 === 0;
    const body = {
      at: new Date(Date.UTC(2026, 0, 1) + seq * 60_000).toISOString(),
      actor: review ? alice.address : "pipeline",
      kind: review ? "review.recorded" : "run.recorded",
      entity: review ? "proposal:1" : `run:${seq}`,
      payload: review
        ? {
            proposalId: 1,
            reviewer: alice.address,
            decision: "approve",
            comment: "",
            commentHash: commentHash(""),
            payloadHash: typed.message.payloadHash,
            issuedAt: typed.message.issuedAt,
            chainId: 1,
            signature,
          }
        : { runKey: `hourly:${seq}`, status: "succeeded" },
    };
    const hash = auditHash(prev, body);
    events.push({ ...body, seq, prevHash: prev, hash });
    prev = hash;
  }
  t0 = performance.now();
  const verdict = await verifyAuditTrail(events);
  const verifyMs = performance.now() - t0;
  if (!verdict.ok) throw new Error("benchmark chain should verify");

  // 3. Review and execution writes on the embedded database, after one real run.
  const handle = await openDb({ driver: "pglite", pgliteDir: "memory://" });
  const at = new Date("2026-01-07T10:00:00Z");
  const run = await executeRun(handle.db, replaySource(), DEFAULT_CONFIG, {
    job: "bench",
    slot: at,
    asOf: at,
    trigger: "cli",
  });
  for (const [a, role] of [
    [alice, "reviewer"],
    [bob, "reviewer"],
    [exec, "executor"],
  ] as const)
    await addMember(handle.db, { address: a.address, role, validFrom: new Date(0) }, "bench");
  const reviewMs: number[] = [];
  const executeMs: number[] = [];
  for (const id of run.markets.flatMap((m) => m.proposals)) {
    const p = (await proposalById(handle.db, id))!;
    const { payloadHash } = await payloadOf(handle.db, p);
    for (const [i, who] of [alice, bob].entries()) {
      const issuedAt = Math.floor(p.createdAt.getTime() / 1000) + 3600 * (i + 1);
      const t = reviewTypedData({
        chainId: 1,
        proposalId: id,
        payloadHash,
        decision: "approve",
        comment: "",
        issuedAt,
      });
      const sig = await who.signTypedData(signableReview(t));
      const s = performance.now();
      await recordReview(handle.db, {
        proposalId: id,
        reviewer: who.address,
        decision: "approve",
        comment: "",
        issuedAt,
        signature: sig,
        chainId: 1,
      });
      reviewMs.push(performance.now() - s);
    }
    const s = performance.now();
    await recordExecution(handle.db, {
      proposalId: id,
      executedBy: exec.address,
      executedAt: new Date(p.createdAt.getTime() + 3 * 3_600_000),
    });
    executeMs.push(performance.now() - s);
  }
  t0 = performance.now();
  const stored = await verifyAuditTrail(await auditTrail(handle.db));
  const storedMs = performance.now() - t0;
  await handle.close();
  return [
    {
      title: "Governance: signatures, audit verification, committee writes (one core)",
      rows: [
        {
          task: "recover the signer of one EIP-712 review",
          measured: `${(recoverMs * 1000).toFixed(0)} µs (mean of ${n})`,
        },
        {
          task: "verify a 10,000-event chain with 1,000 signed reviews",
          measured: `${verifyMs.toFixed(0)} ms`,
        },
        {
          task: "record a signed review (PGlite, one transaction with its audit event)",
          measured: `${median(reviewMs).toFixed(1)} ms (median of ${reviewMs.length})`,
        },
        {
          task: "record an execution (PGlite, values + audit event)",
          measured: `${median(executeMs).toFixed(1)} ms (median of ${executeMs.length})`,
        },
        {
          task: `vigil audit verify's check of the stored chain (${stored.events} events)`,
          measured: `${storedMs.toFixed(1)} ms`,
        },
      ],
    },
  ];
}
