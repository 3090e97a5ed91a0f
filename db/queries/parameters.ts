import { and, desc, eq, lt, lte, sql } from "drizzle-orm";
import type { VigilConfig } from "../../lib/config";
import type { ParameterState } from "../../lib/pipeline/types";
import type { Db } from "../client";
import {
  markets,
  parameters,
  parameterValues,
  proposalChanges,
  proposals,
  riskMetrics,
  runs,
} from "../schema";

/** The genesis values are dated before any recorded data so the first change is never delayed. */
export const GENESIS_AT = new Date("2025-01-01T00:00:00Z");

/**
 * Makes the configured markets and parameters exist, each parameter with a genesis value.
 * Idempotent and safe under concurrency (inserts that lose a race do nothing). Policies follow
 * the config: the stored policy is the one in force.
 */
export async function ensureMarkets(db: Db, config: VigilConfig): Promise<void> {
  await db.transaction(async (tx) => {
    for (const m of config.markets) {
      await tx
        .insert(markets)
        .values({ id: m.id, venue: m.venue, underlying: m.underlying, config: m })
        .onConflictDoUpdate({ target: markets.id, set: { config: m } });
      for (const p of m.parameters) {
        const [row] = await tx
          .insert(parameters)
          .values({
            marketId: m.id,
            name: p.name,
            unit: p.unit,
            minValue: p.min,
            maxValue: p.max,
            policy: p.policy,
            description: p.description,
          })
          .onConflictDoUpdate({
            target: [parameters.marketId, parameters.name],
            set: {
              unit: p.unit,
              minValue: p.min,
              maxValue: p.max,
              policy: p.policy,
              description: p.description,
            },
          })
          .returning({ id: parameters.id });
        await tx.execute(sql`
          insert into parameter_values (parameter_id, value, effective_at, source)
          select ${row.id}, ${p.genesisValue}, ${GENESIS_AT.toISOString()}::timestamptz, 'genesis'
          where not exists (select 1 from parameter_values where parameter_id = ${row.id})`);
      }
    }
  });
}

/** Current value (latest effective row) and time of last change of each parameter of a market. */
export async function parameterStates(
  db: Db,
  marketId: string,
  at: Date,
): Promise<ParameterState[]> {
  const params = await db.select().from(parameters).where(eq(parameters.marketId, marketId));
  const out: ParameterState[] = [];
  for (const p of params) {
    const [v] = await db
      .select()
      .from(parameterValues)
      .where(and(eq(parameterValues.parameterId, p.id), lt(parameterValues.effectiveAt, at)))
      .orderBy(desc(parameterValues.effectiveAt), desc(parameterValues.id))
      .limit(1);
    if (!v) continue;
    // The cool-down counts from the last rejection decided (in data time) by this as-of.
    const [rejected] = await db
      .select({ at: sql<Date | string | null>`max(${proposals.decidedAt})` })
      .from(proposals)
      .innerJoin(proposalChanges, eq(proposalChanges.proposalId, proposals.id))
      .where(
        and(
          eq(proposalChanges.parameterId, p.id),
          eq(proposals.status, "rejected"),
          lte(proposals.decidedAt, at),
        ),
      );
    out.push({
      parameterId: p.id,
      name: p.name,
      value: v.value,
      lastChangeAt: v.effectiveAt.getTime(),
      lastRejectAt: rejected?.at ? new Date(rejected.at).getTime() : null,
    });
  }
  return out;
}

/** ES of the latest earlier run (by as-of time) per method:level, for "up from … " in rationales. */
export async function previousEs(
  db: Db,
  marketId: string,
  before: Date,
): Promise<Map<string, number>> {
  const rows = await db
    .select({
      method: riskMetrics.method,
      level: riskMetrics.level,
      es: riskMetrics.es,
      asOf: runs.asOf,
    })
    .from(riskMetrics)
    .innerJoin(runs, eq(riskMetrics.runId, runs.id))
    .where(
      and(
        eq(riskMetrics.marketId, marketId),
        eq(riskMetrics.horizonDays, 1),
        lt(runs.asOf, before),
      ),
    )
    .orderBy(desc(runs.asOf))
    .limit(20);
  const out = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.method}:${r.level}`;
    if (!out.has(key)) out.set(key, r.es);
  }
  return out;
}
