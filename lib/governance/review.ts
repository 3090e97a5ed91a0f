// A review is an EIP-712 signature by a committee member over the proposal's payload hash, the
// decision, the comment's hash and the time it was issued: anyone holding the five values and
// the signature can recover the signer, with no Vigil code (docs/governance.md).
import { getAddress, recoverTypedDataAddress, type Address, type Hex } from "viem";
import type { Decision } from "./lifecycle";
import { commentHash, type Hex32 } from "./payload";
import {
  REVIEW_TYPES,
  signableReview,
  type ReviewMessage,
  type ReviewTypedData,
} from "./reviewTypes";

export { REVIEW_TYPES, signableReview, type ReviewMessage, type ReviewTypedData };

/** The typed data a reviewer signs, as JSON (numbers, not bigints). */
export function reviewTypedData(input: {
  chainId: number;
  proposalId: number;
  payloadHash: Hex32;
  decision: Decision;
  comment: string;
  issuedAt: number;
}): ReviewTypedData {
  return {
    domain: { name: "Vigil", version: "1", chainId: input.chainId },
    types: REVIEW_TYPES,
    primaryType: "Review",
    message: {
      proposalId: input.proposalId,
      payloadHash: input.payloadHash,
      decision: input.decision,
      commentHash: commentHash(input.comment),
      issuedAt: input.issuedAt,
    },
  };
}

/** The EIP-55 address that signed a review, or null when the signature does not recover. */
export async function reviewSigner(
  typed: ReviewTypedData,
  signature: Hex,
): Promise<Address | null> {
  try {
    const address = await recoverTypedDataAddress({ ...signableReview(typed), signature });
    return getAddress(address);
  } catch {
    return null;
  }
}
