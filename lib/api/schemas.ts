// The public read API's contract: one zod schema per path parameter, query and response. The route
// handlers parse with these and shape their bodies to them, and the OpenAPI document
// (lib/api/openapi.ts) is generated from the very same objects, so the two cannot drift. Schemas
// with an `id` become components of the OpenAPI document.
import { z } from "zod";
import { MarketIdSchema } from "../config";
import { FAILURE_CATEGORIES } from "../pipeline/failure";
import { PROPOSAL_STATUSES } from "../governance/lifecycle";
import { RUN_STATUSES } from "../pipeline/types";
import { RISK_HORIZONS, RISK_METHODS } from "../quant/riskMethods";

const isoTime = () => z.iso.datetime({ offset: true });
const isoDate = () => z.iso.date();

// ---------------------------------------------------------------------------------------------
// Parameters

export const MarketParam = MarketIdSchema.meta({
  description: "Market id, `venue:UNDERLYING`.",
  example: "deribit:BTC",
});

/** Database ids are int4: a larger or non-numeric id is a 404, never an overflow. */
export const IdParam = z
  .string()
  .regex(/^\d{1,10}$/, "a positive integer id")
  .transform(Number)
  .pipe(z.number().int().min(1).max(2_147_483_647))
  .meta({ description: "Numeric id (1 … 2147483647).", example: "1" });

const Format = z
  .enum(["json", "csv"])
  .default("json")
  .meta({ description: "`csv` answers `text/csv` with a header row.", example: "csv" });

/** A query id (optional `run=`): same rule as a path id, but a bad one is a 400 naming it. */
const QueryId = z
  .string()
  .regex(/^\d{1,10}$/, "a positive integer id")
  .transform(Number)
  .pipe(z.number().int().min(1).max(2_147_483_647));

const Level = z.coerce.number().gt(0.5).lt(1).meta({
  description: "Confidence level, e.g. 0.99 (the risk series: 0.99 by default).",
  example: 0.99,
});

export const RISK_LIMIT_MAX = 20_000;
/** Every run, or each UTC day's last run. */
export const RISK_RESOLUTIONS = ["run", "day"] as const;
export type RiskResolution = (typeof RISK_RESOLUTIONS)[number];
/** The longest span (days) served at every run when no resolution is asked for. */
export const RISK_RUN_RESOLUTION_MAX_DAYS = 31;

export const RiskQuery = z.object({
  from: isoTime()
    .optional()
    .meta({ description: "Runs as of this time or later.", example: "2026-01-01T00:00:00Z" }),
  to: isoTime()
    .optional()
    .meta({ description: "Runs as of this time or earlier.", example: "2026-12-31T23:59:59Z" }),
  method: z
    .enum(RISK_METHODS)
    .optional()
    .meta({ description: "Risk method; all methods when absent.", example: "hs" }),
  // The customary risk report: 99 % over one day, unless asked otherwise.
  level: Level.default(0.99),
  horizon: z.coerce
    .number()
    .int()
    .refine((h) => (RISK_HORIZONS as readonly number[]).includes(h), {
      message: `horizon must be one of ${RISK_HORIZONS.join(", ")}`,
    })
    .default(1)
    .meta({ description: "Horizon in days (1 by default).", example: 1 }),
  resolution: z
    .enum(RISK_RESOLUTIONS)
    .optional()
    .meta({
      description: `Points per method: \`run\` (every run) or \`day\` (each UTC day's last run). When absent: \`run\` for a span of up to ${RISK_RUN_RESOLUTION_MAX_DAYS} days, \`day\` beyond (a year of hourly runs is 8,760 points a method).`,
      example: "day",
    }),
  format: Format,
});

export const BacktestsQuery = z.object({
  method: z
    .enum(RISK_METHODS)
    .optional()
    .meta({ description: "Risk method; all methods when absent.", example: "hs" }),
  level: Level.optional(),
  format: Format,
});

export const ParameterHistoryQuery = z.object({ format: Format });

export const SurfaceQuery = z.object({
  run: QueryId.optional().meta({
    description: "Run id; the market's latest run with a published surface when absent.",
    example: "1",
  }),
});

export const SurfaceIvQuery = z.object({
  run: SurfaceQuery.shape.run,
  expiry: isoTime().meta({
    description: "A fitted expiry of the surface, ISO-8601.",
    example: "2026-03-27T08:00:00.000Z",
  }),
  strike: z.coerce
    .number()
    .positive()
    .refine(Number.isFinite, "strike must be finite")
    .meta({ description: "Strike in USD.", example: 100000 }),
});

export const LIST_LIMIT_MAX = 200;

const Limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(LIST_LIMIT_MAX)
  .default(50)
  .meta({ description: `Page size, 1 … ${LIST_LIMIT_MAX}.`, example: 50 });

/** Opaque keyset cursor: base64url of `<ISO time>|<id>`, as served in `next`. */
export const Cursor = z
  .string()
  .max(200)
  .transform((s, ctx) => {
    const decoded = /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, "base64url").toString("utf8") : "";
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,10})$/.exec(decoded);
    const at = m ? Date.parse(m[1]) : NaN;
    const id = m ? Number(m[2]) : NaN;
    if (!Number.isFinite(at) || !(id >= 1 && id <= 2_147_483_647)) {
      ctx.addIssue({ code: "custom", message: "not a cursor this API issued" });
      return z.NEVER;
    }
    return { at: new Date(at), id };
  })
  .meta({
    description: "The `next` cursor of the previous page.",
    example: "MjAyNi0wMS0wN1QwOTowMDowMC4wMDBafDEy",
  });

export function encodeCursor(at: Date, id: number): string {
  return Buffer.from(`${at.toISOString()}|${id}`, "utf8").toString("base64url");
}

export const RunsQuery = z.object({
  market: MarketParam.optional(),
  status: z
    .enum(RUN_STATUSES)
    .optional()
    .meta({ description: "The run's status.", example: "succeeded" }),
  cursor: Cursor.optional(),
  limit: Limit,
});

export const ProposalsQuery = z.object({
  market: MarketParam.optional(),
  status: z
    .enum(PROPOSAL_STATUSES)
    .optional()
    .meta({ description: "The proposal's status.", example: "open" }),
  cursor: Cursor.optional(),
  limit: Limit,
});

export const EmptyQuery = z.object({});

// ---------------------------------------------------------------------------------------------
// Responses

export const PublicReason = z
  .object({
    category: z.enum(FAILURE_CATEGORIES),
    message: z.string().max(300),
  })
  .meta({
    id: "PublicReason",
    description:
      "Why a run or market did not succeed: a category and a short message in Vigil's own words " +
      "(full error text stays in the server log).",
  });

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    field: z.string().optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details." });

export const ParameterValue = z
  .object({
    name: z.string(),
    unit: z.string(),
    value: z.number(),
    effectiveAt: isoTime(),
    min: z.number(),
    max: z.number(),
  })
  .meta({ id: "ParameterValue", description: "A governed parameter and the value in force." });

export const MarketSummary = z
  .object({
    id: z.string(),
    venue: z.string(),
    underlying: z.string(),
    quoteCurrency: z.string(),
    parameters: z.array(ParameterValue),
  })
  .meta({ id: "MarketSummary" });

export const MarketsResponse = z
  .object({ markets: z.array(MarketSummary) })
  .meta({ id: "MarketsResponse" });

export const RiskPoint = z
  .object({
    runId: z.number().int(),
    asOf: isoTime(),
    method: z.string(),
    level: z.number(),
    horizonDays: z.number().int(),
    var: z.number(),
    es: z.number(),
    worseSide: z.enum(["long", "short"]).nullable(),
    sampleSize: z.number().int(),
    windowFrom: isoDate(),
    windowTo: isoDate(),
  })
  .meta({
    id: "RiskPoint",
    description: "VaR and ES of one method, level and horizon at one run (worse side).",
  });

export const RunMarketSummary = z
  .object({
    runId: z.number().int(),
    runKey: z.string(),
    asOf: isoTime(),
    runStatus: z.string(),
    status: z.string(),
    reason: PublicReason.nullable(),
    source: z.string().nullable(),
    capturedAt: isoTime().nullable(),
  })
  .meta({ id: "RunMarketSummary", description: "A market's outcome in one run." });

export const MarketResponse = z
  .object({
    market: MarketSummary,
    latestRun: RunMarketSummary.nullable(),
    risk: z.array(RiskPoint),
  })
  .meta({ id: "MarketResponse" });

export const ParameterHistoryResponse = z
  .object({
    market: z.string(),
    parameters: z.array(
      z.object({
        name: z.string(),
        unit: z.string(),
        values: z.array(
          z.object({
            value: z.number(),
            effectiveAt: isoTime(),
            source: z.string(),
            proposalId: z.number().int().nullable(),
            execution: z
              .object({
                id: z.number().int(),
                executedAt: isoTime(),
                executor: z.string(),
                txHash: z.string().nullable(),
              })
              .nullable(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: "ParameterHistoryResponse" });

export const RiskResponse = z
  .object({
    market: z.string(),
    resolution: z.enum(RISK_RESOLUTIONS).meta({
      description: "`run`: a point per run; `day`: each UTC day's last run with the point.",
    }),
    /** Newest `RISK_LIMIT_MAX` points at most; `truncated` says so. */
    truncated: z.boolean(),
    series: z.array(RiskPoint),
  })
  .meta({ id: "RiskResponse" });

export const Backtest = z
  .object({
    method: z.string(),
    level: z.number(),
    estimationWindow: z.number().int(),
    days: z.number().int(),
    testedFrom: isoDate(),
    testedTo: isoDate(),
    exceptions: z.number().int(),
    expected: z.number(),
    kupiecPValue: z.number(),
    christoffersenIndPValue: z.number(),
    christoffersenCcPValue: z.number(),
    zone: z.string(),
    plusFactor: z.number(),
    z2: z.number(),
    z2PValue: z.number(),
    /** The side whose figures the row holds: the worse one (more exceptions). */
    side: z.enum(["long", "short"]).nullable(),
    exceptionDates: z.array(isoDate()),
  })
  .meta({ id: "Backtest" });

export const BacktestsResponse = z
  .object({
    market: z.string(),
    runId: z.number().int().nullable(),
    asOf: isoTime().nullable(),
    backtests: z.array(Backtest),
  })
  .meta({ id: "BacktestsResponse" });

export const Representation = z
  .object({
    kind: z.literal("andreasen-huge"),
    gridK: z.array(z.number()),
    slices: z.array(
      z.object({
        t: z.number(),
        expiry: z.number().optional(),
        forward: z.number(),
        timeValues: z.array(z.number()),
      }),
    ),
  })
  .meta({
    id: "Representation",
    description:
      "The arbitrage-free published surface (Andreasen–Huge): the log-moneyness grid ln(K/F) and, " +
      "per fitted expiry, normalised OTM option prices on it. Interpolate the price linearly in " +
      "K and invert Black-76 to evaluate it at any strike (docs/methodology.md).",
  });

export const SurfaceResponse = z
  .object({
    market: z.string(),
    runId: z.number().int(),
    asOf: isoTime(),
    model: z.string(),
    expiries: z.array(
      z.object({
        expiry: isoTime(),
        t: z.number(),
        forward: z.number(),
        atmVol: z.number().nullable(),
        quotesUsed: z.number().int(),
      }),
    ),
    representation: Representation,
    diagnostics: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "SurfaceResponse" });

export const SurfaceIvResponse = z
  .object({
    market: z.string(),
    runId: z.number().int(),
    expiry: isoTime(),
    strike: z.number(),
    forward: z.number(),
    logMoneyness: z.number(),
    iv: z.number().nullable(),
  })
  .meta({
    id: "SurfaceIvResponse",
    description: "The published surface's implied vol; null beyond the grid or without time value.",
  });

export const RunListItem = z
  .object({
    id: z.number().int(),
    runKey: z.string(),
    job: z.string(),
    trigger: z.string(),
    slot: isoTime(),
    asOf: isoTime(),
    status: z.string(),
    reason: PublicReason.nullable(),
    codeVersion: z.string(),
    configHash: z.string(),
    startedAt: isoTime(),
    finishedAt: isoTime().nullable(),
    markets: z.array(
      z.object({
        marketId: z.string(),
        status: z.string(),
        reason: PublicReason.nullable(),
      }),
    ),
  })
  .meta({ id: "RunListItem" });

export const RunsResponse = z
  .object({ runs: z.array(RunListItem), next: z.string().nullable() })
  .meta({ id: "RunsResponse" });

export const RunResponse = z
  .object({
    run: RunListItem,
    markets: z.array(
      z.object({
        marketId: z.string(),
        status: z.string(),
        reason: PublicReason.nullable(),
        source: z.string().nullable(),
        capturedAt: isoTime().nullable(),
        indexPrice: z.number().nullable(),
        quotesUsed: z.number().int(),
        quotesDropped: z.number().int(),
        inputHash: z.string().nullable(),
        stages: z.array(
          z.object({ stage: z.string(), status: z.string(), durationMs: z.number() }),
        ),
        risk: z.array(RiskPoint),
        proposalIds: z.array(z.number().int()),
      }),
    ),
  })
  .meta({ id: "RunResponse" });

export const LatestRunResponse = z
  .object({
    run: z
      .object({
        id: z.number().int(),
        runKey: z.string(),
        status: z.string(),
        reason: PublicReason.nullable(),
        asOf: isoTime(),
      })
      .nullable(),
    markets: z.array(
      z.object({
        marketId: z.string(),
        status: z.string(),
        reason: PublicReason.nullable(),
        capturedAt: isoTime().nullable(),
        dataAgeHours: z.number().nullable(),
        quality: z
          .object({
            quotes: z.number().int(),
            usable: z.number().int(),
            usableExpiries: z.number().int(),
            stale: z.boolean(),
            warnings: z.array(z.string()),
          })
          .nullable(),
      }),
    ),
  })
  .meta({ id: "LatestRunResponse" });
export type LatestRunBody = z.infer<typeof LatestRunResponse>;

const ProposalChange = z.object({
  name: z.string(),
  unit: z.string(),
  currentValue: z.number(),
  targetValue: z.number(),
  proposedValue: z.number(),
});

export const ProposalListItem = z
  .object({
    id: z.number().int(),
    runId: z.number().int(),
    marketId: z.string(),
    status: z.enum(PROPOSAL_STATUSES),
    createdAt: isoTime(),
    decidedAt: isoTime().nullable(),
    quorum: z.number().int(),
    payloadHash: z.string().nullable(),
    changes: z.array(ProposalChange),
  })
  .meta({ id: "ProposalListItem" });

export const ProposalsResponse = z
  .object({ proposals: z.array(ProposalListItem), next: z.string().nullable() })
  .meta({ id: "ProposalsResponse" });

export const ProposalResponse = z
  .object({
    proposal: ProposalListItem.extend({
      rationale: z.string(),
      supersededBy: z.number().int().nullable(),
      reaffirmedBy: z.array(z.object({ runId: z.number().int(), asOf: isoTime() })),
      changes: z.array(ProposalChange.extend({ guardrailTrace: z.unknown() })),
    }),
    reviews: z.array(
      z.object({
        member: z.string(),
        decision: z.string(),
        comment: z.string(),
        issuedAt: isoTime(),
        signature: z.string(),
      }),
    ),
    execution: z
      .object({
        executedAt: isoTime(),
        executor: z.string(),
        txHash: z.string().nullable(),
        note: z.string().nullable(),
      })
      .nullable(),
  })
  .meta({ id: "ProposalResponse" });

export const HealthResponse = z
  .object({
    status: z.enum(["ok", "stale", "unavailable"]),
    version: z.string(),
    database: z.object({ reachable: z.boolean(), latencyMs: z.number().nullable() }),
    markets: z.array(
      z.object({
        marketId: z.string(),
        latestRunId: z.number().int().nullable(),
        latestAsOf: isoTime().nullable(),
        ageHours: z.number().nullable(),
      }),
    ),
  })
  .meta({
    id: "HealthResponse",
    description: "`stale` when a market's latest run is more than 2 hours old (hourly schedule).",
  });

// ---------------------------------------------------------------------------------------------
// Governance reads (what reviewers sign, and the audit trail)

export const AuditQuery = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0).meta({
    description: "Events after this sequence number (the previous page's `next`).",
    example: 0,
  }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(100)
    .meta({ description: "Page size, 1 … 1000.", example: 100 }),
});

export const AuditResponse = z
  .object({
    events: z.array(
      z.object({
        seq: z.number().int(),
        at: isoTime(),
        actor: z.string(),
        kind: z.string(),
        entity: z.string(),
        payload: z.unknown(),
        prevHash: z.string(),
        hash: z.string(),
      }),
    ),
    next: z.number().int().nullable(),
  })
  .meta({
    id: "AuditResponse",
    description:
      "Hash-chained audit events, oldest first; recompute the chain as docs/governance.md says.",
  });

const Hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);

export const PayloadResponse = z
  .object({
    proposalId: z.number().int(),
    updates: z.array(
      z.object({
        referenceId: z.string(),
        market: z.string(),
        updateType: z.string(),
        previousValue: z.number(),
        newValue: z.number(),
        timestamp: z.number().int(),
        additionalData: z.object({
          runId: z.number().int(),
          configHash: z.string(),
          inputHash: z.string().nullable(),
          codeVersion: z.string(),
        }),
      }),
    ),
    payloadHash: Hex32,
  })
  .meta({
    id: "PayloadResponse",
    description:
      "The canonical payload of a proposal and its hash (SHA-256 of its canonical JSON).",
  });

export const ReviewTypedDataResponse = z
  .object({
    domain: z.object({ name: z.string(), version: z.string(), chainId: z.number().int() }),
    types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
    primaryType: z.literal("Review"),
    message: z.object({
      proposalId: z.number().int(),
      payloadHash: Hex32,
      decision: z.enum(["approve", "reject"]),
      commentHash: Hex32,
      issuedAt: z.number().int(),
    }),
  })
  .meta({ id: "ReviewTypedDataResponse", description: "EIP-712 typed data a reviewer signs." });
