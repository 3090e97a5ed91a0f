// Payload hashing and EIP-712 review signatures, checked against independent computations:
// sha256 by node:crypto over hand-written canonical JSON, and viem's own verifier.
import { createHash } from "node:crypto";
import { verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { commentHash, payloadHash, proposalPayload } from "../../lib/governance/payload";
import { reviewSigner, reviewTypedData } from "../../lib/governance/review";

// Well-known development keys (Hardhat/Anvil accounts 0 and 1): test use only.
const alice = privateKeyToAccount(
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
);
const bob = privateKeyToAccount(
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
);

const payload = proposalPayload({
  id: 7,
  marketId: "deribit:BTC",
  createdAt: new Date("2026-03-04T09:00:00Z"),
  run: { id: 3, configHash: "ab", codeVersion: "c0de", inputHash: "f00d" },
  changes: [{ name: "perp.maintenanceMarginFraction", currentValue: 0.05, proposedValue: 0.0625 }],
});

describe("payload", () => {
  it("hashes the RFC 8785 canonical form (checked against a hand-written string)", () => {
    const canonical =
      '{"proposalId":7,"updates":[{"additionalData":{"codeVersion":"c0de","configHash":"ab","inputHash":"f00d","runId":3},' +
      '"market":"deribit:BTC","newValue":0.0625,"previousValue":0.05,"referenceId":"vigil:proposal:7",' +
      '"timestamp":1772614800,"updateType":"perp.maintenanceMarginFraction"}]}';
    expect(payloadHash(payload)).toBe("0x" + createHash("sha256").update(canonical).digest("hex"));
  });
  it("hashes comments as UTF-8 (empty included)", () => {
    expect(commentHash("")).toBe(
      "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(commentHash("ok ✓")).toBe(
      "0x" + createHash("sha256").update("ok ✓", "utf8").digest("hex"),
    );
  });
});

describe("EIP-712 reviews", () => {
  const typed = reviewTypedData({
    chainId: 1,
    proposalId: 7,
    payloadHash: payloadHash(payload),
    decision: "approve",
    comment: "within the backtest's range",
    issuedAt: 1772618400,
  });
  const sign = (account: typeof alice, t = typed) =>
    account.signTypedData({
      domain: { ...t.domain, chainId: BigInt(t.domain.chainId) },
      types: t.types,
      primaryType: "Review",
      message: {
        ...t.message,
        proposalId: BigInt(t.message.proposalId),
        issuedAt: BigInt(t.message.issuedAt),
      },
    });

  it("recovers the signer, and viem's verifier agrees", async () => {
    const signature = await sign(alice);
    expect(await reviewSigner(typed, signature)).toBe(alice.address);
    expect(
      await verifyTypedData({
        address: alice.address,
        domain: typed.domain,
        types: typed.types,
        primaryType: "Review",
        message: { ...typed.message, proposalId: 7n, issuedAt: 1772618400n },
        signature,
      }),
    ).toBe(true);
  });
  it("a tampered payload, decision, comment, time or chain recovers someone else", async () => {
    const signature = await sign(alice);
    const tampered = [
      { ...typed, message: { ...typed.message, payloadHash: commentHash("other payload") } },
      { ...typed, message: { ...typed.message, decision: "reject" as const } },
      { ...typed, message: { ...typed.message, commentHash: commentHash("") } },
      { ...typed, message: { ...typed.message, issuedAt: typed.message.issuedAt + 1 } },
      { ...typed, domain: { ...typed.domain, chainId: 10 } },
    ];
    for (const t of tampered) expect(await reviewSigner(t, signature)).not.toBe(alice.address);
  });
  it("names the wrong signer, and garbage does not recover", async () => {
    expect(await reviewSigner(typed, await sign(bob))).toBe(bob.address);
    expect(await reviewSigner(typed, "0x1234")).toBeNull();
  });
});
