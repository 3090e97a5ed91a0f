// GET /api/v1/markets/{market}/what-if: the query and response schemas (exported for the OpenAPI
// document). A reviewer changes a policy's knobs and sees the target, the guardrail outcome and
// the policy backtest's shortfall rate, computed by the pipeline's own functions.
import { z } from "zod";
import { isEsPolicy, PARAMETER_NAMES, type MarketConfig } from "../config";
import { RISK_METHODS } from "../quant/riskMethods";

const optionalNumber = <T extends z.ZodNumber>(schema: T) =>
  z.preprocess((v) => (v === "" || v === undefined ? undefined : Number(v)), schema.optional());

export const WhatIfQuerySchema = z.object({
  parameter: z
    .enum(PARAMETER_NAMES)
    .meta({ description: "The governed parameter.", example: "perp.maintenanceMarginFraction" }),
  method: z.enum(RISK_METHODS).optional().meta({
    description: "ES policies: the risk method whose ES drives the target.",
    example: "garch-t",
  }),
  level: optionalNumber(z.number().gt(0.5).lt(1)).meta({
    description:
      "Confidence level (ES policies, scan range, vol shock) or funding quantile (funding cap).",
    example: 0.99,
  }),
  horizonDays: optionalNumber(z.number().int().min(1).max(30)).meta({
    description: "Liquidation horizon (ES policies) or move horizon (scan range, vol shock), days.",
    example: 2,
  }),
  referencePositionUsd: optionalNumber(z.number().positive().max(1e10)).meta({
    description: "Reference position for the order-book liquidity add-on, USD.",
    example: 1000000,
  }),
});
export type WhatIfQuery = z.infer<typeof WhatIfQuerySchema>;

const GuardrailStepSchema = z.looseObject({ check: z.string() });

export const WhatIfResponseSchema = z
  .object({
    market: z.string(),
    parameter: z.enum(PARAMETER_NAMES),
    /** The policy with the knobs applied (as lib/config's ParameterPolicySchema). */
    policy: z.looseObject({ kind: z.string() }),
    /** The last recorded day the target is computed for. */
    asOf: z.iso.date(),
    target: z.number(),
    formula: z.string(),
    liquidity: z.object({
      value: z.number(),
      source: z.enum(["order-book", "constant"]),
      detail: z.string(),
    }),
    current: z.number(),
    guardrail: z.object({
      proposed: z.number().nullable(),
      reason: z.string(),
      trace: z.array(GuardrailStepSchema),
    }),
    backtest: z.object({
      from: z.iso.date(),
      to: z.iso.date(),
      days: z.number().int(),
      guardrailBindings: z.number().int(),
      shortfallRate: z.number(),
      shortfalls: z.array(z.iso.date()),
      series: z.array(z.object({ date: z.iso.date(), target: z.number(), value: z.number() })),
    }),
  })
  .meta({
    id: "WhatIfResponse",
    description:
      "A policy's target with the given knobs, the guardrail outcome against the value in force, and the policy backtest.",
  });
export type WhatIfResponse = z.infer<typeof WhatIfResponseSchema>;

/** A parameter's knobs as configured: what a what-if form starts from. */
export interface WhatIfDefaults {
  parameter: string;
  method?: string;
  level: number;
  horizonDays?: number;
}

export function whatIfDefaults(market: MarketConfig): WhatIfDefaults[] {
  return market.parameters.map(({ name, policy: p }) =>
    isEsPolicy(p)
      ? { parameter: name, method: p.method, level: p.level, horizonDays: p.liquidationHorizonDays }
      : p.kind === "funding-cap"
        ? { parameter: name, level: p.quantile }
        : { parameter: name, level: p.level, horizonDays: p.horizonDays },
  );
}
