import { asc, desc, gt, sql } from "drizzle-orm";
import { auditHash, GENESIS_HASH, type AuditEventBody } from "../../lib/governance/audit";
import type { Db } from "../client";
import { auditEvents } from "../schema";

/** Serializes appends to the chain across processes (held to the end of the transaction). */
const AUDIT_LOCK = 0x56494731; // "VIG1"

/** Appends events to the hash chain; call inside the transaction that makes the change. */
export async function appendAuditEvents(tx: Db, events: AuditEventBody[]): Promise<void> {
  if (events.length === 0) return;
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  let prev = last?.hash ?? GENESIS_HASH;
  for (const e of events) {
    const hash = auditHash(prev, e);
    await tx.insert(auditEvents).values({ ...e, at: new Date(e.at), prevHash: prev, hash });
    prev = hash;
  }
}

export async function auditTrail(db: Db) {
  const rows = await db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
  return rows.map((r) => ({
    ...r,
    at: r.at.toISOString(),
    payload: r.payload as Record<string, unknown>,
  }));
}

/** Events after a sequence number, oldest first (the public API's page). */
export async function auditPage(db: Db, after: number, limit: number) {
  const rows = await db
    .select()
    .from(auditEvents)
    .where(gt(auditEvents.seq, after))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
  return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
}

/** The chain's head: the newest event's sequence number and hash. */
export async function auditHead(db: Db): Promise<{ seq: number; hash: string } | null> {
  const [last] = await db
    .select({ seq: auditEvents.seq, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  return last ?? null;
}
