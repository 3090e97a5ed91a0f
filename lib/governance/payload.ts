// The canonical, machine-readable form of a proposal: one update per changed parameter, shaped
// like an on-chain risk-oracle update (Chaos Labs' RiskOracle `RiskParameterUpdate`), and its
// hash. Reviews sign the hash, so a signature binds a member to exactly these numbers.
import { canonicalJson, sha256Hex } from "../config";

export interface PayloadUpdate {
  referenceId: string;
  market: string;
  /** The governed parameter's name, e.g. `perp.maintenanceMarginFraction`. */
  updateType: string;
  previousValue: number;
  newValue: number;
  /** The proposal's creation (its run's as-of time), Unix seconds. */
  timestamp: number;
  additionalData: {
    runId: number;
    configHash: string;
    inputHash: string | null;
    codeVersion: string;
  };
}

export interface ProposalPayload {
  proposalId: number;
  updates: PayloadUpdate[];
}

export type Hex32 = `0x${string}`;

export function proposalPayload(p: {
  id: number;
  marketId: string;
  createdAt: Date;
  run: { id: number; configHash: string; codeVersion: string; inputHash: string | null };
  changes: { name: string; currentValue: number; proposedValue: number }[];
}): ProposalPayload {
  return {
    proposalId: p.id,
    updates: [...p.changes]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((c) => ({
        referenceId: `vigil:proposal:${p.id}`,
        market: p.marketId,
        updateType: c.name,
        previousValue: c.currentValue,
        newValue: c.proposedValue,
        timestamp: Math.floor(p.createdAt.getTime() / 1000),
        additionalData: {
          runId: p.run.id,
          configHash: p.run.configHash,
          inputHash: p.run.inputHash,
          codeVersion: p.run.codeVersion,
        },
      })),
  };
}

/** SHA-256 of the payload's RFC 8785 canonical JSON (sorted keys, no spaces), 0x-prefixed. */
export function payloadHash(payload: ProposalPayload): Hex32 {
  return `0x${sha256Hex(canonicalJson(payload))}`;
}

/** SHA-256 of a review comment's UTF-8 bytes, 0x-prefixed (the empty comment included). */
export function commentHash(comment: string): Hex32 {
  return `0x${sha256Hex(comment)}`;
}
