// A review is an EIP-712 signature by a committee member over the proposal's payload hash, the
// decision, the comment's hash and the time it was issued: anyone holding the five values and
// the signature can recover the signer, with no Vigil code (docs/governance.md).
import { getAddress, recoverTypedDataAddress, type Address, type Hex } from "viem";
import type { Decision } from "./lifecycle";
import { commentHash, type Hex32 } from "./payload";

export const REVIEW_TYPES = {
  Review: [
    { name: "proposalId", type: "uint256" },
    { name: "payloadHash", type: "bytes32" },
    { name: "decision", type: "string" },
    { name: "commentHash", type: "bytes32" },
    { name: "issuedAt", type: "uint256" },
  ],
} as const;

export interface ReviewMessage {
  proposalId: number;
  payloadHash: Hex32;
  decision: Decision;
  commentHash: Hex32;
  /** Unix seconds. */
  issuedAt: number;
}

/** The typed data a reviewer signs, as JSON (numbers, not bigints). */
export function reviewTypedData(input: {
  chainId: number;
  proposalId: number;
  payloadHash: Hex32;
  decision: Decision;
  comment: string;
  issuedAt: number;
}) {
  return {
    domain: { name: "Vigil", version: "1", chainId: input.chainId },
    types: REVIEW_TYPES,
    primaryType: "Review" as const,
    message: {
      proposalId: input.proposalId,
      payloadHash: input.payloadHash,
      decision: input.decision,
      commentHash: commentHash(input.comment),
      issuedAt: input.issuedAt,
    } satisfies ReviewMessage,
  };
}

/** The EIP-55 address that signed a review, or null when the signature does not recover. */
export async function reviewSigner(
  typed: ReturnType<typeof reviewTypedData>,
  signature: Hex,
): Promise<Address | null> {
  try {
    const address = await recoverTypedDataAddress({
      domain: { ...typed.domain, chainId: BigInt(typed.domain.chainId) },
      types: typed.types,
      primaryType: typed.primaryType,
      message: {
        ...typed.message,
        proposalId: BigInt(typed.message.proposalId),
        issuedAt: BigInt(typed.message.issuedAt),
      },
      signature,
    });
    return getAddress(address);
  } catch {
    return null;
  }
}
