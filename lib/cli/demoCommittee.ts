// The demo's committee: well-known development keys (the Hardhat/Anvil accounts, published in
// every Ethereum tutorial, so never to be trusted with anything) whose signed approvals and
// executions are replayed after each backfilled run, so that the demo shows the whole loop.
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Db } from "../../db/client";
import {
  addMember,
  memberInForceAt,
  payloadOf,
  proposalById,
  recordExecution,
  recordReview,
  type Role,
} from "../../db/queries/governance";
import { authEnv } from "../auth/env";
import { reviewTypedData, signableReview } from "../governance/review";
import type { RunSummary } from "../pipeline/types";

const DEMO_KEYS: { key: `0x${string}`; role: Role; name: string }[] = [
  {
    key: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    role: "admin",
    name: "Demo admin (well-known test key)",
  },
  {
    key: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    role: "reviewer",
    name: "Demo reviewer A (well-known test key)",
  },
  {
    key: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    role: "reviewer",
    name: "Demo reviewer B (well-known test key)",
  },
  {
    key: "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    role: "executor",
    name: "Demo executor (well-known test key)",
  },
];

export interface DemoCommittee {
  reviewers: PrivateKeyAccount[];
  executor: PrivateKeyAccount;
}

/** Seeds the demo committee; refused in production, where these keys would be a back door. */
export async function seedDemoCommittee(
  db: Db,
  env: Record<string, string | undefined> = process.env,
): Promise<DemoCommittee> {
  if (env.NODE_ENV === "production")
    throw new Error(
      "the demo committee (well-known test keys) is refused when NODE_ENV=production",
    );
  const accounts = DEMO_KEYS.map((k) => ({ ...k, account: privateKeyToAccount(k.key) }));
  for (const a of accounts) {
    if (!(await memberInForceAt(db, a.account.address, new Date())))
      await addMember(
        db,
        { address: a.account.address, role: a.role, name: a.name, validFrom: new Date(0) },
        "demo",
      );
  }
  return {
    reviewers: accounts.filter((a) => a.role === "reviewer").map((a) => a.account),
    executor: accounts.find((a) => a.role === "executor")!.account,
  };
}

const HOUR = 3_600_000;

/**
 * Each proposal a run opened is approved by both demo reviewers one and two hours after the run's
 * as-of time (signed EIP-712 reviews, verified like any other) and executed an hour later.
 */
export async function replayDemoDecisions(
  db: Db,
  committee: DemoCommittee,
  summary: RunSummary,
): Promise<number> {
  const chainId = authEnv().SIWE_CHAIN_ID;
  let executed = 0;
  for (const id of summary.markets.flatMap((m) => m.proposals)) {
    const p = await proposalById(db, id);
    if (!p || p.status !== "open") continue;
    const { payloadHash } = await payloadOf(db, p);
    for (const [i, reviewer] of committee.reviewers.entries()) {
      const issuedAt = Math.floor((p.createdAt.getTime() + (i + 1) * HOUR) / 1000);
      const comment = "Demo approval: replayed by the backfill.";
      const typed = reviewTypedData({
        chainId,
        proposalId: id,
        payloadHash,
        decision: "approve",
        comment,
        issuedAt,
      });
      const signature = await reviewer.signTypedData(signableReview(typed));
      await recordReview(db, {
        proposalId: id,
        reviewer: reviewer.address,
        decision: "approve",
        comment,
        issuedAt,
        signature,
        chainId,
      });
    }
    await recordExecution(db, {
      proposalId: id,
      executedBy: committee.executor.address,
      executedAt: new Date(p.createdAt.getTime() + (committee.reviewers.length + 1) * HOUR),
      note: "Demo execution: replayed by the backfill.",
    });
    executed++;
  }
  return executed;
}
