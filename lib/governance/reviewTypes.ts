// The EIP-712 shape of a review, with no Node or server dependency, so the browser signs exactly
// what the server verifies (lib/governance/review.ts builds and checks it).
import type { Decision } from "./lifecycle";

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
  payloadHash: `0x${string}`;
  decision: Decision;
  commentHash: `0x${string}`;
  /** Unix seconds. */
  issuedAt: number;
}

/** What `GET /api/v1/proposals/{id}/review-request` returns, integers as JSON numbers. */
export interface ReviewTypedData {
  domain: { name: "Vigil"; version: "1"; chainId: number };
  types: typeof REVIEW_TYPES;
  primaryType: "Review";
  message: ReviewMessage;
}

/** The same typed data with its integers as bigints, as viem signs and verifies it. */
export function signableReview(typed: ReviewTypedData) {
  return {
    domain: { ...typed.domain, chainId: BigInt(typed.domain.chainId) },
    types: typed.types,
    primaryType: typed.primaryType,
    message: {
      ...typed.message,
      proposalId: BigInt(typed.message.proposalId),
      issuedAt: BigInt(typed.message.issuedAt),
    },
  };
}
