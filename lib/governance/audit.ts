// Append-only, hash-chained audit events: hash_n = SHA-256(hash_{n−1} ‖ canonical event). Anyone
// holding the events can recompute the chain; editing or dropping one breaks every later hash.
import { canonicalJson, sha256Hex } from "../config";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditEventBody {
  at: string; // ISO time
  actor: string;
  kind: string;
  entity: string;
  payload: Record<string, unknown>;
}

export function auditHash(prevHash: string, event: AuditEventBody): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(event)}`);
}

/** Index of the first event whose stored hashes do not chain, or -1 when the chain is intact. */
export function firstBrokenLink(
  events: ReadonlyArray<AuditEventBody & { prevHash: string; hash: string }>,
): number {
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const { prevHash, hash, at, actor, kind, entity, payload } = events[i];
    if (prevHash !== prev || hash !== auditHash(prev, { at, actor, kind, entity, payload }))
      return i;
    prev = hash;
  }
  return -1;
}
