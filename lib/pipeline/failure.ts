// Public failure reasons. A failed run or market stores `<category>: <short message>` in
// runs.reason / run_markets.reason, which pages and the public API show; the full error (stack,
// driver text, SQL) goes to the server log only. Raw database text never reaches a stored reason.
import { DrizzleQueryError } from "drizzle-orm/errors";
import { MarketDataError } from "../market/deribit";

export const FAILURE_CATEGORIES = [
  "deadline",
  "abandoned",
  "source",
  "data-quality",
  "database",
  "internal",
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

/** A market's work ran out of its budget (RUN_DEADLINE_MS). */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeadlineError";
  }
}

/** An error whose message is ours and safe to publish, with the category it belongs to. */
export class PublicError extends Error {
  constructor(
    readonly category: FailureCategory,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PublicError";
  }
}

/**
 * The public reason of an error: `<category>: <short message>`. Our own errors (deadline, market
 * data, stage gates) keep their message; a database error becomes a fixed sentence; anything
 * else is `internal` with no detail. `context` names what failed (e.g. "ingest").
 */
export function publicFailure(err: unknown, context?: string): string {
  const prefix = context ? `${context}: ` : "";
  if (err instanceof DeadlineError) return `deadline: ${prefix}${err.message}`;
  if (isDatabaseError(err)) return `database: ${prefix}the database refused or lost a query`;
  if (err instanceof PublicError) return `${err.category}: ${prefix}${err.message}`;
  if (err instanceof MarketDataError) return `source: ${prefix}${err.message}`;
  return `internal: ${prefix}unexpected error (details in the server log)`;
}

/** The category of a stored public reason, or null when it has none. */
export function failureCategory(reason: string): FailureCategory | null {
  const head = reason.slice(0, reason.indexOf(":"));
  return (FAILURE_CATEGORIES as readonly string[]).includes(head)
    ? (head as FailureCategory)
    : null;
}

/** Logs the full error for operators; `where` says which run/market it belongs to. */
export function logFailure(where: string, err: unknown): void {
  console.error(`vigil: ${where}:`, err);
}

/** A driver or server error anywhere in the cause chain (node-postgres, PGlite, drizzle). */
function isDatabaseError(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 10; depth++) {
    if (e instanceof DrizzleQueryError) return true;
    const o = e as { severity?: unknown; code?: unknown; cause?: unknown };
    if (typeof o.severity === "string" && typeof o.code === "string") return true;
    e = o.cause;
  }
  return false;
}
