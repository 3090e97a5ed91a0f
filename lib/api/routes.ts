// The public read API's routes: path, summary, the zod schemas of its parameters and its body.
// The route handlers take their schemas from here and the OpenAPI document is generated from
// here, so what is documented is what is validated and served.
import { z } from "zod";
import { ReviewRequestQuery } from "./governance";
import { WhatIfQuerySchema, WhatIfResponseSchema } from "./whatIf";
import {
  AuditQuery,
  AuditResponse,
  BacktestsQuery,
  BacktestsResponse,
  EmptyQuery,
  HealthResponse,
  IdParam,
  LatestRunResponse,
  MarketParam,
  MarketResponse,
  MarketsResponse,
  ParameterHistoryQuery,
  ParameterHistoryResponse,
  PayloadResponse,
  ProposalResponse,
  ProposalsQuery,
  ProposalsResponse,
  RiskQuery,
  ReviewTypedDataResponse,
  RiskResponse,
  RunResponse,
  RunsQuery,
  RunsResponse,
  SurfaceIvQuery,
  SurfaceIvResponse,
  SurfaceQuery,
  SurfaceResponse,
} from "./schemas";

export interface ApiRoute {
  /** OpenAPI path template under /api/v1. */
  path: string;
  summary: string;
  description?: string;
  params?: z.ZodObject;
  query: z.ZodObject;
  response: z.ZodType;
  /** Answers `?format=csv` with these columns. */
  csvColumns?: readonly string[];
  /** Statuses besides 200, 400, 429 and 503 that the route answers. */
  notFound?: string;
}

const market = z.object({ market: MarketParam });
const id = z.object({ id: IdParam });

export const RISK_CSV = [
  "runId",
  "asOf",
  "method",
  "level",
  "horizonDays",
  "var",
  "es",
  "worseSide",
  "sampleSize",
  "windowFrom",
  "windowTo",
] as const;
export const BACKTEST_CSV = [
  "method",
  "level",
  "date",
  "longVar",
  "longEs",
  "longLoss",
  "shortVar",
  "shortEs",
  "shortLoss",
] as const;
export const PARAMETER_HISTORY_CSV = [
  "name",
  "unit",
  "value",
  "effectiveAt",
  "source",
  "proposalId",
  "executionId",
  "executedAt",
  "executor",
  "txHash",
] as const;

export const API_ROUTES = {
  markets: {
    path: "/markets",
    summary: "Markets with the parameter values in force",
    query: EmptyQuery,
    response: MarketsResponse,
  },
  market: {
    path: "/markets/{market}",
    summary: "A market: parameters in force, latest run, latest risk figures",
    params: market,
    query: EmptyQuery,
    response: MarketResponse,
    notFound: "Unknown or malformed market id.",
  },
  parameterHistory: {
    path: "/markets/{market}/parameters/history",
    summary: "Every value each parameter has had, with the proposal and execution that set it",
    params: market,
    query: ParameterHistoryQuery,
    response: ParameterHistoryResponse,
    csvColumns: PARAMETER_HISTORY_CSV,
    notFound: "Unknown or malformed market id.",
  },
  risk: {
    path: "/markets/{market}/risk",
    summary: "VaR / ES series (worse side of long and short) by run",
    description: "Oldest first; at most the newest 20,000 points (`truncated` says so).",
    params: market,
    query: RiskQuery,
    response: RiskResponse,
    csvColumns: RISK_CSV,
    notFound: "Unknown or malformed market id.",
  },
  backtests: {
    path: "/markets/{market}/backtests",
    summary: "Rolling VaR/ES backtests of the market's latest run (coverage and ES tests)",
    description: "CSV: the daily forecasts and realized losses of each side.",
    params: market,
    query: BacktestsQuery,
    response: BacktestsResponse,
    csvColumns: BACKTEST_CSV,
    notFound: "Unknown or malformed market id.",
  },
  surface: {
    path: "/markets/{market}/surface",
    summary: "The published (arbitrage-free) volatility surface of a run",
    params: market,
    query: SurfaceQuery,
    response: SurfaceResponse,
    notFound: "Unknown market, or no published surface for that run.",
  },
  surfaceIv: {
    path: "/markets/{market}/surface/iv",
    summary: "The published surface's implied vol at any strike of a fitted expiry",
    description:
      "The same number, to 1e-12, as `vigil calibrate <chain> --model published --eval` for the same inputs.",
    params: market,
    query: SurfaceIvQuery,
    response: SurfaceIvResponse,
    notFound: "Unknown market, no published surface, or the expiry was not fitted.",
  },
  whatIf: {
    path: "/markets/{market}/what-if",
    summary: "A parameter's policy with other knobs: target, guardrail outcome, policy backtest",
    description: "Computed by the pipeline's own functions against the value in force now.",
    params: market,
    query: WhatIfQuerySchema,
    response: WhatIfResponseSchema,
    notFound: "Unknown or malformed market id.",
  },
  runs: {
    path: "/runs",
    summary: "Runs, newest first, cursor-paginated",
    query: RunsQuery,
    response: RunsResponse,
  },
  run: {
    path: "/runs/{id}",
    summary: "One run: per-market outcome, stages, risk figures, proposals",
    params: id,
    query: EmptyQuery,
    response: RunResponse,
    notFound: "No run with that id.",
  },
  latestRun: {
    path: "/runs/latest",
    summary: "The newest run and the age of each market's data",
    query: EmptyQuery,
    response: LatestRunResponse,
  },
  proposals: {
    path: "/proposals",
    summary: "Parameter proposals, newest first, cursor-paginated",
    query: ProposalsQuery,
    response: ProposalsResponse,
  },
  proposal: {
    path: "/proposals/{id}",
    summary: "One proposal: changes with guardrail traces, rationale, signed reviews, execution",
    params: id,
    query: EmptyQuery,
    response: ProposalResponse,
    notFound: "No proposal with that id.",
  },
  proposalPayload: {
    path: "/proposals/{id}/payload",
    summary: "What reviewers sign: the proposal's canonical payload and its hash",
    params: id,
    query: EmptyQuery,
    response: PayloadResponse,
    notFound: "No proposal with that id.",
  },
  reviewRequest: {
    path: "/proposals/{id}/review-request",
    summary: "The EIP-712 typed data of a review, to sign with a wallet",
    params: id,
    query: ReviewRequestQuery,
    response: ReviewTypedDataResponse,
    notFound: "No proposal with that id.",
  },
  audit: {
    path: "/audit",
    summary: "The hash-chained audit trail, oldest first, paged by sequence number",
    query: AuditQuery,
    response: AuditResponse,
  },
  health: {
    path: "/health",
    summary: "Database reachability, age of each market's latest run, version",
    description: "503 with the same body when the database is unreachable.",
    query: EmptyQuery,
    response: HealthResponse,
  },
} satisfies Record<string, ApiRoute>;
