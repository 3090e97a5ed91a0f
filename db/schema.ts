// The whole domain of DESIGN.md in one drizzle schema; one migration history serves PGlite and
// every Postgres server. Numbers that feed risk decisions are double precision; money-like
// parameter values too (they are fractions, not currency).
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { DataQualityReport } from "../lib/market/quality";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** A venue + underlying, e.g. `deribit:BTC`. */
export const markets = pgTable("markets", {
  id: text("id").primaryKey(),
  venue: text("venue").notNull(),
  underlying: text("underlying").notNull(),
  quoteCurrency: text("quote_currency").notNull().default("USD"),
  config: jsonb("config")
    .notNull()
    .default(sql`'{}'::jsonb`),
  createdAt: ts("created_at").notNull().defaultNow(),
});

/** One scheduled or manual execution of the loop. `run_key` = job + schedule slot, unique. */
export const runs = pgTable(
  "runs",
  {
    id: serial("id").primaryKey(),
    runKey: text("run_key").notNull(),
    job: text("job").notNull(),
    slot: ts("slot").notNull(),
    asOf: ts("as_of").notNull(),
    trigger: text("trigger").notNull(),
    /**
     * running | succeeded | degraded | failed | abandoned. A `running` run whose lease has
     * expired is abandoned (its invocation died); the next delivery of its slot takes it over.
     */
    status: text("status").notNull(),
    /** Public reason, `<category>: <short message>` when failed (lib/pipeline/failure.ts). */
    reason: text("reason"),
    /** The market source's name (replay, deribit, simulator:<seed>). */
    source: text("source"),
    /** The markets the run covers; each is committed on its own in run_markets. */
    markets: jsonb("markets").$type<string[]>().notNull().default([]),
    /** Until when the worker holding a `running` run is presumed alive (it extends this). */
    leaseExpiresAt: ts("lease_expires_at"),
    inputHash: text("input_hash"),
    codeVersion: text("code_version").notNull(),
    configHash: text("config_hash").notNull(),
    config: jsonb("config").notNull(),
    startedAt: ts("started_at").notNull().defaultNow(),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    uniqueIndex("runs_run_key_uq").on(t.runKey),
    // Newest first by (as_of, id): the runs list's cursor and every "latest run that has …".
    index("runs_as_of_id_idx").on(t.asOf, t.id),
    index("runs_running_lease_idx")
      .on(t.leaseExpiresAt)
      .where(sql`status = 'running'`),
  ],
);

/** The outcome of one market inside a run. */
export const runMarkets = pgTable(
  "run_markets",
  {
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    marketId: text("market_id")
      .notNull()
      .references(() => markets.id),
    status: text("status").notNull(),
    reason: text("reason"),
    snapshotId: integer("snapshot_id").references(() => snapshots.id),
    quotesUsed: integer("quotes_used").notNull().default(0),
    quotesDropped: integer("quotes_dropped").notNull().default(0),
    inputHash: text("input_hash"),
    /** The data-quality report of the market's snapshot at the run's as-of time. */
    quality: jsonb("quality").$type<DataQualityReport>(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.marketId] })],
);

/** Each stage of each market in a run, timed, with what it read and produced. */
export const runStages = pgTable(
  "run_stages",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    marketId: text("market_id").notNull(),
    stage: text("stage").notNull(), // ingest | calibrate | assess | propose
    seq: integer("seq").notNull(),
    status: text("status").notNull(),
    startedAt: ts("started_at").notNull(),
    durationMs: doublePrecision("duration_ms").notNull(),
    summary: jsonb("summary").notNull(),
  },
  (t) => [index("run_stages_run_idx").on(t.runId)],
);

/** Normalized market state at an instant; stored once per (market, capture time, source). */
export const snapshots = pgTable(
  "snapshots",
  {
    id: serial("id").primaryKey(),
    marketId: text("market_id")
      .notNull()
      .references(() => markets.id),
    source: text("source").notNull(),
    /** live | replay | simulator: histories of different kinds never mix. */
    sourceKind: text("source_kind").notNull().default("replay"),
    capturedAt: ts("captured_at").notNull(),
    indexPrice: doublePrecision("index_price").notNull(),
    contentHash: text("content_hash").notNull(),
    /** What the source adds to the normalized snapshot: futures, perpetual and funding, capture. */
    extras: jsonb("extras").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    uniqueIndex("snapshots_market_hash_uq").on(t.marketId, t.sourceKind, t.contentHash),
    index("snapshots_market_captured_idx").on(t.marketId, t.capturedAt),
  ],
);

/** Option quotes of a snapshot, as captured (coin prices for inverse options) plus USD forward. */
export const optionQuotes = pgTable(
  "option_quotes",
  {
    snapshotId: integer("snapshot_id")
      .notNull()
      .references(() => snapshots.id, { onDelete: "cascade" }),
    instrument: text("instrument").notNull(),
    expiry: ts("expiry").notNull(),
    strike: doublePrecision("strike").notNull(),
    optionType: text("option_type").notNull(), // call | put
    bid: doublePrecision("bid"),
    ask: doublePrecision("ask"),
    mark: doublePrecision("mark"),
    markIv: doublePrecision("mark_iv"),
    forward: doublePrecision("forward").notNull(),
    openInterest: doublePrecision("open_interest"),
    /** When the venue produced the quote, where the source says. */
    quotedAt: ts("quoted_at"),
  },
  (t) => [primaryKey({ columns: [t.snapshotId, t.instrument] })],
);

/** Daily reference prices (close or fixing) per market, the risk engine's history. */
export const priceHistory = pgTable(
  "price_history",
  {
    marketId: text("market_id")
      .notNull()
      .references(() => markets.id),
    /** live | replay | simulator: a run reads and appends only its own kind's history. */
    sourceKind: text("source_kind").notNull().default("replay"),
    day: date("day", { mode: "string" }).notNull(),
    price: doublePrecision("price").notNull(),
    source: text("source").notNull(),
  },
  (t) => [primaryKey({ columns: [t.marketId, t.sourceKind, t.day] })],
);

/** The calibrated volatility surface of a market at a run. */
export const surfaces = pgTable(
  "surfaces",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    marketId: text("market_id").notNull(),
    model: text("model").notNull(),
    asOf: ts("as_of").notNull(),
    diagnostics: jsonb("diagnostics").notNull(),
    /**
     * The diagnostics without the bulky parts only one run's page needs (the grid's time values,
     * the calibration covariance, the filter's run list): what history charts read, so a year of
     * runs never detoasts the full documents. Kept by Postgres.
     */
    historySummary: jsonb("history_summary").generatedAlwaysAs(
      sql`(diagnostics - 'representation' - 'covariance') #- '{regime,runIds}'`,
    ),
  },
  (t) => [uniqueIndex("surfaces_run_market_model_uq").on(t.runId, t.marketId, t.model)],
);

/** One expiry of a surface: its parameters and fit diagnostics. */
export const surfaceSlices = pgTable(
  "surface_slices",
  {
    surfaceId: integer("surface_id")
      .notNull()
      .references(() => surfaces.id, { onDelete: "cascade" }),
    expiry: ts("expiry").notNull(),
    t: doublePrecision("t").notNull(),
    forward: doublePrecision("forward").notNull(),
    atmVol: doublePrecision("atm_vol"),
    params: jsonb("params").notNull(),
    quotesUsed: integer("quotes_used").notNull(),
    diagnostics: jsonb("diagnostics").notNull(),
  },
  (t) => [primaryKey({ columns: [t.surfaceId, t.expiry] })],
);

/** VaR / ES and friends: one row per (run, market, method, level, horizon). */
export const riskMetrics = pgTable(
  "risk_metrics",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    marketId: text("market_id").notNull(),
    /** The run's as-of time, kept here so a risk series by date range is one index range. */
    asOf: ts("as_of").notNull(),
    method: text("method").notNull(),
    level: doublePrecision("level").notNull(),
    horizonDays: integer("horizon_days").notNull(),
    var: doublePrecision("var").notNull(),
    es: doublePrecision("es").notNull(),
    sampleSize: integer("sample_size").notNull(),
    windowFrom: date("window_from", { mode: "string" }).notNull(),
    windowTo: date("window_to", { mode: "string" }).notNull(),
    details: jsonb("details").notNull(),
  },
  (t) => [
    uniqueIndex("risk_metrics_uq").on(t.runId, t.marketId, t.method, t.level, t.horizonDays),
    index("risk_metrics_market_idx").on(t.marketId, t.method),
    index("risk_metrics_series_idx").on(
      t.marketId,
      t.method,
      t.level,
      t.horizonDays,
      t.asOf,
      t.runId,
    ),
  ],
);

/** Rolling backtest of one method at one level, as of a run: coverage tests and the series. */
export const backtests = pgTable(
  "backtests",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    marketId: text("market_id").notNull(),
    method: text("method").notNull(),
    level: doublePrecision("level").notNull(),
    estimationWindow: integer("estimation_window").notNull(),
    days: integer("days").notNull(),
    testedFrom: date("tested_from", { mode: "string" }).notNull(),
    testedTo: date("tested_to", { mode: "string" }).notNull(),
    exceptions: integer("exceptions").notNull(),
    expected: doublePrecision("expected").notNull(),
    kupiecPValue: doublePrecision("kupiec_p_value").notNull(),
    christoffersenIndPValue: doublePrecision("christoffersen_ind_p_value").notNull(),
    christoffersenCcPValue: doublePrecision("christoffersen_cc_p_value").notNull(),
    zone: text("zone").notNull(),
    plusFactor: doublePrecision("plus_factor").notNull(),
    z2: doublePrecision("z2").notNull(),
    z2PValue: doublePrecision("z2_p_value").notNull(),
    /** exceptionDates and the daily {date, var, es, loss} series. */
    details: jsonb("details").notNull(),
  },
  (t) => [
    uniqueIndex("backtests_uq").on(t.runId, t.marketId, t.method, t.level),
    index("backtests_market_idx").on(t.marketId),
  ],
);

/** A governed protocol variable with its unit, hard bounds and policy (incl. guardrails). */
export const parameters = pgTable(
  "parameters",
  {
    id: serial("id").primaryKey(),
    marketId: text("market_id")
      .notNull()
      .references(() => markets.id),
    name: text("name").notNull(),
    unit: text("unit").notNull(),
    minValue: doublePrecision("min_value").notNull(),
    maxValue: doublePrecision("max_value").notNull(),
    policy: jsonb("policy").notNull(),
    description: text("description").notNull(),
  },
  (t) => [uniqueIndex("parameters_market_name_uq").on(t.marketId, t.name)],
);

/** Every value a parameter has had; the newest row is the current value. */
export const parameterValues = pgTable(
  "parameter_values",
  {
    id: serial("id").primaryKey(),
    parameterId: integer("parameter_id")
      .notNull()
      .references(() => parameters.id),
    value: doublePrecision("value").notNull(),
    effectiveAt: ts("effective_at").notNull(),
    source: text("source").notNull(), // genesis | execution
    proposalId: integer("proposal_id"),
    executionId: integer("execution_id"),
  },
  (t) => [index("parameter_values_param_idx").on(t.parameterId, t.effectiveAt)],
);

/** One run's recommendation for one market. */
export const proposals = pgTable(
  "proposals",
  {
    id: serial("id").primaryKey(),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id),
    marketId: text("market_id").notNull(),
    status: text("status").notNull(), // open | approved | rejected | superseded | expired | executed
    rationale: text("rationale").notNull(),
    evidence: jsonb("evidence").notNull(),
    /** The run's as-of time: proposals live in data time. */
    createdAt: ts("created_at").notNull(),
    /** When the status left `open` (quorum reached, superseded or expired), in data time. */
    decidedAt: ts("decided_at"),
    supersededBy: integer("superseded_by"),
    /** The canonical payload (lib/governance/payload.ts) and its hash, fixed at creation. */
    payload: jsonb("payload"),
    payloadHash: text("payload_hash"),
    /** Approvals (or rejections) that decide it, from the config at creation. */
    quorum: integer("quorum").notNull().default(2),
    /** Later runs that wanted the same change: ids and as-of times. */
    reaffirmedBy: jsonb("reaffirmed_by")
      .$type<{ runId: number; asOf: string }[]>()
      .notNull()
      .default([]),
  },
  (t) => [index("proposals_status_idx").on(t.status), index("proposals_market_idx").on(t.marketId)],
);

/** Current vs proposed value of one parameter in a proposal, with the guardrail trace. */
export const proposalChanges = pgTable(
  "proposal_changes",
  {
    proposalId: integer("proposal_id")
      .notNull()
      .references(() => proposals.id, { onDelete: "cascade" }),
    parameterId: integer("parameter_id")
      .notNull()
      .references(() => parameters.id),
    currentValue: doublePrecision("current_value").notNull(),
    targetValue: doublePrecision("target_value").notNull(),
    proposedValue: doublePrecision("proposed_value").notNull(),
    guardrailTrace: jsonb("guardrail_trace").notNull(),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.parameterId] })],
);

/** Members of the risk committee, identified by EIP-55 wallet address (SIWE). */
export const committeeMembers = pgTable("committee_members", {
  address: text("address").primaryKey(),
  displayName: text("display_name").notNull(),
  role: text("role").notNull(), // reviewer | executor | admin
  active: boolean("active").notNull().default(true),
  addedAt: ts("added_at").notNull().defaultNow(),
  /** The membership is valid in [validFrom, validUntil); null: open-ended. */
  validFrom: ts("valid_from").notNull().defaultNow(),
  validUntil: ts("valid_until"),
  removedAt: ts("removed_at"),
});

/** A committee member's EIP-712-signed decision and comment on a proposal; one per member. */
export const reviews = pgTable(
  "reviews",
  {
    id: serial("id").primaryKey(),
    proposalId: integer("proposal_id")
      .notNull()
      .references(() => proposals.id),
    memberAddress: text("member_address")
      .notNull()
      .references(() => committeeMembers.address),
    decision: text("decision").notNull(), // approve | reject
    comment: text("comment").notNull().default(""),
    signature: text("signature").notNull(),
    payloadHash: text("payload_hash").notNull(),
    commentHash: text("comment_hash").notNull(),
    chainId: integer("chain_id").notNull(),
    /** The time the reviewer states in the signed message. */
    issuedAt: ts("issued_at").notNull(),
    createdAt: ts("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("reviews_proposal_idx").on(t.proposalId),
    uniqueIndex("reviews_proposal_member_uq").on(t.proposalId, t.memberAddress),
  ],
);

/** The record that an approved proposal took effect; sets the parameters' values. */
export const executions = pgTable("executions", {
  id: serial("id").primaryKey(),
  proposalId: integer("proposal_id")
    .notNull()
    .unique()
    .references(() => proposals.id),
  /** An executor's address, or `operator` for the command line. */
  executedBy: text("executed_by").notNull(),
  executedAt: ts("executed_at").notNull(),
  txHash: text("tx_hash"),
  note: text("note"),
  recordedAt: ts("recorded_at").notNull().defaultNow(),
});

/** Sign-In with Ethereum nonces: issued by the server, each accepted once, before it expires. */
export const siweNonces = pgTable("siwe_nonces", {
  nonce: text("nonce").primaryKey(),
  issuedAt: ts("issued_at").notNull().defaultNow(),
  expiresAt: ts("expires_at").notNull(),
  usedAt: ts("used_at"),
});

/** Append-only, hash-chained record of every state change. */
export const auditEvents = pgTable("audit_events", {
  seq: bigserial("seq", { mode: "number" }).primaryKey(),
  at: ts("at").notNull(),
  actor: text("actor").notNull(),
  kind: text("kind").notNull(),
  entity: text("entity").notNull(),
  payload: jsonb("payload").notNull(),
  prevHash: text("prev_hash").notNull(),
  hash: text("hash").notNull(),
});

/**
 * Public API requests per client and fixed one-minute window. Counted in the database so that the
 * limit holds across serverless instances; old windows are deleted as new ones open.
 */
export const apiRateLimits = pgTable(
  "api_rate_limits",
  {
    client: text("client").notNull(),
    windowStart: ts("window_start").notNull(),
    count: integer("count").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.client, t.windowStart] }),
    index("api_rate_limits_window_idx").on(t.windowStart),
  ],
);
