// Markets, governed parameters and their policies. The config's hash is stored with every run, so a
// run can be re-computed with exactly the settings it used.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { RISK_HORIZONS, RISK_METHODS } from "./quant/riskMethods";

export const MarketIdSchema = z.string().regex(/^[a-z]+:[A-Z0-9]+$/, "market id like deribit:BTC");
export type MarketId = z.infer<typeof MarketIdSchema>;

/**
 * A step limit per update, as Aave's Risk Stewards declare it: relative to the current value
 * (0.25 = 25 % of it) or absolute (in the parameter's unit).
 */
export const StepLimitSchema = z.object({
  kind: z.enum(["relative", "absolute"]),
  value: z.number().positive(),
});
export type StepLimit = z.infer<typeof StepLimitSchema>;

export const GuardrailsSchema = z.object({
  /** Largest increase and largest decrease per update (risk-off moves may be allowed faster). */
  maxIncrease: StepLimitSchema,
  maxDecrease: StepLimitSchema,
  /** No proposal when |target − current| / current is at or below this. */
  deadBandRelative: z.number().nonnegative(),
  /** Minimum time since the last executed change of the parameter. */
  minDelayHours: z.number().nonnegative(),
  /** After the committee rejects a change of the parameter, no new proposal for this long. */
  cooldownAfterRejectHours: z.number().nonnegative(),
});
export type Guardrails = z.infer<typeof GuardrailsSchema>;

/** The risk-method fields of a policy whose target reads an h-day ES of the run (lib/risk/qualification). */
const esFields = {
  /**
   * Which risk method's ES drives the target while its backtest qualifies it; otherwise the most
   * conservative qualified method does (lib/risk/qualification).
   */
  method: z.enum(RISK_METHODS),
  level: z.number().gt(0.5).lt(1),
  /**
   * Time the protocol needs to liquidate a position: the target reads the h-day ES the run
   * computes (by the same simulation as the targets), so only the horizons it computes are valid.
   */
  liquidationHorizonDays: z
    .number()
    .refine((h) => (RISK_HORIZONS as readonly number[]).includes(h), {
      message: `liquidationHorizonDays must be one of the computed horizons ${RISK_HORIZONS.join(", ")}`,
    }),
  /** A proposal carries a warning when the ES range across all methods exceeds this. */
  modelRiskSpreadWarning: z.number().positive().optional(),
};

/** Every policy: targets are rounded (up: the conservative side) to `step`; its own guardrails. */
const gridFields = {
  step: z.number().positive(),
  guardrails: GuardrailsSchema,
};

/** Maintenance margin = worse-side ES over the liquidation horizon + liquidity add-on. */
export const EsMarginPolicySchema = z.object({
  kind: z.literal("es-margin"),
  ...esFields,
  /**
   * Liquidity add-on (fraction of notional) used when no order book of the perpetual is available;
   * otherwise the add-on is the walked book's slippage for the market's reference position.
   */
  liquidityAddOn: z.number().nonnegative(),
  ...gridFields,
});
export type EsMarginPolicy = z.infer<typeof EsMarginPolicySchema>;

/**
 * Initial margin = max(worse-side ES at a higher level over a longer horizon,
 * maintenanceRatio × the maintenance-margin target).
 */
export const InitialMarginPolicySchema = z.object({
  kind: z.literal("es-initial-margin"),
  ...esFields,
  maintenanceRatio: z.number().min(1),
  ...gridFields,
});

/** Collateral haircut = long-side ES over the collateral's liquidation horizon + liquidity add-on. */
export const HaircutPolicySchema = z.object({
  kind: z.literal("es-haircut"),
  ...esFields,
  ...gridFields,
});

/** Funding-rate cap = the `quantile` of |funding per period| over the last `lookbackDays`. */
export const FundingCapPolicySchema = z.object({
  kind: z.literal("funding-cap"),
  quantile: z.number().gt(0.5).lt(1),
  lookbackDays: z.number().int().min(30),
  ...gridFields,
});

/**
 * Scan range (spot shock of a portfolio-margin grid) = max(implied move, historical move) over
 * `horizonDays` at `level` (two-sided).
 */
export const ScanRangePolicySchema = z.object({
  kind: z.literal("scan-range"),
  level: z.number().gt(0.5).lt(1),
  horizonDays: z.number().int().min(1).max(30),
  ...gridFields,
});

/**
 * Vol shock (relative implied-vol shock of the grid) = the `level` quantile of the relative
 * change of the EWMA(λ) volatility over `horizonDays`.
 */
export const VolShockPolicySchema = z.object({
  kind: z.literal("vol-shock"),
  level: z.number().gt(0.5).lt(1),
  horizonDays: z.number().int().min(1).max(30),
  ewmaLambda: z.number().gt(0).lt(1),
  ...gridFields,
});

export const ParameterPolicySchema = z.discriminatedUnion("kind", [
  EsMarginPolicySchema,
  InitialMarginPolicySchema,
  HaircutPolicySchema,
  FundingCapPolicySchema,
  ScanRangePolicySchema,
  VolShockPolicySchema,
]);
export type ParameterPolicy = z.infer<typeof ParameterPolicySchema>;
export type PolicyKind = ParameterPolicy["kind"];
/** The policies whose target reads an ES of the run's risk report (qualified by backtests). */
export type EsPolicy = Extract<ParameterPolicy, { method: unknown }>;
export function isEsPolicy(p: ParameterPolicy): p is EsPolicy {
  return p.kind === "es-margin" || p.kind === "es-initial-margin" || p.kind === "es-haircut";
}

/** The six governed parameters, by name (other tools rely on these names). */
export const PARAMETER_NAMES = [
  "perp.maintenanceMarginFraction",
  "perp.initialMarginFraction",
  "perp.fundingRateCap",
  "options.scanRangeFraction",
  "options.volShockFraction",
  "collateral.haircut",
] as const;
export type ParameterName = (typeof PARAMETER_NAMES)[number];

export const ParameterConfigSchema = z
  .object({
    name: z.string().min(1),
    unit: z.string().min(1),
    description: z.string().min(1),
    min: z.number().positive(),
    max: z.number().positive(),
    genesisValue: z.number(),
    /** Approvals (or rejections) that decide a proposal changing this parameter. */
    quorum: z.number().int().min(1).optional(),
    policy: ParameterPolicySchema,
  })
  .superRefine((p, ctx) => {
    if (!(p.min < p.max))
      ctx.addIssue({ code: "custom", path: ["max"], message: `max must exceed min (${p.min})` });
    else if (!(p.genesisValue >= p.min && p.genesisValue <= p.max))
      ctx.addIssue({
        code: "custom",
        path: ["genesisValue"],
        message: `genesis value must lie inside the bounds [${p.min}, ${p.max}]`,
      });
    else if (gridFloor(p.max, p.policy.step) < gridCeil(p.min, p.policy.step))
      ctx.addIssue({
        code: "custom",
        path: ["policy", "step"],
        message: `no multiple of the step lies inside the bounds [${p.min}, ${p.max}]`,
      });
  });
export type ParameterConfig = z.infer<typeof ParameterConfigSchema>;

export const MarketConfigSchema = z.object({
  id: MarketIdSchema,
  venue: z.string(),
  underlying: z.string(),
  /** Gate: a snapshot older than this at the run's as-of time makes the market degraded. */
  maxSnapshotAgeHours: z.number().positive(),
  /** Daily returns used by historical simulation. */
  historyWindowDays: z.number().int().min(100),
  /** Quotes closer to expiry than this are not used (their IVs are dominated by noise). */
  minExpiryDays: z.number().nonnegative(),
  /** Gate: fewer usable quotes or expiries than this and the chain is too thin to calibrate. */
  minUsableQuotes: z.number().int().positive(),
  minExpiries: z.number().int().positive(),
  /** Portfolio-margin style stress grid: spot ±step … ±max, relative implied-vol shocks. */
  stress: z.object({
    spotStep: z.number().positive(),
    spotMax: z.number().positive(),
    volShocks: z.array(z.number().gt(-1)).min(1),
  }),
  parameters: z.array(ParameterConfigSchema).min(1),
  /**
   * Liquidity add-on from the perpetual's order book: the slippage of liquidating this position
   * (USD notional) through the book, worse side (docs/methodology.md §4b).
   */
  liquidity: z.object({ referencePositionUsd: z.number().positive() }),
  /**
   * A proposal's rationale warns when the run's model-risk index (dispersion of the exotic
   * basket's prices across the fitted models, docs/methodology.md §9) exceeds this.
   */
  modelRiskIndexWarning: z.number().positive().optional(),
});
export type MarketConfig = z.infer<typeof MarketConfigSchema>;

export const VigilConfigSchema = z.object({
  markets: z.array(MarketConfigSchema).min(1),
  /** An open proposal expires when a run as of later than its creation plus this is recorded. */
  proposalTtlHours: z.number().positive(),
  /** Approvals (or rejections) that decide a proposal, unless its parameters set their own. */
  quorum: z.number().int().min(1),
});
export type VigilConfig = z.infer<typeof VigilConfigSchema>;

/** Per-market genesis values and reference position of the default Deribit markets. */
interface MarketDefaults {
  maintenance: number;
  initial: number;
  fundingCap: number;
  scanRange: number;
  volShock: number;
  haircut: number;
  referencePositionUsd: number;
}

/** Risk-off moves (increases) may go faster than risk-on ones (decreases), as Chaos Labs' agents allow. */
const relativeGuardrails = (up: number, down: number) => ({
  maxIncrease: { kind: "relative" as const, value: up },
  maxDecrease: { kind: "relative" as const, value: down },
  deadBandRelative: 0.05,
  minDelayHours: 72,
  cooldownAfterRejectHours: 72,
});

function defaultParameters(d: MarketDefaults): ParameterConfig[] {
  return [
    {
      name: "perp.maintenanceMarginFraction",
      unit: "fraction of notional",
      description:
        "Equity below this fraction of a perpetual position's notional triggers liquidation. " +
        "It must cover the loss expected in the tail over the time a liquidation takes.",
      min: 0.005,
      max: 0.25,
      genesisValue: d.maintenance,
      policy: {
        kind: "es-margin",
        method: "hs",
        level: 0.99,
        liquidationHorizonDays: 1,
        modelRiskSpreadWarning: 0.03,
        liquidityAddOn: 0.005,
        step: 0.0005,
        guardrails: relativeGuardrails(0.25, 0.25),
      },
    },
    {
      name: "perp.initialMarginFraction",
      unit: "fraction of notional",
      description:
        "Equity a new perpetual position must post, as a fraction of its notional: room for a " +
        "longer run of adverse moves before maintenance is reached.",
      min: 0.01,
      max: 0.5,
      genesisValue: d.initial,
      policy: {
        kind: "es-initial-margin",
        method: "hs",
        level: 0.995,
        liquidationHorizonDays: 3,
        modelRiskSpreadWarning: 0.05,
        maintenanceRatio: 1.5,
        step: 0.0005,
        guardrails: relativeGuardrails(0.25, 0.15),
      },
    },
    {
      name: "perp.fundingRateCap",
      unit: "fraction of notional per 8 h",
      description:
        "Largest funding rate the perpetual charges per 8-hour period; funding beyond it is " +
        "clamped. Too low and the perpetual's price is not anchored to the index.",
      min: 0.0005,
      max: 0.02,
      genesisValue: d.fundingCap,
      policy: {
        kind: "funding-cap",
        quantile: 0.999,
        lookbackDays: 1095,
        step: 0.0001,
        guardrails: {
          maxIncrease: { kind: "absolute", value: 0.001 },
          maxDecrease: { kind: "absolute", value: 0.0005 },
          deadBandRelative: 0.05,
          minDelayHours: 72,
          cooldownAfterRejectHours: 72,
        },
      },
    },
    {
      name: "options.scanRangeFraction",
      unit: "fraction of spot",
      description:
        "Spot shock (±) of the portfolio-margin scenario grid that option portfolios are " +
        "revalued on; the worst scenario loss is the margin.",
      min: 0.03,
      max: 0.6,
      genesisValue: d.scanRange,
      policy: {
        kind: "scan-range",
        level: 0.99,
        horizonDays: 2,
        step: 0.01,
        guardrails: relativeGuardrails(0.3, 0.2),
      },
    },
    {
      name: "options.volShockFraction",
      unit: "fraction of implied vol",
      description: "Relative implied-volatility shock (±) of the portfolio-margin scenario grid.",
      min: 0.05,
      max: 1,
      genesisValue: d.volShock,
      policy: {
        kind: "vol-shock",
        level: 0.99,
        horizonDays: 2,
        ewmaLambda: 0.94,
        step: 0.01,
        guardrails: {
          maxIncrease: { kind: "absolute", value: 0.1 },
          maxDecrease: { kind: "absolute", value: 0.05 },
          deadBandRelative: 0.05,
          minDelayHours: 72,
          cooldownAfterRejectHours: 72,
        },
      },
    },
    {
      name: "collateral.haircut",
      unit: "fraction of collateral value",
      description:
        "Share of the underlying's value not counted when it is posted as collateral: what it " +
        "can lose, long, while it is being sold.",
      min: 0.01,
      max: 0.5,
      genesisValue: d.haircut,
      policy: {
        kind: "es-haircut",
        method: "hs",
        level: 0.99,
        liquidationHorizonDays: 2,
        step: 0.005,
        guardrails: relativeGuardrails(0.25, 0.2),
      },
    },
  ];
}

/** Spot −20 % … +20 % in 5 % steps × implied vol −25 % / flat / +25 %. */
const STRESS_GRID = { spotStep: 0.05, spotMax: 0.2, volShocks: [-0.25, 0, 0.25] };

function deribitMarket(underlying: string, d: MarketDefaults) {
  return {
    id: `deribit:${underlying}`,
    venue: "deribit",
    underlying,
    maxSnapshotAgeHours: 24,
    historyWindowDays: 500,
    minExpiryDays: 1,
    minUsableQuotes: 100,
    minExpiries: 4,
    stress: STRESS_GRID,
    parameters: defaultParameters(d),
    liquidity: { referencePositionUsd: d.referencePositionUsd },
    modelRiskIndexWarning: 0.15,
  };
}

export const DEFAULT_CONFIG: VigilConfig = VigilConfigSchema.parse({
  proposalTtlHours: 24 * 14,
  quorum: 2,
  markets: [
    deribitMarket("BTC", {
      maintenance: 0.05,
      initial: 0.1,
      fundingCap: 0.003,
      scanRange: 0.15,
      volShock: 0.25,
      haircut: 0.1,
      referencePositionUsd: 5_000_000,
    }),
    deribitMarket("ETH", {
      maintenance: 0.06,
      initial: 0.12,
      fundingCap: 0.004,
      scanRange: 0.2,
      volShock: 0.35,
      haircut: 0.12,
      referencePositionUsd: 2_000_000,
    }),
  ],
});

/** Quorum of a proposal: the largest quorum among the parameters it changes. */
export function proposalQuorum(config: VigilConfig, marketId: string, names: string[]): number {
  const market = config.markets.find((m) => m.id === marketId);
  const own = names.map(
    (n) => market?.parameters.find((p) => p.name === n)?.quorum ?? config.quorum,
  );
  return own.length ? Math.max(...own) : config.quorum;
}

/**
 * Multiples of a step, computed from the integer count so that 0.0005 · 131 prints as 0.0655 and
 * not 0.06550000000000001; the epsilon keeps a value already on the grid where it is.
 */
export function gridValue(n: number, step: number): number {
  return Number((n * step).toFixed(12));
}
export function gridFloor(x: number, step: number): number {
  return gridValue(Math.floor(x / step + 1e-9), step);
}
export function gridCeil(x: number, step: number): number {
  return gridValue(Math.ceil(x / step - 1e-9), step);
}

/** JSON with sorted keys, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function configHash(config: VigilConfig): string {
  return sha256Hex(canonicalJson(config));
}

/**
 * The code version stored with each run: the deployed commit (Vercel), an explicit version, or
 * the checked-out git commit; "unknown" outside a checkout.
 */
export function codeVersion(env: Record<string, string | undefined> = process.env): string {
  return env.VERCEL_GIT_COMMIT_SHA || env.VIGIL_CODE_VERSION || (gitHead ??= readGitHead());
}

let gitHead: string | undefined;

function readGitHead(): string {
  try {
    const head = readFileSync(".git/HEAD", "utf8").trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    if (existsSync(`.git/${ref}`)) return readFileSync(`.git/${ref}`, "utf8").trim();
    const packed = readFileSync(".git/packed-refs", "utf8")
      .split("\n")
      .find((l) => l.endsWith(` ${ref}`));
    return packed?.split(" ")[0] ?? "unknown";
  } catch {
    return "unknown";
  }
}
